"""Conformance measured by suites nobody on this project wrote."""

import json
import re
import subprocess
from pathlib import Path

from tests.conformance.conftest import IDENTIFIER, NG, OFFICIAL, require

RUNNER = Path(__file__).with_name("ng_runner.py")

#: Tests of the suites that fail for reasons of the suites' own, with the reason. None yet.
KNOWN_SUITE_DEFECTS: dict[str, str] = {}


def run_official(server: str, prefix: str, version: str) -> tuple[int, int, str]:
    require(OFFICIAL)
    cmd = [str(OFFICIAL / "bin" / "python"), str(OFFICIAL / "bin" / "iiif-validate.py"), "-s", server.removeprefix("http://"),
           "-p", prefix, "-i", IDENTIFIER, f"--version={version}", "--level=2", "-v"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    output = r.stdout + r.stderr
    summary = re.search(r"Done \((\d+) tests, (\d+) failures\)", output)
    assert summary, output
    tests, failures = map(int, summary.groups())
    print(f"iiif-validator 1.0.5, {version} level 2 at /{prefix}: {tests} tests, {failures} failures")
    assert failures == 0 and r.returncode == 0, output
    return tests, failures, output


def test_official_validator_3_0_level_2(conformance_server):
    tests, _, _ = run_official(conformance_server, "iiif/3", "3.0")
    assert tests >= 33


def test_official_validator_2_level_2(conformance_server):
    # The suite's 2.0 tests are the ones for a 2.1 endpoint (its --version=2.1 is broken).
    tests, _, _ = run_official(conformance_server, "iiif/2", "2.0")
    assert tests >= 30


def run_ng(base: str, *flags: str) -> list[dict]:
    python = require(NG)
    r = subprocess.run([str(python), str(RUNNER), base, IDENTIFIER, *flags], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    results = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    failed = {x["test"]: x["failures"] for x in results if x["failures"] and x["test"] not in KNOWN_SUITE_DEFECTS}
    print(f"iiif-validator-ng 0.1.0 at {base}: {len(results)} tests selected, {len(results) - len(failed)} passed")
    assert not failed, json.dumps(failed, indent=1)
    return results


def test_iiif_validator_ng_3_0(conformance_server):
    assert len(run_ng(f"{conformance_server}/iiif/3")) >= 30


def test_iiif_validator_ng_2(conformance_server):
    assert len(run_ng(f"{conformance_server}/iiif/2", "--v2")) >= 25
