"""Conformance measured by suites nobody on this project wrote."""

import json
import re
import subprocess
from pathlib import Path

from tests.conformance.conftest import IDENTIFIER, NG, OFFICIAL, require

RUNNER = Path(__file__).with_name("ng_runner.py")

#: Tests of the suites that fail for reasons of the suites' own, with the reason. None yet.
KNOWN_SUITE_DEFECTS: dict[str, str] = {}


#: The official suite's level-3 tests that fail, and why; every other one must pass.
OFFICIAL_LEVEL_3_FAILURES = {
    "format_jp2": "jp2 is not written (and the test calls urllib.urlopen, which Python 3 does not have)",
    "format_pdf": "pdf is not written (and the test calls urllib.urlopen, which Python 3 does not have)",
    "format_webp": "suite defect: the test calls urllib.urlopen (webp is written; iiif-validator-ng checks it)",
    "size_up": "upscaling needs max_scale above its default, 1.0",
}


def run_official(server: str, prefix: str, version: str, level: int = 2, expected_failures: frozenset[str] = frozenset()) -> int:
    require(OFFICIAL)
    cmd = [str(OFFICIAL / "bin" / "python"), str(OFFICIAL / "bin" / "iiif-validate.py"), "-s", server.removeprefix("http://"),
           "-p", prefix, "-i", IDENTIFIER, f"--version={version}", f"--level={level}", "-v"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    output = r.stdout + r.stderr
    summary = re.search(r"Done \((\d+) tests, (\d+) failures\)", output)
    assert summary, output
    tests, failures = map(int, summary.groups())
    failed = set(re.findall(r"\] test (\S+) FAIL", output))
    print(f"iiif-validator 1.0.5, {version} level {level} at /{prefix}: {tests} tests, {failures} failures {sorted(failed)}")
    assert failed == expected_failures and failures == r.returncode == len(failed), output
    return tests


def test_official_validator_3_0_level_2(conformance_server):
    assert run_official(conformance_server, "iiif/3", "3.0") >= 33


def test_official_validator_2_level_2(conformance_server):
    # The suite's 2.0 tests are the ones for a 2.1 endpoint (its --version=2.1 is broken).
    assert run_official(conformance_server, "iiif/2", "2.0") >= 30


def test_official_validator_level_3(conformance_server):
    for prefix, version in (("iiif/3", "3.0"), ("iiif/2", "2.0")):
        assert run_official(conformance_server, prefix, version, 3, frozenset(OFFICIAL_LEVEL_3_FAILURES)) >= 42


def run_ng(base: str, *flags: str) -> list[dict]:
    python = require(NG)
    r = subprocess.run([str(python), str(RUNNER), base, IDENTIFIER, *flags], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    results = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    failed = {x["test"]: x["failures"] for x in results if x["failures"] and x["test"] not in KNOWN_SUITE_DEFECTS}
    print(f"iiif-validator-ng 0.1.0 at {base}: {len(results)} tests selected, {len(results) - len(failed)} passed")
    assert not failed, json.dumps(failed, indent=1)
    return results


#: Selected because info.json offers them, so they must be run (and pass).
EXTRA_FORMAT_TESTS = {"format_gif", "format_webp", "format_tif"}


def test_iiif_validator_ng_3_0(conformance_server):
    results = run_ng(f"{conformance_server}/iiif/3")
    assert len(results) >= 40 and EXTRA_FORMAT_TESTS <= {x["test"] for x in results}


def test_iiif_validator_ng_2(conformance_server):
    results = run_ng(f"{conformance_server}/iiif/2", "--v2")
    assert len(results) >= 38 and EXTRA_FORMAT_TESTS <= {x["test"] for x in results}
