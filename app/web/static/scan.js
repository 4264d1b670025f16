/* The home page's scanner (progressive enhancement: without it, the photo form posts to /scan).

   - Live camera: frames are read on the phone (scanner.js); no picture leaves the phone. The
     first code read opens /lookup?code=..., as the code box.
   - A chosen photo is read on the phone the same way; only when nothing is found there is the
     form submitted, so the server (which tries harder) reads it.
   The script's own tag says where the zxing-wasm module and its .wasm file are served. */
import { cameraAvailable, createScanner } from "./scanner.js";

const script = document.querySelector("script[data-reader]");
const scanner = createScanner(script ? script.dataset : {});
const startButton = document.querySelector("[data-scan-start]");
const stopButton = document.querySelector("[data-scan-stop]");
const panel = document.querySelector("[data-scanner]");
const video = document.querySelector("[data-scan-video]");
const statusLine = document.querySelector("[data-scan-status]");
const photoForm = document.querySelector("[data-scan-form]");
const codeForm = document.querySelector("form.code-form");
// Messages come from the page (gettext, in the page's language): data-text-* on the status line.
const texts = statusLine ? statusLine.dataset : {};
let camera = null;

function say(text) {
  if (statusLine) statusLine.textContent = text;
}

function lookUp(code) {
  // The code box's own action and hidden fields (e.g. lang), so both paths lead to one page.
  const url = new URL(codeForm ? codeForm.action : "/lookup", location.href);
  if (codeForm) {
    for (const input of codeForm.querySelectorAll("input[type=hidden]")) {
      url.searchParams.set(input.name, input.value);
    }
  }
  url.searchParams.set("code", code);
  say(texts.textFound + code);
  location.assign(url.toString());
}

function stop() {
  if (camera) camera.stop();
  camera = null;
  if (panel) panel.hidden = true;
  if (startButton) startButton.hidden = false;
}

async function start() {
  say(texts.textStarting);
  panel.hidden = false;
  startButton.hidden = true;
  try {
    camera = await scanner.startCamera(video, (code) => {
      stop();
      lookUp(code);
    });
  } catch (error) {
    stop();
    say(texts.textDenied);
    return;
  }
  say(texts.textLooking);
}

if (startButton && cameraAvailable()) {
  startButton.hidden = false;
  document.querySelectorAll("[data-privacy-live]").forEach((el) => { el.hidden = false; });
  startButton.addEventListener("click", start);
  if (stopButton) stopButton.addEventListener("click", stop);
}

if (photoForm) {
  const file = photoForm.querySelector("input[type=file]");
  photoForm.addEventListener("submit", async (event) => {
    if (photoForm.dataset.serverRead || !file.files.length) return;
    event.preventDefault();
    say(texts.textReading);
    const code = await scanner.readPhoto(file.files[0]);
    if (code) {
      lookUp(code);
    } else {
      photoForm.dataset.serverRead = "1"; // the server reads the photo
      photoForm.submit();
    }
  });
  // Choosing (or taking) a photo is the whole gesture: read it at once.
  file.addEventListener("change", () => {
    if (file.files.length) photoForm.requestSubmit();
  });
}
