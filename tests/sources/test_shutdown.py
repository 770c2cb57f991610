"""Stopping the server (SIGTERM, as systemd and container engines do) while a request waits on a
slow origin: the request is answered whole, then the server is gone."""

import io
import os
import signal
import subprocess
import threading
import time

import httpx
import numpy as np
from PIL import Image

from casaba.testing import running_server

from .helpers import http_settings
from .origins import Behaviour, Origin


def test_a_request_in_flight_is_answered_before_the_server_stops():
    png = io.BytesIO()
    Image.fromarray(np.full((120, 160, 3), 200, np.uint8)).save(png, "PNG")
    origin = Origin({"slow.png": png.getvalue()}, Behaviour(delays={"slow": 1.0}))
    answered: dict[str, object] = {}
    try:
        with running_server(http_settings(origin)) as base:
            port = base.rsplit(":", 1)[1]

            def ask():
                r = httpx.get(f"{base}/iiif/3/slow.png/full/max/0/default.png", timeout=30)
                answered["status"], answered["image"] = r.status_code, Image.open(io.BytesIO(r.content)).size

            asking = threading.Thread(target=ask)
            asking.start()
            time.sleep(0.4)  # the request now waits on the origin
            server = subprocess.run(["pgrep", "-f", f"casaba serve .*--port {port}"], capture_output=True, text=True).stdout.split()
            os.kill(int(server[0]), signal.SIGTERM)
            asking.join(30)
            assert answered == {"status": 200, "image": (160, 120)}
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    httpx.get(f"{base}/health", timeout=1)
                except httpx.TransportError:
                    break
                time.sleep(0.1)
            else:
                raise AssertionError("the server still answers after SIGTERM")
    finally:
        origin.close()
