"""The Source contract (casaba.testing.check_source), run by every source Casaba has, each
against a real store: a folder, an HTTP origin and moto's S3 server."""

import asyncio
import shutil

import pytest

from casaba.sources.filesystem import FilesystemSource
from casaba.sources.http import HttpSource
from casaba.sources.s3 import S3Source
from casaba.testing import check_source

from .helpers import BUCKET, PREFIX

PRESENT = ["pyramid.tif", "photo.jpg", "small.png"]


def test_filesystem_source_keeps_the_contract(folder, pictures, tmp_path):
    root = tmp_path / "images"
    shutil.copytree(folder, root)

    def change(identifier, data):
        (root / identifier).write_bytes(data)

    source = FilesystemSource(f"{root}/")
    present = {k: pictures[k] for k in PRESENT}
    asyncio.run(check_source(source, present, "nothing-here.tif", secrets=[str(root)], change=change))


@pytest.mark.parametrize("send_head_requests", [True, False])
def test_http_source_keeps_the_contract(origin, pictures, send_head_requests):
    def make():
        return HttpSource(origin.url, send_head_requests=send_head_requests, timeout=10)

    present = {k: pictures[k] for k in PRESENT}
    asyncio.run(check_source_made(make, present, secrets=[origin.url, "127.0.0.1"], change=origin.put))


def test_http_source_with_credentials_keeps_the_contract(locked_origin, pictures):
    def make():
        return HttpSource(locked_origin.url, username="reader", secret="open sesame", timeout=10)

    present = {k: pictures[k] for k in PRESENT}
    secrets = [locked_origin.url, "reader", "open sesame"]
    asyncio.run(check_source_made(make, present, secrets=secrets, change=locked_origin.put))


def test_s3_source_keeps_the_contract(moto, pictures):
    client = moto.client()

    def make():
        return S3Source(BUCKET, PREFIX, endpoint=moto.endpoint, region="us-east-1", access_key_id="test", secret_key="test", timeout=10)

    def change(identifier, data):
        client.put_object(Bucket=BUCKET, Key=PREFIX + identifier, Body=data)

    present = {k: pictures[k] for k in PRESENT}
    secrets = [BUCKET, PREFIX, moto.endpoint, "test"]
    asyncio.run(check_source_made(make, present, secrets=secrets, change=change))


async def check_source_made(make, present, *, secrets, change):
    """Sources with connection pools are made inside the loop that uses them."""
    await check_source(make(), present, "nothing-here.tif", secrets=secrets, change=change)
