"""casaba-basic-auth in a real Casaba server: a browser-style client is challenged, logs in,
and is challenged again with wrong credentials; the credentials never reach the log."""

import base64

import httpx
import numpy as np
import pytest
from PIL import Image

from casaba.testing import ask_delegate, running_server
pytest.importorskip("casaba_basic_auth", reason="install it: pip install -e plugins/casaba-basic-auth")

from casaba_basic_auth import BasicAuth, credentials_match

USER, SECRET = "reader", "correct horse battery staple"
KEYS = {"basic_auth.username": USER, "basic_auth.secret": SECRET}


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(
    "header, ok",
    [
        (basic(USER, SECRET), True),
        ("basic " + base64.b64encode(f"{USER}:{SECRET}".encode()).decode(), True),
        (basic(USER, SECRET + "!"), False),
        (basic(USER.upper(), SECRET), False),
        (basic(USER, ""), False),
        ("Basic " + base64.b64encode(USER.encode()).decode(), False),  # no colon
        ("Basic not base64!", False),
        ("Bearer " + SECRET, False),
        ("", False),
    ],
)
def test_credentials_match(header, ok):
    assert credentials_match(header, USER, SECRET) is ok


def test_the_answer_is_a_challenge_or_true():
    assert ask_delegate(BasicAuth, "pre_authorize", settings=KEYS) == {"status_code": 401, "challenge": 'Basic realm="Casaba", charset="UTF-8"'}
    context = {"request_headers": {"Authorization": basic(USER, SECRET)}}
    assert ask_delegate(BasicAuth, "pre_authorize", context=context, settings=KEYS) is True


@pytest.mark.parametrize("settings", [{}, {"basic_auth.username": USER}, {**KEYS, "basic_auth.realm": 'a"b'}])
def test_start_up_needs_credentials_and_a_plain_realm(settings):
    with pytest.raises(ValueError, match="basic_auth"):
        ask_delegate(BasicAuth, "pre_authorize", settings=settings)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    Image.fromarray(np.full((300, 400, 3), 90, np.uint8)).save(folder / "photo.jpg")
    log = folder / "server.log"
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/",
        "delegates.plugins": "basic-auth",
        "basic_auth.username": USER,
        "basic_auth.realm": "Reading Room",
    }
    # The secret comes from the environment, as it should in production.
    with running_server(settings, env={"CASABA_BASIC_AUTH_SECRET": SECRET}, log_path=log) as base:
        with httpx.Client(base_url=base, timeout=30) as client:
            yield client, log


@pytest.mark.parametrize("path", ["/iiif/3/photo.jpg/info.json", "/iiif/2/photo.jpg/info.json", "/iiif/3/photo.jpg/full/max/0/default.jpg"])
def test_a_browser_is_challenged_then_let_in(served, path):
    client, _ = served
    first = client.get(path)
    assert first.status_code == 401
    assert first.headers["www-authenticate"] == 'Basic realm="Reading Room", charset="UTF-8"'
    assert not first.content.startswith(b"\xff\xd8")
    # What a browser does once the user has typed the credentials into its login box.
    scheme, _, params = first.headers["www-authenticate"].partition(" ")
    assert scheme == "Basic" and 'realm="Reading Room"' in params
    second = client.get(path, headers={"authorization": basic(USER, SECRET)})
    assert second.status_code == 200


def test_wrong_credentials_are_challenged_again(served):
    client, _ = served
    for user, password in [(USER, "guess"), ("admin", SECRET), ("", "")]:
        r = client.get("/iiif/3/photo.jpg/full/100,/0/default.jpg", auth=(user, password))
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic ")


def test_credentials_are_never_logged(served):
    client, log = served
    client.get("/iiif/3/photo.jpg/info.json", headers={"authorization": basic(USER, SECRET)})
    client.get("/iiif/3/photo.jpg/info.json", headers={"authorization": basic(USER, "wrong-password")})
    text = log.read_text()
    assert "basic-auth" in text  # the log is the server's
    for secret in (SECRET, "wrong-password", basic(USER, SECRET).split()[1]):
        assert secret not in text


def test_a_server_without_credentials_does_not_start(tmp_path):
    with pytest.raises(RuntimeError, match="basic_auth.username and basic_auth.secret must both be set"):
        with running_server({"delegates.plugins": "basic-auth"}):
            pass
