/* The pages' one barcode reader (an ES module; scan.js on / and estimate.js on /estimate use it).

   - readPhoto(file): a chosen photo read on the phone by zxing-wasm (ZXing-C++ as WebAssembly,
     served by this app from /vendor/); the code, or null when nothing was read there.
   - startCamera(video, onCode): live camera frames read on the phone, by the browser's
     BarcodeDetector where it exists, else by zxing-wasm; the first code read stops the camera
     and is handed to onCode. No picture leaves the phone.
   - readOnServer(file, lang): the fallback, POST /v1/scans (the server tries harder).
   - codeOf(result): the one rule for the text a page looks up.
   The page's script tag says where zxing-wasm's module and .wasm file are served
   (data-reader, data-wasm): createScanner(thatTag.dataset). */

const FORMATS = ["EAN-13", "EAN-8", "UPC-A", "UPC-E", "QRCode", "DataMatrix", "Code128", "DataBar", "DataBarExpanded"];
const DETECTOR_FORMATS = ["ean_13", "ean_8", "upc_a", "upc_e", "qr_code", "data_matrix", "code_128"];
const FRAME_INTERVAL_MS = 200;

/* The text to look up: GS1 codes keep their symbology identifier (]C1, ]d2, ]Q3), so the
   server reads their element strings; others are sent as read. */
export function codeOf(result) {
  const gs1 = result.contentType === "GS1" && result.symbologyIdentifier;
  return gs1 ? result.symbologyIdentifier + result.text : result.text;
}

/* Whether this page may ask for the camera: the API exists and the page is a secure context
   (https, or this machine). */
export function cameraAvailable() {
  return Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.isSecureContext);
}

function detector() {
  if (!("BarcodeDetector" in window)) return null;
  try {
    return new window.BarcodeDetector({ formats: DETECTOR_FORMATS });
  } catch (error) {
    return null;
  }
}

/* The outcome of a server read: {code} (the first code that named a product, else the first
   code read), or {problem}: "none" (nothing found; `hint` says why, in the page's language),
   "too-big" (413), "too-many" (429), "busy" (503), "refused" (another status: not an image it
   reads, ...) or "offline" (no answer). */
export async function readOnServer(file, lang) {
  const body = new FormData();
  body.append("image", file, file.name || "photo");
  const url = new URL("/v1/scans", location.href);
  if (lang) url.searchParams.set("lang", lang);
  let response;
  try {
    response = await fetch(url, { method: "POST", body, credentials: "same-origin" });
  } catch (error) {
    return { problem: "offline" };
  }
  const problems = { 413: "too-big", 429: "too-many", 503: "busy" };
  if (!response.ok) return { problem: problems[response.status] || "refused" };
  let answer;
  try {
    answer = await response.json();
  } catch (error) {
    return { problem: "refused" };
  }
  const symbols = answer.symbols || [];
  const found = symbols.find((s) => s.ok) || symbols[0];
  return found ? { code: found.text } : { problem: "none", hint: answer.hint || "" };
}

export function createScanner({ reader, wasm }) {
  let zxing = null;

  function module() {
    if (!zxing) {
      zxing = import(reader).then((loaded) => {
        loaded.prepareZXingModule({
          overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasm : prefix + path) },
        });
        return loaded;
      });
      zxing.catch(() => { zxing = null; }); // a later try may load it
    }
    return zxing;
  }

  async function readWithZxing(input) {
    const loaded = await module();
    const results = await loaded.readBarcodes(input, { formats: FORMATS, tryHarder: true, maxNumberOfSymbols: 1 });
    const found = results.find((r) => r.isValid && r.text);
    return found ? codeOf(found) : null;
  }

  /* The code in a photo (File or Blob), read on the phone; null when nothing was read there,
     or the reader could not load: the caller then asks the server. */
  async function readPhoto(file) {
    try {
      return await readWithZxing(file);
    } catch (error) {
      return null;
    }
  }

  /* Starts the camera in `video`; resolves to {stop()} once it plays. Rejects when the camera
     is refused or missing. onCode(code) gets the first code read, after the camera stopped. */
  async function startCamera(video, onCode) {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    let running = true;
    const stop = () => {
      running = false;
      stream.getTracks().forEach((track) => track.stop());
      video.srcObject = null;
    };
    video.srcObject = stream;
    try {
      await video.play();
    } catch (error) {
      stop();
      throw error;
    }
    const native = detector();
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    (async () => {
      while (running) {
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
        if (code && running) {
          stop();
          onCode(code);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, FRAME_INTERVAL_MS));
      }
    })();
    return { stop };
  }

  return { readPhoto, startCamera };
}
