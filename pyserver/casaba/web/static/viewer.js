// The landing page's viewer: an IIIF Image API 3.0 image in a canvas, drawn from the server's
// tiles at the level the zoom needs, over a thumbnail of the whole; dragging, the wheel, pinching,
// the buttons and the keyboard (arrows, + and -, 0) move and zoom it.
"use strict";
(() => {
  const form = document.getElementById("open");
  const box = document.getElementById("viewer");
  if (!form || !box) return;
  const canvas = box.querySelector("canvas");
  const status = box.querySelector(".status");
  const ctx = canvas.getContext("2d");
  const KEEP = 600; // tile images kept, most recent last
  let info = null;
  let view = { scale: 1, x: 0, y: 0 }; // device pixels per image pixel; image point at the top left
  let images = new Map();
  let thumb = null;
  let drawing = false;

  const say = (text) => { status.textContent = text; };
  const ratio = () => window.devicePixelRatio || 1;

  function load(url) {
    let img = images.get(url);
    if (img) {
      images.delete(url); // most recently used last
      images.set(url, img);
      return img;
    }
    img = new Image();
    img.onload = redraw;
    img.onerror = () => { img.failed = true; say("A part of the image could not be loaded."); };
    img.src = url;
    images.set(url, img);
    for (const key of images.keys()) {
      if (images.size <= KEEP) break;
      images.delete(key);
    }
    return img;
  }

  function fit() {
    canvas.width = Math.max(1, Math.round(canvas.clientWidth * ratio()));
    canvas.height = Math.max(1, Math.round(canvas.clientHeight * ratio()));
  }

  function home() {
    const scale = Math.min(canvas.width / info.width, canvas.height / info.height);
    view = { scale, x: (info.width - canvas.width / scale) / 2, y: (info.height - canvas.height / scale) / 2 };
    redraw();
  }

  function zoom(by, cx = canvas.width / 2, cy = canvas.height / 2) {
    const fitted = Math.min(canvas.width / info.width, canvas.height / info.height);
    const scale = Math.min(Math.max(view.scale * by, fitted / 2), 8 * ratio());
    const px = view.x + cx / view.scale;
    const py = view.y + cy / view.scale;
    view = { scale, x: px - cx / scale, y: py - cy / scale };
    redraw();
  }

  function pan(dx, dy) {
    view.x -= dx / view.scale;
    view.y -= dy / view.scale;
    redraw();
  }

  function redraw() {
    if (!drawing && info) {
      drawing = true;
      requestAnimationFrame(draw);
    }
  }

  function place(img, x, y, w, h) {
    if (img && img.complete && img.naturalWidth && !img.failed) {
      const s = view.scale;
      ctx.drawImage(img, (x - view.x) * s, (y - view.y) * s, w * s, h * s);
      return true;
    }
    return false;
  }

  function draw() {
    drawing = false;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    place(thumb, 0, 0, info.width, info.height);
    // The coarsest level with at least one of its pixels to each pixel of the canvas.
    const wanted = 1 / view.scale;
    const factor = info.factors.filter((f) => f <= wanted).pop() || info.factors[0];
    const tw = info.tileWidth * factor;
    const th = info.tileHeight * factor;
    const x0 = Math.max(0, Math.floor(view.x / tw));
    const y0 = Math.max(0, Math.floor(view.y / th));
    const x1 = Math.min(Math.ceil(info.width / tw), Math.ceil((view.x + canvas.width / view.scale) / tw));
    const y1 = Math.min(Math.ceil(info.height / th), Math.ceil((view.y + canvas.height / view.scale) / th));
    let waiting = 0;
    for (let row = y0; row < y1; row++) {
      for (let col = x0; col < x1; col++) {
        const x = col * tw;
        const y = row * th;
        const w = Math.min(tw, info.width - x);
        const h = Math.min(th, info.height - y);
        const url = `${info.id}/${x},${y},${w},${h}/${Math.ceil(w / factor)},/0/default.jpg`;
        if (!place(load(url), x, y, w, h)) waiting++;
      }
    }
    say(waiting ? `Loading ${waiting} tiles…` : `${info.width} × ${info.height} pixels, shown at ${Math.round((100 * view.scale) / ratio())} %`);
  }

  async function open(identifier) {
    say("Loading…");
    box.hidden = false;
    const infoUrl = new URL(`iiif/3/${encodeURIComponent(identifier)}/info.json`, document.baseURI);
    let answer;
    try {
      answer = await fetch(infoUrl);
    } catch (e) {
      say("The server could not be reached.");
      return;
    }
    if (!answer.ok) {
      say(answer.status === 404 ? `No image has the identifier “${identifier}”.` : `The server answered ${answer.status}.`);
      info = null;
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      return;
    }
    const data = await answer.json();
    const tile = (data.tiles && data.tiles[0]) || { width: 512, scaleFactors: [1] };
    info = {
      id: data.id,
      width: data.width,
      height: data.height,
      tileWidth: tile.width,
      tileHeight: tile.height || tile.width,
      factors: (tile.scaleFactors || [1]).slice().sort((a, b) => a - b),
    };
    images = new Map();
    thumb = load(`${info.id}/full/!1024,1024/0/default.jpg`);
    fit();
    home();
    canvas.focus();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const identifier = form.elements.id.value.trim();
    if (!identifier) return;
    history.replaceState(null, "", `?id=${encodeURIComponent(identifier)}`);
    open(identifier);
  });

  box.querySelectorAll("[data-zoom]").forEach((button) => {
    button.addEventListener("click", () => {
      if (!info) return;
      const how = button.dataset.zoom;
      if (how === "home") home();
      else zoom(how === "in" ? 2 : 0.5);
    });
  });

  canvas.addEventListener("wheel", (event) => {
    if (!info) return;
    event.preventDefault();
    const r = canvas.getBoundingClientRect();
    zoom(Math.exp(-event.deltaY * 0.0015), (event.clientX - r.left) * ratio(), (event.clientY - r.top) * ratio());
  }, { passive: false });

  const pointers = new Map();
  let pinch = 0;
  canvas.addEventListener("pointerdown", (event) => {
    canvas.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, [event.clientX, event.clientY]);
  });
  canvas.addEventListener("pointermove", (event) => {
    const last = pointers.get(event.pointerId);
    if (!last || !info) return;
    const now = [event.clientX, event.clientY];
    pointers.set(event.pointerId, now);
    if (pointers.size === 1) {
      pan((now[0] - last[0]) * ratio(), (now[1] - last[1]) * ratio());
    } else if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      const distance = Math.hypot(a[0] - b[0], a[1] - b[1]);
      const r = canvas.getBoundingClientRect();
      if (pinch) zoom(distance / pinch, ((a[0] + b[0]) / 2 - r.left) * ratio(), ((a[1] + b[1]) / 2 - r.top) * ratio());
      pinch = distance;
    }
  });
  const release = (event) => {
    pointers.delete(event.pointerId);
    pinch = 0;
  };
  canvas.addEventListener("pointerup", release);
  canvas.addEventListener("pointercancel", release);

  canvas.addEventListener("keydown", (event) => {
    if (!info) return;
    const step = Math.min(canvas.width, canvas.height) / 8;
    const keys = {
      ArrowLeft: () => pan(step, 0),
      ArrowRight: () => pan(-step, 0),
      ArrowUp: () => pan(0, step),
      ArrowDown: () => pan(0, -step),
      "+": () => zoom(2),
      "=": () => zoom(2),
      "-": () => zoom(0.5),
      "0": home,
      Home: home,
    };
    if (keys[event.key]) {
      event.preventDefault();
      keys[event.key]();
    }
  });

  window.addEventListener("resize", () => {
    if (!info) return;
    fit();
    redraw();
  });

  if (form.elements.id.value.trim()) open(form.elements.id.value.trim());
})();
