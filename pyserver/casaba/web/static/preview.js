// The control panel's overlay preview: when the Overlays form changes (300 ms after the last
// keystroke), ask the server for the words of a preview made with the form's values as they are
// (unsaved), then show its image; when the values cannot be used, show the server's reason and
// dim the image, which is then of the values before.
"use strict";
(() => {
  const figure = document.getElementById("preview");
  if (!figure) return;
  const form = figure.closest("section").querySelector("form");
  const img = figure.querySelector("img");
  const status = figure.querySelector(".status");
  const source = figure.dataset.source;
  const WAIT = 300;
  let timer = 0;
  let asked = 0; // the last update asked for: answers to earlier ones are dropped
  let wanted = img.src;

  function say(text, failed) {
    status.textContent = text;
    status.classList.toggle("error", failed);
    figure.classList.toggle("stale", failed);
  }

  async function reason(response) {
    const text = (await response.text()).trim();
    return `No preview: ${text || `the server answered ${response.status}.`}`;
  }

  function query() {
    const fields = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (name !== "_token" && name !== "_area") fields.append(name, value);
    }
    return fields.toString();
  }

  async function update() {
    const mine = ++asked;
    const fields = query();
    figure.setAttribute("aria-busy", "true");
    try {
      const answer = await fetch(`${source}.json?${fields}`, { cache: "no-store" });
      if (mine !== asked) return;
      if (!answer.ok) {
        say(await reason(answer), true);
        figure.removeAttribute("aria-busy");
        return;
      }
      const words = await answer.json();
      if (mine !== asked) return;
      img.alt = words.alt;
      say(words.status, false);
      wanted = new URL(`${source}.jpg?${fields}`, document.baseURI).href;
      img.src = wanted;
    } catch (e) {
      if (mine === asked) {
        say(`No preview: the server could not be reached (${e.message}).`, true);
        figure.removeAttribute("aria-busy");
      }
    }
  }

  img.addEventListener("load", () => {
    if (img.src === wanted) figure.removeAttribute("aria-busy");
  });
  img.addEventListener("error", async () => {
    if (img.src !== wanted) return;
    const failed = img.src;
    try {
      const answer = await fetch(failed, { cache: "no-store" });
      if (img.src === failed) say(answer.ok ? "No preview: the image could not be shown." : await reason(answer), true);
    } catch (e) {
      if (img.src === failed) say(`No preview: the server could not be reached (${e.message}).`, true);
    }
    figure.removeAttribute("aria-busy");
  });

  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(update, WAIT);
  };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  update();
})();
