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


#: iiif-validator-ng's non-90 rotation tests compare JPEG output with libvips's rotation, whose
#: uncovered corners are black; the spec leaves that colour to the server, and Casaba's default
#: (Cantaloupe's) is white. The suites run with black, a setting any user can choose.
CONFORMANCE_SETTINGS = {"processor.background_color": "black"}


@pytest.fixture(scope="session")
def conformance_server(validation_image):
    settings = {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{validation_image}/", **CONFORMANCE_SETTINGS}
    with running_server(settings) as base:
        yield base
