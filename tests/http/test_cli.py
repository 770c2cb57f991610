"""Starting the server: configuration errors stop it with a clear message."""

import subprocess
import sys

import httpx

from casaba.testing import free_port, running_server, write_properties


def test_a_bad_value_stops_start_up_naming_the_key(tmp_path):
    config = write_properties(tmp_path / "bad.properties", {"max_scale": "huge"})
    r = subprocess.run([sys.executable, "-m", "casaba", "serve", "--config", str(config), "--port", str(free_port())],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "max_scale" in r.stderr and "huge" in r.stderr


def test_without_an_image_folder_the_demo_images_are_served(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path)}
    with running_server({"http.port": 1}, env=env, timeout=120) as base:
        info = httpx.get(f"{base}/iiif/3/deepzoom.tif/info.json", timeout=30).json()
        assert info["tiles"][0]["width"] == 256 and info["width"] >= 8000
        assert httpx.get(f"{base}/iiif/3/chart.png/full/200,/0/default.jpg", timeout=30).status_code == 200
