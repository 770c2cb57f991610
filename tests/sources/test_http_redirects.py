"""What an HttpSource fetches, through a real server against real origins on loopback: only
paths under its URL prefix's origin, whatever the identifier; an origin's redirects followed a
few times, to http(s), never from https down to http, and never to another internal host (such
as a cloud's metadata address); whatever is refused is a 502 that names neither place."""

import pytest

from casaba.testing import free_port

from .helpers import http_settings, serving
from .origins import Behaviour, Origin

METADATA = "http://169.254.169.254/latest/meta-data/"


@pytest.fixture(scope="module")
def origins(pictures):
    other = Origin(pictures, Behaviour())
    here = Origin(
        pictures,
        Behaviour(
            redirects={
                "moved.tif": "/pyramid.tif",
                "metadata": METADATA,
                "sideways.tif": f"http://localhost:{other.server.server_address[1]}/pyramid.tif",
                "file": "file:///etc/passwd",
                "loop": "/loop",
                **{f"hop{n}": f"/hop{n + 1}" for n in range(8)},
                "hop8": "/pyramid.tif",
            }
        ),
    )
    yield here, other
    here.close()
    other.close()


@pytest.fixture(scope="module")
def remote(origins):
    with serving(http_settings(origins[0])) as client:
        yield client


def test_a_redirect_on_the_same_origin_is_followed(remote):
    assert remote.get("/iiif/3/moved.tif/info.json").status_code == 200


@pytest.mark.parametrize("identifier", ["metadata", "sideways.tif", "file", "loop", "hop0"])
def test_redirects_elsewhere_or_without_end_are_502_naming_nothing(remote, origins, identifier):
    here, other = origins
    other.clear()
    r = remote.get(f"/iiif/3/{identifier}/info.json")
    assert r.status_code == 502, r.text
    for place in ("169.254", "localhost", "127.0.0.1", "/etc/passwd", here.url):
        assert place not in r.text
    assert other.seen() == [], "the origin sent the server to another internal host"


def test_an_identifier_cannot_name_another_host_after_a_prefix_without_a_path(origins):
    here, _ = origins
    prefix = here.url.rstrip("/")  # "http://127.0.0.1:PORT": an identifier follows at once
    with serving(http_settings(here, **{"HttpSource.BasicLookupStrategy.url_prefix": prefix})) as client:
        here.clear()
        for identifier in ("@localhost:1%2Fx", f":{free_port()}%2Fpyramid.tif", ".example.org%2Fx"):
            assert client.get(f"/iiif/3/{identifier}/info.json").status_code == 404
        assert here.seen() == []
        assert client.get("/iiif/3/%2Fpyramid.tif/info.json").status_code == 200
