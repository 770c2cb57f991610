"""Run iiif-validator-ng's tests against a server and print one JSON line per test.

Runs inside the validator's own virtual environment (it cannot share one with the official
validator: both install the package ``iiif_validator``). The package's CLI needs Python 3.12, so
this imports its test classes directly and selects them the way its CLI does: by the compliance
level and the extra features, formats and qualities that the server's info.json declares.

usage: python ng_runner.py BASE_URL IDENTIFIER [--v2]
"""

import json
import sys
from concurrent.futures import ThreadPoolExecutor

from iiif_validator.tests.http_caching import HttpCachingTest
from iiif_validator.tests.test import IIIFVersion, TargetServer, TestCategory, ValidationFailure, get_tests


def selected(test, features):
    if test is HttpCachingTest and not features.supports_caching:
        return False
    if features.version not in test.versions:
        return False
    level = test.compliance_level
    if isinstance(level, dict):
        level = level[features.version]
    if level <= features.compliance_level:
        return True
    names = [test.extra_name] if isinstance(test.extra_name, str) else (test.extra_name or [])
    offered = {
        TestCategory.FORMAT: features.extra_formats,
        TestCategory.QUALITY: features.extra_qualities,
    }.get(test.category, [])
    return any(n in offered or n in features.extra_features for n in names)


def outcome(test, server):
    try:
        results = test.run(server)
    except Exception as e:  # a test that crashes is reported as failed, with why
        results = ValidationFailure(expected="the test to complete", received=repr(e), url="")
    results = results if isinstance(results, list) else [results]
    failures = [
        {"expected": str(r.expected), "received": str(r.received)[:300], "url": r.url}
        for r in results
        if isinstance(r, ValidationFailure)
    ]
    return {"test": test.__module__.rsplit(".", 1)[-1], "name": test.name, "failures": failures}


def main():
    base, identifier = sys.argv[1], sys.argv[2]
    version = IIIFVersion.V2 if "--v2" in sys.argv[3:] else IIIFVersion.V3
    server = TargetServer(base.rstrip("/"), identifier, version)
    features = server.feature_set()
    tests = [t for t in get_tests(version) if selected(t, features)]
    with ThreadPoolExecutor(4) as pool:
        for result in pool.map(lambda t: outcome(t, server), tests):
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
