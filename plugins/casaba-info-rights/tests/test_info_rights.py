"""casaba-info-rights in a real Casaba server: rights and a service in both versions' info.json,
and, beside an authorization delegate, in the info.json of a refused request."""

import importlib.util

import httpx
import numpy as np
import pytest
from PIL import Image

from casaba.testing import ask_delegate, running_server
pytest.importorskip("casaba_info_rights", reason="install it: pip install -e plugins/casaba-info-rights")

from casaba_info_rights import InfoRights

RIGHTS = "http://rightsstatements.org/vocab/InC-EDU/1.0/"
PROBE = "https://auth.example.org/probe"
KEYS = {"info_rights.rights": RIGHTS, "info_rights.service.id": PROBE, "info_rights.service.type": "AuthProbeService2"}


def test_the_answers():
    assert ask_delegate(InfoRights, "extra_iiif3_information_response_keys", settings=KEYS) == {
        "rights": RIGHTS,
        "service": [{"id": PROBE, "type": "AuthProbeService2"}],
    }
    assert ask_delegate(InfoRights, "extra_iiif2_information_response_keys", settings=KEYS) == {"license": RIGHTS, "service": {"@id": PROBE}}
    assert ask_delegate(InfoRights, "extra_iiif3_information_response_keys") == {}


@pytest.mark.parametrize("settings", [{"info_rights.rights": "InC"}, {"info_rights.service.id": PROBE}])
def test_start_up_refuses_what_info_json_cannot_carry(settings):
    with pytest.raises(ValueError, match="info_rights"):
        ask_delegate(InfoRights, "extra_iiif3_information_response_keys", settings=settings)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    Image.fromarray(np.full((300, 400, 3), 90, np.uint8)).save(folder / "photo.jpg")
    return folder


def serve(folder, **more):
    settings = {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/", "delegates.plugins": "info-rights", **KEYS, **more}
    return running_server(settings)


def test_info_json_carries_rights_and_the_service(folder):
    with serve(folder, **{"info_rights.service.profile": "http://example.org/profile"}) as base:
        v3 = httpx.get(f"{base}/iiif/3/photo.jpg/info.json").json()
        v2 = httpx.get(f"{base}/iiif/2/photo.jpg/info.json").json()
        tile = httpx.get(f"{base}/iiif/3/photo.jpg/full/100,/0/default.jpg")
    assert v3["rights"] == RIGHTS
    assert v3["service"] == [{"id": PROBE, "type": "AuthProbeService2", "profile": "http://example.org/profile"}]
    assert (v3["width"], v3["height"], v3["type"]) == (400, 300, "ImageService3")
    assert v2["license"] == RIGHTS and v2["service"] == {"@id": PROBE, "profile": "http://example.org/profile"}
    assert tile.status_code == 200


@pytest.mark.skipif(importlib.util.find_spec("casaba_basic_auth") is None, reason="needs casaba-basic-auth")
def test_a_refused_info_json_still_names_the_service(folder):
    more = {"delegates.plugins": "basic-auth, info-rights", "basic_auth.username": "u", "basic_auth.secret": "s"}
    with serve(folder, **more) as base:
        r = httpx.get(f"{base}/iiif/3/photo.jpg/info.json")
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic ")
    body = r.json()
    assert body["service"][0]["id"] == PROBE and body["rights"] == RIGHTS
    assert body["status"] == 401 and "width" not in body
