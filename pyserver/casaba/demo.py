"""Casaba's own demo images, drawn on first run so a fresh install has something to show:
a labelled test chart (PNG and JPEG) and a large drawing as a tiled pyramidal TIFF for deep zoom."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path

import cv2
import numpy as np

from casaba import _core

#: Bump when the drawings change, so existing demo folders are redrawn.
DEMO_VERSION = "1"
FONT = cv2.FONT_HERSHEY_SIMPLEX


def default_folder() -> Path:
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(data_home) / "casaba" / "demo-images"


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float, color: tuple[int, int, int], thickness: int) -> None:
    cv2.putText(img, text, org, FONT, scale, color, thickness, cv2.LINE_AA)


def test_chart(width: int = 1600, height: int = 1200) -> np.ndarray:
    """Colour bars, a gray ramp, a grid with coordinates and corner marks; RGB."""
    img = np.full((height, width, 3), 255, np.uint8)
    bars = [(255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0), (255, 0, 255), (255, 0, 0), (0, 0, 255), (0, 0, 0)]
    bar_w = width // len(bars)
    for i, c in enumerate(bars):
        img[100:500, i * bar_w : (i + 1) * bar_w] = c
    ramp = np.linspace(0, 255, width).astype(np.uint8)
    img[520:680] = ramp[None, :, None]
    for x in range(0, width, 100):
        cv2.line(img, (x, 700), (x, height), (40, 40, 40), 1)
        _text(img, str(x), (x + 4, 725), 0.5, (0, 0, 160), 1)
    for y in range(700, height, 100):
        cv2.line(img, (0, y), (width, y), (40, 40, 40), 1)
        _text(img, str(y), (4, y - 6), 0.5, (0, 0, 160), 1)
    cv2.circle(img, (width // 2, 950), 220, (200, 30, 30), 6)
    _text(img, "Casaba test chart", (40, 70), 1.6, (20, 20, 20), 3)
    _text(img, f"{width} x {height}", (width - 330, 70), 1.2, (20, 20, 20), 2)
    for name, (x, y) in {"TL": (10, 690), "TR": (width - 60, 690), "BL": (10, height - 10), "BR": (width - 60, height - 10)}.items():
        _text(img, name, (x, y), 0.9, (160, 0, 0), 2)
    return img


def deep_zoom(width: int = 12000, height: int = 8000) -> np.ndarray:
    """A colour field with a labelled grid at three scales, so each zoom level shows new detail; RGB."""
    ys = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    xs = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :]
    img = np.empty((height, width, 3), np.uint8)
    img[..., 0] = (120 + 120 * xs + 0 * ys).astype(np.uint8)
    img[..., 1] = (90 + 140 * ys + 0 * xs).astype(np.uint8)
    img[..., 2] = (230 - 160 * xs * ys).astype(np.uint8)
    for step, color, thick, scale in ((100, (255, 255, 255), 1, 0.45), (1000, (30, 30, 30), 4, 2.2)):
        for x in range(0, width, step):
            cv2.line(img, (x, 0), (x, height), color, thick)
        for y in range(0, height, step):
            cv2.line(img, (0, y), (width, y), color, thick)
        for x in range(0, width, step):
            for y in range(0, height, step):
                _text(img, f"{x},{y}", (x + 6, y + int(34 * scale)), scale, color, max(1, thick // 2 + 1))
    cx, cy = width // 2, height // 2
    for r in range(400, min(cx, cy), 400):
        cv2.circle(img, (cx, cy), r, (180, 20, 60), 12)
    _text(img, "Casaba", (cx - 2300, cy + 400), 40.0, (250, 250, 250), 90)
    return img


def _write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Have ``write`` fill a temporary file beside ``path``, then move it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _encoded(img: np.ndarray, ext: str, params: list[int]) -> bytes:
    ok, data = cv2.imencode(ext, cv2.cvtColor(img, cv2.COLOR_RGB2BGR), params)
    if not ok:
        raise RuntimeError(f"OpenCV could not encode {ext}")
    return data.tobytes()


def _write_charts(folder: Path) -> None:
    chart = test_chart()
    for name, data in (
        ("chart.png", _encoded(chart, ".png", [])),
        ("chart.jpg", _encoded(chart, ".jpg", [cv2.IMWRITE_JPEG_QUALITY, 90])),
    ):
        _write_atomic(folder / name, partial(Path.write_bytes, data=data))


def chart(folder: Path) -> Path:
    """The test chart's JPEG in ``folder``, drawn there first if it is missing (the control
    panel's overlay preview shows it whatever the configured source is; ``ensure`` redraws a
    chart of an older version when the demo images are served)."""
    path = folder / "chart.jpg"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        _write_charts(folder)
    return path


def ensure(folder: Path) -> Path:
    """Draw the demo images into ``folder`` unless this version of them is already there."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / "VERSION"
    if marker.exists() and marker.read_text().strip() == DEMO_VERSION:
        return folder
    _write_charts(folder)
    big = deep_zoom()
    h, w, c = big.shape

    def pyramid(path: Path) -> None:
        _core.write_pyramid_tiff(str(path), big.tobytes(), w, h, c, tile=256, quality=85)

    _write_atomic(folder / "deepzoom.tif", pyramid)
    marker.write_text(DEMO_VERSION + "\n")
    return folder
