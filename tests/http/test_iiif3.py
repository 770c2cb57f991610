"""The IIIF Image API 3.0 over HTTP against the real server."""

import io

import numpy as np
import pytest
from PIL import Image

PROFILE = "http://iiif.io/api/image/3/level2.json"


def picture(response):
    return Image.open(io.BytesIO(response.content))


def test_info_json(client, server):
    r = client.get("/iiif/3/pyramid.tif/info.json")
    assert r.status_code == 200
    assert r.headers["content-type"] == 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'
    assert r.headers["access-control-allow-origin"] == "*"
    info = r.json()
    assert info["@context"] == "http://iiif.io/api/image/3/context.json"
    assert info["id"] == f"{server}/iiif/3/pyramid.tif"
    assert (info["width"], info["height"]) == (2000, 1500)
    assert info["tiles"] == [{"width": 256, "height": 256, "scaleFactors": [1, 2, 4, 8]}]
    assert {"width": 1000, "height": 750} in info["sizes"]
    assert info["sizes"][-1] == {"width": 2000, "height": 1500}


def test_info_json_as_plain_json_when_asked(client):
    r = client.get("/iiif/3/photo.jpg/info.json", headers={"accept": "application/json"})
    assert r.headers["content-type"] == "application/json"


def test_untiled_image_advertises_the_min_tile_size(client):
    info = client.get("/iiif/3/photo.jpg/info.json").json()
    assert info["tiles"][0]["width"] == 512


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({"host": "images.example.org"}, "http://images.example.org/iiif/3/photo.jpg"),
        ({"x-forwarded-proto": "https", "x-forwarded-host": "iiif.example.org"}, "https://iiif.example.org/iiif/3/photo.jpg"),
        ({"x-forwarded-proto": "https", "x-forwarded-host": "h.org", "x-forwarded-port": "8443", "x-forwarded-path": "/images"},
         "https://h.org:8443/images/iiif/3/photo.jpg"),
    ],
)
def test_id_is_the_url_the_client_used(client, headers, expected):
    assert client.get("/iiif/3/photo.jpg/info.json", headers=headers).json()["id"] == expected


def test_base_uri_redirects_to_info_json(client, server):
    r = client.get("/iiif/3/photo.jpg")
    assert r.status_code == 303
    assert r.headers["location"] == f"{server}/iiif/3/photo.jpg/info.json"
    assert r.headers["access-control-allow-origin"] == "*"


def test_image_headers_and_pixels(client, server):
    r = client.get("/iiif/3/photo.jpg/0,0,500,350/250,/0/default.jpg")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/jpeg"
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["link"] == (
        f'<{PROFILE}>;rel="profile", <{server}/iiif/3/photo.jpg/0,0,500,350/250,175/0/default.jpg>;rel="canonical"'
    )
    img = picture(r)
    assert img.size == (250, 175)
    expected = Image.open(io.BytesIO(client.get("/iiif/3/photo.jpg/full/max/0/default.png").content))
    ref = np.asarray(expected.crop((0, 0, 500, 350)).resize((250, 175), Image.LANCZOS), dtype=float)
    assert np.abs(np.asarray(img, dtype=float) - ref).mean() < 4


def test_png_keeps_alpha_and_jpeg_flattens_it(client):
    png = picture(client.get("/iiif/3/alpha.png/full/max/0/default.png"))
    assert png.mode == "RGBA"
    jpg = picture(client.get("/iiif/3/alpha.png/full/max/0/default.jpg"))
    assert jpg.mode == "RGB"
    # Half-transparent pixels over white are lighter than the pixels themselves.
    assert np.asarray(jpg, dtype=float).mean() > np.asarray(png.convert("RGB"), dtype=float).mean()


def test_gray_and_bitonal(client):
    gray = picture(client.get("/iiif/3/photo.jpg/full/200,/0/gray.png"))
    assert gray.mode == "L"
    bitonal = picture(client.get("/iiif/3/photo.jpg/full/200,/0/bitonal.png"))
    assert set(np.unique(np.asarray(bitonal.convert("L")))) <= {0, 255}


def test_rotation_and_mirroring(client):
    plain = np.asarray(picture(client.get("/iiif/3/sub$$small.png/full/max/0/default.png")))
    turned = np.asarray(picture(client.get("/iiif/3/sub$$small.png/full/max/90/default.png")))
    mirrored = np.asarray(picture(client.get("/iiif/3/sub$$small.png/full/max/!0/default.png")))
    both = np.asarray(picture(client.get("/iiif/3/sub$$small.png/full/max/!270/default.png")))
    assert np.array_equal(turned, np.rot90(plain, k=-1))
    assert np.array_equal(mirrored, plain[:, ::-1])
    assert np.array_equal(both, np.rot90(plain[:, ::-1], k=1))


@pytest.mark.parametrize("path", ["/iiif/3/sub%2Fsmall.png/info.json", "/iiif/3/sub$$small.png/info.json", "/iiif/3/sub%2Fsmall%2Epng/info.json"])
def test_encoded_slashes_and_the_slash_substitute(client, path):
    assert client.get(path).json()["width"] == 64


def test_identifier_is_reencoded_in_id(client, server):
    assert client.get("/iiif/3/sub%2Fsmall.png/info.json").json()["id"] == f"{server}/iiif/3/sub%2Fsmall.png"


def test_tile_from_pyramid_matches_the_full_image(client):
    tile = picture(client.get("/iiif/3/pyramid.tif/1024,512,512,512/256,/0/default.png"))
    full = picture(client.get("/iiif/3/big.png/1024,512,512,512/256,256/0/default.png"))
    assert tile.size == (256, 256)
    assert np.abs(np.asarray(tile, dtype=float) - np.asarray(full, dtype=float)).mean() < 4


def test_jpeg2000_info_lists_its_tiles_and_tiles_match_the_full_image(client):
    info = client.get("/iiif/3/tiled.jp2/info.json").json()
    assert (info["width"], info["height"]) == (2000, 1500)
    assert info["tiles"] == [{"width": 512, "height": 512, "scaleFactors": [1, 2, 4]}]
    tile = picture(client.get("/iiif/3/tiled.jp2/512,512,512,512/512,/0/default.png"))
    full = picture(client.get("/iiif/3/big.png/512,512,512,512/512,/0/default.png"))
    np.testing.assert_array_equal(np.asarray(tile), np.asarray(full))
    reduced = picture(client.get("/iiif/3/tiled.jp2/1024,0,976,1024/244,/0/default.png"))
    full = picture(client.get("/iiif/3/big.png/1024,0,976,1024/244,256/0/default.png"))
    assert reduced.size == (244, 256)
    assert np.abs(np.asarray(reduced, dtype=float) - np.asarray(full, dtype=float)).mean() < 4


def test_edge_tiles(client):
    assert picture(client.get("/iiif/3/pyramid.tif/1792,1280,256,256/208,220/0/default.jpg")).size == (208, 220)
    assert picture(client.get("/iiif/3/pyramid.tif/1999,0,1,1500/1,/0/default.jpg")).size == (1, 1500)


def test_same_tile_three_ways_gives_same_pixels(client):
    a = client.get("/iiif/3/pyramid.tif/0,0,1024,1024/256,/0/default.png").content
    b = client.get("/iiif/3/pyramid.tif/0,0,1024,1024/256,256/0/default.png").content
    c = client.get("/iiif/3/pyramid.tif/0,0,1024,1024/!256,256/0/default.png").content
    assert a == b == c


def test_head_has_the_headers_and_no_body(client):
    get = client.get("/iiif/3/photo.jpg/full/100,/0/default.jpg")
    head = client.head("/iiif/3/photo.jpg/full/100,/0/default.jpg")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(get.content))
    assert head.headers["content-type"] == "image/jpeg"


def test_options_preflight(client):
    r = client.options("/iiif/3/photo.jpg/info.json", headers={"origin": "https://viewer.example", "access-control-request-method": "GET"})
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert "GET" in r.headers["access-control-allow-methods"]
    assert "authorization" in r.headers["access-control-allow-headers"].lower()


def test_other_methods_are_405(client):
    r = client.post("/iiif/3/photo.jpg/info.json")
    assert r.status_code == 405
    assert "GET" in r.headers["allow"]


def test_conditional_requests(client):
    first = client.get("/iiif/3/photo.jpg/full/120,/0/default.jpg")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = client.get("/iiif/3/photo.jpg/full/120,/0/default.jpg", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/iiif/3/photo.jpg/full/120,/0/default.jpg", headers={"if-modified-since": modified}).status_code == 304
    other = client.get("/iiif/3/photo.jpg/full/121,/0/default.jpg")
    assert other.headers["etag"] != etag
    assert client.get("/iiif/3/photo.jpg/info.json", headers={"if-none-match": etag}).status_code == 200


@pytest.mark.parametrize(
    "path, fragment",
    [
        ("/iiif/3/photo.jpg/junk/max/0/default.jpg", "region"),
        ("/iiif/3/photo.jpg/full/junk/0/default.jpg", "size"),
        ("/iiif/3/photo.jpg/full/full/0/default.jpg", "size"),
        ("/iiif/3/photo.jpg/full/max/junk/default.jpg", "rotation"),
        ("/iiif/3/photo.jpg/full/max/0/junk.jpg", "quality"),
        ("/iiif/3/photo.jpg/full/max/0/default.bmp", "format"),
        ("/iiif/3/photo.jpg/full/max/0/default.jp2", "jp2"),
        ("/iiif/3/photo.jpg/full/2000,/0/default.jpg", "^"),
        ("/iiif/3/photo.jpg/5000,5000,10,10/max/0/default.jpg", "outside"),
        ("/iiif/3/photo.jpg/full/0,/0/default.jpg", "size"),
    ],
)
def test_bad_requests_are_400_with_the_reason(client, path, fragment):
    r = client.get(path)
    assert r.status_code == 400
    assert fragment in r.text
    assert r.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    "identifier, status",
    [
        ("nope.jpg", 404),
        ("%2Fetc%2Fpasswd", 404),
        ("sub", 404),
        ("sub%2F", 404),
        # Dot segments, once the path is decoded: they name nothing.
        ("..%2Fsecret.png", 400),
        ("sub%2F..%2F..%2Fsecret.png", 400),
        # The client removes this one: /iiif/info.json is no endpoint.
        ("..", 404),
    ],
)
def test_unknown_and_escaping_identifiers_are_refused(client, identifier, status, images):
    r = client.get(f"/iiif/3/{identifier}/info.json")
    assert r.status_code == status
    assert str(images) not in r.text


def test_damaged_and_unsupported_files_get_clear_errors(client):
    r = client.get("/iiif/3/damaged.jpg/full/max/0/default.jpg")
    assert r.status_code >= 400 and r.status_code != 404
    assert "decode" in r.text or "JPEG" in r.text
    unsupported = client.get("/iiif/3/notes.txt/info.json")
    assert unsupported.status_code == 501
    garbage = client.get("/iiif/3/garbage.tif/full/max/0/default.jpg")
    assert 400 <= garbage.status_code < 600
    # The worker is still alive and well.
    assert client.get("/iiif/3/photo.jpg/info.json").status_code == 200


def test_unknown_paths_are_404_with_cors(client):
    r = client.get("/nothing/here")
    assert r.status_code == 404
    assert r.headers["access-control-allow-origin"] == "*"


def test_content_disposition_on_request(client):
    r = client.get("/iiif/3/photo.jpg/full/100,/0/default.jpg?response-content-disposition=attachment")
    assert r.headers["content-disposition"] == 'attachment; filename="photo.jpg.jpg"'
    assert "content-disposition" not in client.get("/iiif/3/photo.jpg/full/100,/0/default.jpg").headers


def test_an_aligned_tile_is_answered_from_the_stored_jpeg(client):
    sent = client.get("/iiif/3/pyramid.tif/256,512,256,256/256,/0/default.jpg")
    decoded = client.get("/iiif/3/pyramid.tif/256,512,256,256/256,/0/default.png")
    assert sent.headers["content-type"] == "image/jpeg"
    assert np.array_equal(np.asarray(picture(sent)), np.asarray(picture(decoded)))
