# The two commands of the README: `make run` and `make test`. Everything they need is installed here.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# Debian packages: building the Rust core (libjpeg-turbo's build needs cmake and nasm), and
# finding overlay fonts by name (fontconfig's fc-match) ...
APT_BUILD := cmake nasm fontconfig
# ... and making test images (vips, tiffcp, opj_compress, ojph_compress), running iiif-validator-ng (libvips)
# and the RedisCache tests (redis-server, started by the tests on a free port), the tests of
# the server's pages in a real browser (headless Chromium through Selenium's chromedriver), and
# the test that kills a worker at the moment it commits a derivative (strace).
APT_TEST := libvips-tools libtiff-tools libopenjp2-tools openjph-tools libvips42 libmagic1 redis-server chromium chromium-driver strace
# ... and the HTTP load harness: its load generator and its peer (iipsrv 1.1 under lighttpd).
APT_LOAD := wrk lighttpd iipimage-server
# The example delegate packages, installed (editable) for their tests.
PLUGINS := $(wildcard plugins/casaba-*)
OFFICIAL := .venv-iiif-validator
NG := .venv-iiif-validator-ng

# The core's fuzz targets (fuzz/), run by cargo-fuzz on the nightly toolchain, and how long each runs.
FUZZ_TARGETS := decode_jpeg decode_tiff decode_png decode_gif decode_webp decode_jp2 plan
FUZZ_SECONDS ?= 60
# A decode within the targets' limit (16 Mpx) fits in these; going past them is a failure. Seeds
# are far smaller than max_len.
FUZZ_FLAGS = -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=65536 -timeout=20

.PHONY: run install test test-deps fuzz-deps check fuzz fuzz-run bench bench-deps load

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

install: $(PY)
	scripts/system-deps $(APT_BUILD)
	$(PY) -m pip install -q -e .

## Install Casaba and serve the demo images on http://127.0.0.1:8182
run: install
	$(VENV)/bin/casaba serve

$(OFFICIAL)/.installed:
	$(PYTHON) -m venv $(OFFICIAL)
	$(OFFICIAL)/bin/pip install -q iiif-validator==1.0.5
	touch $@

$(NG)/.installed:
	$(PYTHON) -m venv $(NG)
	$(NG)/bin/pip install -q iiif-validator-ng==0.1.0
	touch $@

test-deps: $(PY) $(OFFICIAL)/.installed $(NG)/.installed fuzz-deps
	scripts/system-deps $(APT_BUILD) $(APT_TEST)
	$(PY) -m pip install -q -e '.[test]' $(foreach p,$(PLUGINS),-e $(p))

## cargo-fuzz (from crates.io) and the nightly toolchain it builds with (sanitizers need it).
fuzz-deps:
	rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz@0.13.2 --locked

## Static checks: the .pyi matches the Rust module; the Python package and the plugins type-check.
check:
	$(PY) -m mypy.stubtest casaba._core
	$(PY) -m mypy pyserver/casaba
	$(PY) -m mypy $(foreach p,$(PLUGINS),$(p)/src)

## Install what the tests need and run the whole suite: the Rust core's unit tests and its layering
## test (a debug build, about a minute on 2 cores), then pytest (the plugins' tests too), then
## each fuzz target for 20 s (its sanitizer build of the core takes 10-14 minutes on 2 cores).
test: test-deps check
	cargo test --lib --test layers --quiet
	$(VENV)/bin/pytest
	$(MAKE) fuzz-run FUZZ_SECONDS=20

## Coverage-guided fuzzing of the core (docs/architecture.md, "Fuzzing"): fresh seeds, then each
## target for FUZZ_SECONDS (make fuzz FUZZ_SECONDS=600). A crash stops it; its input is kept in
## fuzz/artifacts/<target>/, and what the fuzzer learnt in fuzz/corpus/<target>/.
fuzz: test-deps fuzz-run

fuzz-run:
	$(PY) fuzz/seed.py
	cd fuzz && for t in $(FUZZ_TARGETS); do cargo +nightly fuzz run $$t -- $(FUZZ_FLAGS) || exit 1; done

## Speed figures (see benchmarks/README.md).
bench: test-deps
	$(VENV)/bin/pytest benchmarks --benchmark-autosave

bench-deps: test-deps
	scripts/system-deps $(APT_LOAD)

## HTTP load: Casaba and iipsrv under wrk (benchmarks/README.md). Options: make load LOAD_ARGS="--duration 5";
## another iipsrv: make load IIPSRV_BIN=/path/to/iipsrv.fcgi
load: bench-deps
	$(PY) -m benchmarks.load $(LOAD_ARGS)
