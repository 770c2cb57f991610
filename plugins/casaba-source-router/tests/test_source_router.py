"""casaba-source-router in a real Casaba server: identifiers with the prefix come from moto's S3
server (a real S3-compatible server on loopback), the rest from a folder."""

import io
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from casaba.testing import ask_delegate, free_port, running_server, wait_for_port
pytest.importorskip("casaba_source_router", reason="install it: pip install -e plugins/casaba-source-router")

from casaba_source_router import SourceRouter

BUCKET = "masters"
S3 = {
    "source.delegate": "true",
    "S3Source.lookup_strategy": "ScriptLookupStrategy",
    "S3Source.BasicLookupStrategy.bucket.name": BUCKET,
    "S3Source.BasicLookupStrategy.path_prefix": "scans/",
}


def jpeg(value, size=(400, 300)):
    out = io.BytesIO()
    Image.fromarray(np.full((size[1], size[0], 3), value, np.uint8)).save(out, "JPEG", quality=95)
    return out.getvalue()


@pytest.mark.parametrize(
    "identifier, source, info",
    [
        ("s3/maps/1871.tif", "S3Source", {"bucket": BUCKET, "key": "scans/maps/1871.tif"}),
        ("photo.jpg", None, None),
        ("s3/../secret.tif", "S3Source", None),
    ],
)
def test_the_answers(identifier, source, info):
    context = {"identifier": identifier}
    assert ask_delegate(SourceRouter, "source", context=context, settings=S3) == source
    if source:
        assert ask_delegate(SourceRouter, "s3source_object_info", context=context, settings=S3) == info


def test_start_up_needs_the_s3_keys():
    with pytest.raises(ValueError, match="ScriptLookupStrategy"):
        ask_delegate(SourceRouter, "source", settings={**S3, "S3Source.lookup_strategy": "BasicLookupStrategy"})


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    port = free_port()
    program = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "wb")
    proc = subprocess.Popen([program, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, proc, 30)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory, moto):
    import boto3

    s3 = boto3.client("s3", endpoint_url=moto, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="scans/maps/1871.jpg", Body=jpeg(30))
    folder = tmp_path_factory.mktemp("images")
    (folder / "photo.jpg").write_bytes(jpeg(220))
    settings = {
        **S3,
        "delegates.plugins": "source-router",
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/",
        "S3Source.endpoint": moto,
        "S3Source.region": "us-east-1",
        "S3Source.access_key_id": "test",
        "S3Source.secret_key": "test",
    }
    with running_server(settings) as base:
        with httpx.Client(base_url=base, timeout=30) as client:
            yield client


def shade(response):
    assert response.status_code == 200, response.text
    return int(np.asarray(Image.open(io.BytesIO(response.content))).mean())


def test_the_prefix_reads_from_s3_and_the_rest_from_the_folder(served):
    assert abs(shade(served.get("/iiif/3/s3%2Fmaps%2F1871.jpg/full/100,/0/default.jpg")) - 30) < 3
    assert abs(shade(served.get("/iiif/3/photo.jpg/full/100,/0/default.jpg")) - 220) < 3
    info = served.get("/iiif/3/s3%2Fmaps%2F1871.jpg/info.json").json()
    assert (info["width"], info["height"]) == (400, 300)


@pytest.mark.parametrize("identifier", ["s3%2Fmaps%2Fnone.jpg", "s3%2F", "maps%2F1871.jpg"])
def test_what_is_in_neither_is_404(served, identifier):
    assert served.get(f"/iiif/3/{identifier}/info.json").status_code == 404
