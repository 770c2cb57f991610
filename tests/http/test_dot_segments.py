"""Paths with dot segments, sent as they are (clients normally remove them): a 400 that says
why, never a redirect to an identifier made of them, in any spelling of the dots."""

import http.client
from urllib.parse import urlsplit

import pytest

PATHS = [
    "/iiif/3/photo.jpg/full/max/0/default.jpg/../../x",
    "/iiif/3/../3/photo.jpg/info.json",
    "/iiif/3/./photo.jpg/info.json",
    "/iiif/3/%2e%2e%2fphoto.jpg/info.json",
    "/iiif/3/..%2Fphoto.jpg/full/max/0/default.jpg",
    "/iiif/2/photo.jpg/%2E/full/max/0/default.jpg",
    "/static/../app.py",
]


@pytest.mark.parametrize("path", PATHS)
def test_a_path_with_dot_segments_is_400(server, path):
    where = urlsplit(server)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    assert response.status == 400, (path, response.status, body)
    assert "'.' or '..' segments" in body and response.getheader("location") is None
