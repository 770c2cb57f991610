//! Arbitrary bytes that start as a PNG file does: opened, then read as the server reads (see
//! `casaba_core_fuzz::decode`).
#![no_main]

use _core::structure::Format;
use libfuzzer_sys::{fuzz_target, Corpus};

fuzz_target!(|data: &[u8]| -> Corpus { casaba_core_fuzz::decode(data, Format::Png) });
