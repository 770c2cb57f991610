"""Conformance measured by suites nobody on this project wrote."""

import json
import re
import subprocess
from pathlib import Path

from tests.conformance.conftest import IDENTIFIER, NG, OFFICIAL, require

RUNNER = Path(__file__).with_name("ng_runner.py")

#: Tests of the suites that fail for reasons of the suites' own, with the reason. None yet.
KNOWN_SUITE_DEFECTS: dict[str, str] = {}


def test_official_validator_3_0_level_2(conformance_server):
    require(OFFICIAL)
    host = conformance_server.removeprefix("http://")
    cmd = [str(OFFICIAL / "bin" / "python"), str(OFFICIAL / "bin" / "iiif-validate.py"), "-s", host, "-p", "iiif/3",
           "-i", IDENTIFIER, "--version=3.0", "--level=2", "-v"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    summary = re.search(r"Done \((\d+) tests, (\d+) failures\)", r.stderr + r.stdout)
    assert summary, r.stdout + r.stderr
    tests, failures = map(int, summary.groups())
    print(f"iiif-validator 1.0.5, 3.0 level 2: {tests} tests, {failures} failures")
    assert tests >= 33
    assert failures == 0 and r.returncode == 0, r.stdout + r.stderr


def test_iiif_validator_ng_3_0(conformance_server):
    python = require(NG)
    r = subprocess.run([str(python), str(RUNNER), f"{conformance_server}/iiif/3", IDENTIFIER],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    results = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    failed = {x["test"]: x["failures"] for x in results if x["failures"] and x["test"] not in KNOWN_SUITE_DEFECTS}
    print(f"iiif-validator-ng 0.1.0, 3.0: {len(results)} tests selected, {len(results) - len(failed)} passed")
    assert len(results) >= 30
    assert not failed, json.dumps(failed, indent=1)
