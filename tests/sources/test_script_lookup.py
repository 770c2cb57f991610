"""The delegate chooses the source per identifier (``source.delegate = true``) and where the
image is in it (each source's ``ScriptLookupStrategy``): a real Casaba server with a delegate
script, in front of a folder, real HTTP origins and moto's S3 server."""

import pytest

from casaba.testing import running_server

from .helpers import BUCKET, PREFIX, s3_settings
from .origins import Behaviour, Origin

import httpx

SCRIPT = '''
import os


class CustomDelegate:
    def source(self):
        first = self.context["identifier"].split("/")[0]
        return {"s3": "S3Source", "web": "HttpSource", "disk": "FilesystemSource", "ftp": "FtpSource"}.get(first)

    def filesystemsource_pathname(self):
        ident = self.context["identifier"].removeprefix("disk/")
        if ident == "alias":
            ident = "photo.jpg"
        if ident == "missing" or ".." in ident:
            return None
        return os.path.join(os.environ["FOLDER"], ident)

    def httpsource_resource_info(self):
        parts = self.context["identifier"].split("/")
        name = parts[-1]
        if parts[1] == "locked":
            return {"uri": os.environ["LOCKED"] + name, "username": "reader", "secret": "open sesame"}
        if parts[1] == "keyed":
            return {"uri": os.environ["KEYED"] + name, "headers": {"x-api-key": "k1"}, "send_head_request": False}
        if parts[1] == "missing":
            return None
        return os.environ["ORIGIN"] + name

    def s3source_object_info(self):
        parts = self.context["identifier"].split("/")
        if parts[1] == "missing":
            return None
        info = {"bucket": os.environ["BUCKET"], "key": os.environ["PREFIX"] + parts[-1]}
        if parts[1] == "elsewhere":
            info.update(endpoint=os.environ["ENDPOINT"], region="us-east-1", access_key_id="test", secret_access_key="test")
        return info
'''


@pytest.fixture(scope="module")
def keyed_origin(pictures):
    o = Origin(pictures, Behaviour(header=("x-api-key", "k1")))
    yield o
    o.close()


@pytest.fixture(scope="module")
def routed(tmp_path_factory, folder, origin, locked_origin, keyed_origin, moto):
    script = tmp_path_factory.mktemp("routed") / "delegates.py"
    script.write_text(SCRIPT)
    settings = {
        **s3_settings(moto.endpoint),
        "S3Source.BasicLookupStrategy.bucket.name": "",
        "source.static": "FilesystemSource",
        "source.delegate": "true",
        "FilesystemSource.lookup_strategy": "ScriptLookupStrategy",
        "HttpSource.lookup_strategy": "ScriptLookupStrategy",
        "S3Source.lookup_strategy": "ScriptLookupStrategy",
        "delegate_script.enabled": "true",
        "delegate_script.pathname": str(script),
    }
    env = {
        "FOLDER": str(folder),
        "ORIGIN": origin.url,
        "LOCKED": locked_origin.url,
        "KEYED": keyed_origin.url,
        "BUCKET": BUCKET,
        "PREFIX": PREFIX,
        "ENDPOINT": moto.endpoint,
    }
    with running_server(settings, env=env) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


TILE = "1024,1024,256,256/256,/0/default.jpg"


@pytest.mark.parametrize(
    "identifier",
    ["pyramid.tif", "disk/pyramid.tif", "web/pyramid.tif", "web/locked/pyramid.tif", "web/keyed/pyramid.tif", "s3/pyramid.tif", "s3/elsewhere/pyramid.tif"],
)
def test_each_route_serves_the_same_image(routed, local, identifier):
    encoded = identifier.replace("/", "%2F")
    info = routed.get(f"/iiif/3/{encoded}/info.json")
    assert info.status_code == 200, info.text
    assert info.json()["tiles"] == local.get("/iiif/3/pyramid.tif/info.json").json()["tiles"]
    tile = routed.get(f"/iiif/3/{encoded}/{TILE}")
    assert tile.status_code == 200, tile.text
    assert tile.content == local.get(f"/iiif/3/pyramid.tif/{TILE}").content


def test_the_filesystem_path_is_the_delegates(routed, local):
    r = routed.get("/iiif/3/disk%2Falias/full/200,/0/default.jpg")
    assert r.status_code == 200
    assert r.content == local.get("/iiif/3/photo.jpg/full/200,/0/default.jpg").content


@pytest.mark.parametrize("identifier", ["disk/missing", "web/missing/x", "s3/missing/x", "disk/nothing.tif", "s3/nothing.tif"])
def test_none_or_nothing_there_is_404(routed, identifier):
    r = routed.get(f"/iiif/3/{identifier.replace('/', '%2F')}/info.json")
    assert r.status_code == 404
    assert identifier in r.text


def test_headers_go_with_every_read_and_head_can_be_skipped(routed, keyed_origin):
    keyed_origin.clear()
    assert routed.get(f"/iiif/3/web%2Fkeyed%2Fpyramid.tif/{TILE.replace('1024,1024', '0,0')}").status_code == 200
    seen = keyed_origin.seen()
    assert seen and all(s.status in (200, 206) for s in seen)
    assert "HEAD" not in {s.method for s in seen}


def test_an_unknown_source_name_is_500(routed):
    r = routed.get("/iiif/3/ftp%2Fpyramid.tif/info.json")
    assert r.status_code == 500 and r.text == "Internal server error.\n"
