"""Hostile requests on a real server: paths with dot segments, sent as they are (clients
normally remove them), are a 400 that says why, never a redirect to an identifier made of them,
in any spelling of the dots; forwarding headers that are not what they say are a 400, never
copied into info.json's id or a Link header."""

import http.client
from urllib.parse import urlsplit

import httpx
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


@pytest.mark.parametrize(
    "headers, named",
    [
        ({"x-forwarded-host": 'evil.example"><script>alert(1)</script>'}, "X-Forwarded-Host"),
        ({"x-forwarded-host": "a.example/other"}, "X-Forwarded-Host"),
        ({"host": "bad host"}, "Host"),
        ({"x-forwarded-proto": "javascript"}, "X-Forwarded-Proto"),
        ({"x-forwarded-port": "80<x>"}, "X-Forwarded-Port"),
        ({"x-forwarded-port": "99999"}, "X-Forwarded-Port"),
        ({"x-forwarded-path": '/a"><img src=x>'}, "X-Forwarded-Path"),
        ({"x-forwarded-path": "/../../elsewhere"}, "X-Forwarded-Path"),
    ],
)
@pytest.mark.parametrize("path", ["/iiif/3/photo.jpg/info.json", "/iiif/2/photo.jpg/info.json", "/iiif/3/photo.jpg/full/64,/0/default.jpg", "/iiif/3/photo.jpg"])
def test_forwarding_headers_that_are_not_what_they_say_are_400(client, headers, named, path):
    r = client.get(path, headers=headers)
    assert r.status_code == 400 and named in r.text, (r.status_code, r.text)
    assert "<script>" not in r.text and "location" not in r.headers


def test_plain_forwarding_headers_still_make_the_id(client):
    headers = {"x-forwarded-host": "images.example_org.internal", "x-forwarded-proto": "HTTPS", "x-forwarded-path": "/iiif-proxy/v1"}
    assert client.get("/iiif/3/photo.jpg/info.json", headers=headers).json()["id"] == "https://images.example_org.internal/iiif-proxy/v1/iiif/3/photo.jpg"


def raw(server, lines):
    """The status line of the answer to a request written by hand."""
    where = urlsplit(server)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    connection.putrequest("GET", lines[0], skip_accept_encoding=True)
    for name, value in lines[1:]:
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def test_an_over_long_path_or_too_many_headers_are_refused_and_the_server_goes_on(server, client):
    assert raw(server, [f"/iiif/3/{'a' * 100_000}/info.json"]) == 414
    assert raw(server, ["/iiif/3/photo.jpg/info.json", *((f"x-h{n}", "v") for n in range(400))]) == 431
    assert client.get("/iiif/3/photo.jpg/info.json").status_code == 200
