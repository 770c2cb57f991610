"""The independent IIIF suites, each in its own virtual environment (made by `make test-deps`),
run against a real server serving the suites' test image."""

import shutil
from pathlib import Path

import pytest

from casaba.testing import running_server

ROOT = Path(__file__).resolve().parents[2]
OFFICIAL = ROOT / ".venv-iiif-validator"
NG = ROOT / ".venv-iiif-validator-ng"
IDENTIFIER = "67352ccc-d1b0-11e1-89ae-279075081939"


def require(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        pytest.fail(f"{venv.name} is missing: run `make test-deps` (or bash .ci/run) to install the IIIF validators")
    return python


@pytest.fixture(scope="session")
def validation_image(tmp_path_factory):
    """The 1000x1000 test image that ships inside iiif-validator-ng, under the suites' identifier."""
    require(NG)
    found = sorted(NG.glob("lib/python*/site-packages/iiif_validator/validation_image.png"))
    if not found:
        pytest.fail("iiif-validator-ng does not ship validation_image.png where expected")
    folder = tmp_path_factory.mktemp("conformance")
    shutil.copy(found[0], folder / IDENTIFIER)
    return folder


@pytest.fixture(scope="session")
def conformance_server(validation_image):
    with running_server({"FilesystemSource.BasicLookupStrategy.path_prefix": f"{validation_image}/"}) as base:
        yield base
