"""A delegate script (``delegate_script.enabled``, a file defining ``class CustomDelegate``) in a
real server: Cantaloupe's answers and what they do, info.json keys, failures that are 500s and
never an image the delegate did not allow."""

import io
import json
import textwrap
import time

import httpx
import pytest
from PIL import Image

from casaba.testing import running_server

SCRIPT = '''
import asyncio, json, os, time

from casaba.delegates import Delegate


class CustomDelegate(Delegate):
    def pre_authorize(self):
        c = self.context
        ident = c["identifier"]
        if ident.startswith("forbidden"):
            return False
        if ident == "alpha.png" and c["request_headers"].get("Authorization") != "Bearer letmein":
            return {"status_code": 401, "challenge": 'Bearer realm="test"'}
        if ident == "moved.jpg":
            return {"status_code": 303, "location": "https://example.org/elsewhere"}
        if ident == "pyramid.tif" and c["cookies"].get("access") != "full":
            return {"status_code": 302, "scale_numerator": 1, "scale_denominator": 2}
        if ident == "withheld.jpg":
            return {"status_code": 451}
        if ident == "raises.jpg":
            raise RuntimeError("the rules are broken")
        if ident == "slow.jpg":
            time.sleep(3)
        if ident == "nonsense.jpg":
            return "yes"
        return True

    async def authorize(self):
        if self.context["request_headers"].get("x-slow"):
            await asyncio.sleep(3)
        if self.context["identifier"] == "photo.jpg" and self.context["resulting_size"]["width"] > 800:
            return False
        with open(os.environ["DELEGATE_LOG"], "a") as f:
            f.write(json.dumps(dict(self.context)) + "\\n")
        return True

    def extra_iiif3_information_response_keys(self):
        c = self.context
        return {
            "rights": "http://rightsstatements.org/vocab/InC/1.0/",
            "service": [{"id": "https://example.org/auth", "type": "AuthProbeService2"}],
            "seen": {k: c.get(k) for k in ("identifier", "page_number", "scale_constraint", "full_size", "page_count", "client_ip", "cookies")},
        }

    def extra_iiif2_information_response_keys(self):
        return {"license": "http://rightsstatements.org/vocab/InC/1.0/"}

    def redactions(self):
        return [{"x": 0, "y": 0, "width": 10, "height": 10}] if self.context["identifier"] == "big.png" else []

    def overlay(self):
        return {"string": "(c)", "position": "bottom right"} if self.context["identifier"] == "sideways.jpg" else None
'''


@pytest.fixture(scope="module")
def delegated(images, tmp_path_factory):
    folder = tmp_path_factory.mktemp("delegated")
    (folder / "delegates.py").write_text(SCRIPT)
    log, seen = folder / "server.log", folder / "contexts.jsonl"
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/",
        "delegate_script.enabled": "true",
        "delegate_script.pathname": str(folder / "delegates.py"),
        "delegates.timeout": "1",
    }
    with running_server(settings, env={"DELEGATE_LOG": str(seen)}, log_path=log) as base:
        with httpx.Client(base_url=base, timeout=30) as c:
            yield c, log, seen


def test_true_allows(delegated):
    c, _, _ = delegated
    assert c.get("/iiif/3/photo.jpg/full/200,/0/default.jpg").status_code == 200


def test_false_is_403(delegated):
    c, _, _ = delegated
    r = c.get("/iiif/3/forbidden.jpg/full/max/0/default.jpg")
    assert r.status_code == 403
    assert r.headers["cache-control"] == "no-cache, must-revalidate"


def test_401_carries_the_challenge_then_the_credentials_pass(delegated):
    c, _, _ = delegated
    r = c.get("/iiif/3/alpha.png/full/max/0/default.png")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == 'Bearer realm="test"'
    assert not r.content.startswith(b"\x89PNG")
    r = c.get("/iiif/3/alpha.png/full/max/0/default.png", headers={"authorization": "Bearer letmein"})
    assert r.status_code == 200 and r.content.startswith(b"\x89PNG")


def test_a_refused_info_json_is_a_small_info_json_with_the_extra_keys(delegated):
    c, _, _ = delegated
    r = c.get("/iiif/3/alpha.png/info.json")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == 'Bearer realm="test"'
    body = r.json()
    assert body["status"] == 401 and body["id"].endswith("/iiif/3/alpha.png")
    assert body["service"][0]["type"] == "AuthProbeService2"
    assert "width" not in body


def test_a_redirect_goes_where_the_delegate_says(delegated):
    c, _, _ = delegated
    r = c.get("/iiif/3/moved.jpg/info.json")
    assert (r.status_code, r.headers["location"]) == (303, "https://example.org/elsewhere")


def test_other_statuses_are_answered_as_given(delegated):
    c, _, _ = delegated
    assert c.get("/iiif/3/withheld.jpg/info.json").status_code == 451


def test_a_scale_constraint_answer_redirects_to_the_reduced_image(delegated):
    c, _, _ = delegated
    r = c.get("/iiif/3/pyramid.tif/full/max/0/default.jpg")
    assert r.status_code == 302
    assert r.headers["location"].endswith("/iiif/3/pyramid.tif;1:2/full/max/0/default.jpg")
    # The reduced image is allowed (the answer equals the request's own constraint).
    reduced = c.get(r.headers["location"])
    assert reduced.status_code == 200
    assert Image.open(io.BytesIO(reduced.content)).size == (1000, 750)
    info = c.get("/iiif/3/pyramid.tif;1:2/info.json").json()
    assert (info["width"], info["height"]) == (1000, 750)
    assert info["seen"]["scale_constraint"] == [1, 2] and info["seen"]["full_size"] == {"width": 2000, "height": 1500}
    full = c.get("/iiif/3/pyramid.tif/full/max/0/default.jpg", headers={"cookie": "access=full"})
    assert full.status_code == 200 and Image.open(io.BytesIO(full.content)).size == (2000, 1500)


def test_authorize_sees_the_image_and_the_request(delegated):
    c, _, seen = delegated
    seen.unlink(missing_ok=True)
    assert c.get("/iiif/3/photo.jpg/full/1000,/0/default.jpg").status_code == 403  # wider than 800
    r = c.get("/iiif/3/pages.tif;2/10,20,50,60/25,/!90/gray.png?x=1", headers={"x-forwarded-for": "203.0.113.9, 10.0.0.1", "cookie": "k=v"})
    assert r.status_code == 200
    context = json.loads(seen.read_text().splitlines()[-1])
    assert context["identifier"] == "pages.tif" and context["page_number"] == 2 and context["page_count"] == 3
    assert context["full_size"] == {"width": 120, "height": 160}
    assert context["resulting_size"] == {"width": 25, "height": 30}
    assert context["output_format"] == "image/png"
    assert [op["class"] for op in context["operations"]] == ["CropByPixels", "ScaleByPixels", "Transpose", "Rotate", "ColorTransform", "Encode"]
    assert context["client_ip"] == "203.0.113.9"
    assert context["cookies"] == {"k": "v"}
    assert context["request_uri"].endswith("/iiif/3/pages.tif;2/10,20,50,60/25,/!90/gray.png?x=1")
    assert context["scale_constraint"] == [1, 1]


def test_extra_keys_are_merged_into_info_json(delegated, client):
    c, _, _ = delegated
    r3 = c.get("/iiif/3/photo.jpg/info.json", headers={"cookie": "a=b"})
    info = r3.json()
    assert info["rights"] == "http://rightsstatements.org/vocab/InC/1.0/"
    assert info["seen"]["identifier"] == "photo.jpg" and info["seen"]["cookies"] == {"a": "b"}
    assert info["seen"]["page_count"] == 1 and info["seen"]["client_ip"] == "127.0.0.1"
    assert c.get("/iiif/2/photo.jpg/info.json").json()["license"] == "http://rightsstatements.org/vocab/InC/1.0/"
    # Different keys, different body: a different ETag than the same image without the delegate.
    assert r3.headers["etag"] != client.get("/iiif/3/photo.jpg/info.json").headers["etag"]


def test_the_overlay_method_is_asked_only_under_script_strategy(delegated, client):
    c, _, _ = delegated
    url = "/iiif/3/sideways.jpg/full/200,/0/default.png"
    assert c.get(url).content == client.get(url).content


@pytest.mark.parametrize("identifier", ["raises.jpg", "nonsense.jpg"])
def test_a_failing_delegate_is_a_500_with_a_generic_body_and_a_logged_reason(delegated, identifier):
    c, log, _ = delegated
    r = c.get(f"/iiif/3/{identifier}/info.json")
    assert r.status_code == 500
    assert r.text == "Internal server error.\n"
    # The worker carries on.
    assert c.get("/iiif/3/photo.jpg/info.json").status_code == 200
    text = log.read_text()
    if identifier == "raises.jpg":
        assert "Traceback" in text and "RuntimeError: the rules are broken" in text
    else:
        assert "pre_authorize() answered str" in text


def test_a_slow_delegate_is_a_500_after_the_time_bound(delegated):
    c, log, _ = delegated
    for path, headers in [("/iiif/3/slow.jpg/info.json", {}), ("/iiif/3/photo.jpg/full/100,/0/default.jpg", {"x-slow": "1"})]:
        started = time.monotonic()
        r = c.get(path, headers=headers)
        assert r.status_code == 500 and time.monotonic() - started < 2.5
    assert "did not answer within delegates.timeout = 1 s" in log.read_text()


def test_delegates_decide_before_a_304(delegated):
    c, _, _ = delegated
    etag = c.get("/iiif/3/alpha.png/full/max/0/default.png", headers={"authorization": "Bearer letmein"}).headers["etag"]
    assert c.get("/iiif/3/alpha.png/full/max/0/default.png", headers={"if-none-match": etag}).status_code == 401


def test_a_script_that_does_not_load_stops_start_up(images, tmp_path):
    script = tmp_path / "delegates.py"
    script.write_text(textwrap.dedent("""
        class CustomDelegate:
            def pre_authorize(self, who):
                return True
    """))
    settings = {"delegate_script.enabled": "true", "delegate_script.pathname": str(script)}
    with pytest.raises(RuntimeError, match="pre_authorize"):
        with running_server(settings):
            pass
