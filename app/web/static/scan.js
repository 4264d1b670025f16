/* The home page's scanner (progressive enhancement: without it, the photo form posts to /scan).

   - Live camera: frames are read on the phone, by the browser's BarcodeDetector where it
     exists, else by zxing-wasm (ZXing-C++ as WebAssembly, served by this app from /vendor/);
     no picture leaves the phone. The first code read opens /lookup?code=..., as the code box.
   - A chosen photo is read on the phone the same way; only when nothing is found there is the
     form submitted, so the server (which tries harder) reads it.
   The script's own tag says where the zxing-wasm module and its .wasm file are served. */
const script = document.currentScript || document.querySelector("script[data-wasm]");
const config = script ? script.dataset : {};
const startButton = document.querySelector("[data-scan-start]");
const stopButton = document.querySelector("[data-scan-stop]");
const scanner = document.querySelector("[data-scanner]");
const video = document.querySelector("[data-scan-video]");
const statusLine = document.querySelector("[data-scan-status]");
const photoForm = document.querySelector("[data-scan-form]");
const codeForm = document.querySelector("form.code-form");
// Messages come from the page (gettext, in the page's language): data-text-* on the status line.
const texts = statusLine ? statusLine.dataset : {};
const FORMATS = ["EAN-13", "EAN-8", "UPC-A", "UPC-E", "QRCode", "DataMatrix", "Code128", "DataBar", "DataBarExpanded"];
let stream = null;
let zxing = null;

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

async function reader() {
  if (!zxing) {
    zxing = import(config.reader).then((module) => {
      module.prepareZXingModule({
        overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? config.wasm : prefix + path) },
      });
      return module;
    });
  }
  return zxing;
}

/* The text to look up: GS1 codes keep their symbology identifier (]C1, ]d2, ]Q3), so the
   server reads their element strings; others are sent as read. */
function codeOf(result) {
  const gs1 = result.contentType === "GS1" && result.symbologyIdentifier;
  return gs1 ? result.symbologyIdentifier + result.text : result.text;
}

async function readWithZxing(input) {
  const module = await reader();
  const results = await module.readBarcodes(input, { formats: FORMATS, tryHarder: true, maxNumberOfSymbols: 1 });
  const found = results.find((r) => r.isValid && r.text);
  return found ? codeOf(found) : null;
}

function detector() {
  if (!("BarcodeDetector" in window)) return null;
  try {
    return new window.BarcodeDetector({ formats: ["ean_13", "ean_8", "upc_a", "upc_e", "qr_code", "data_matrix", "code_128"] });
  } catch (error) {
    return null;
  }
}

async function stop() {
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = null;
  if (scanner) scanner.hidden = true;
  if (startButton) startButton.hidden = false;
}

async function start() {
  say(texts.textStarting);
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch (error) {
    say(texts.textDenied);
    return;
  }
  video.srcObject = stream;
  scanner.hidden = false;
  startButton.hidden = true;
  await video.play();
  say(texts.textLooking);
  const native = detector();
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  while (stream) {
    let code = null;
    try {
      if (native) {
        const found = await native.detect(video);
        code = found.length ? found[0].rawValue : null;
      } else if (video.videoWidth) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0);
        code = await readWithZxing(context.getImageData(0, 0, canvas.width, canvas.height));
      }
    } catch (error) {
      code = null;
    }
    if (code) {
      await stop();
      lookUp(code);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

if (startButton && navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.isSecureContext) {
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
    let code = null;
    try {
      code = await readWithZxing(file.files[0]);
    } catch (error) {
      code = null; // the module could not load: the server reads the photo
    }
    if (code) {
      lookUp(code);
    } else {
      photoForm.dataset.serverRead = "1";
      photoForm.submit();
    }
  });
  // Choosing (or taking) a photo is the whole gesture: read it at once.
  file.addEventListener("change", () => {
    if (file.files.length) photoForm.requestSubmit();
  });
}
