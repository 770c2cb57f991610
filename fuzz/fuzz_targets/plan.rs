//! IIIF requests (region, size, mirror, rotation, quality, format and the encoders' settings)
//! planned against real images, and carried out when small (see `casaba_core_fuzz::plan`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|request: casaba_core_fuzz::Request| casaba_core_fuzz::plan(&request));
