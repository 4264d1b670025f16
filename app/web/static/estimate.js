// The /estimate page's enhancements (an ES module); the page works without them. Keeps the form
// in this browser only (localStorage, never sent anywhere), copies a household token, and fills
// purchase codes by scanning (scanner.js: the camera, or a photo read on the phone, else by
// Tanji's server). Texts come from the page (data-msg-* and data-text-* attributes), so they
// are in the page's language.
import { cameraAvailable, createScanner, readOnServer } from "./scanner.js";

const KEY = "tanji.estimate.v1";

function $(selector, root) { return (root || document).querySelector(selector); }
function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
function show(el, on) { if (el) { el.hidden = !on; } }

$all(".js-only").forEach(function (el) { el.hidden = false; });

// -- copy the token ------------------------------------------------------------------
$all("[data-copy]").forEach(function (button) {
  button.addEventListener("click", function () {
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = $("[data-copy-status]");
    var text = source ? source.textContent.trim() : "";
    function done(ok) {
      if (status) { status.textContent = button.getAttribute(ok ? "data-msg-copied" : "data-msg-not-copied") || ""; }
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
    } else {
      done(false);
    }
  });
});

// -- purchase rows ---------------------------------------------------------------------
var form = document.getElementById("estimate-form");

function purchaseRows() { return $all(".purchase-row", form); }

function addRows(count) {
  // More purchase rows than the page has: copies of the last row, renumbered.
  var all = purchaseRows();
  var last = all[all.length - 1];
  for (var n = all.length; last && n < count; n++) {
    var row = last.cloneNode(true);
    row.setAttribute("data-row", String(n));
    $all("[id], [for], [name], [aria-describedby]", row).forEach(function (el) {
      ["id", "for", "name", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) { el.setAttribute(attr, value.replace(/\[\d+\]/g, "[" + n + "]").replace(/-\d+-/g, "-" + n + "-")); }
      });
    });
    $all(".field-error, .checked", row).forEach(function (el) { el.parentNode.removeChild(el); });
    $all("input", row).forEach(function (el) { el.removeAttribute("aria-invalid"); el.removeAttribute("autofocus"); el.value = /quantity/.test(el.name) ? "1" : ""; });
    // Descriptions of the copied row's errors went with them: keep only ids that still exist.
    $all("[aria-describedby]", row).forEach(function (el) {
      var kept = el.getAttribute("aria-describedby").split(/\s+/).filter(function (id) {
        return id && (row.querySelector('[id="' + id.replace(/"/g, "") + '"]') || document.getElementById(id));
      });
      if (kept.length) { el.setAttribute("aria-describedby", kept.join(" ")); } else { el.removeAttribute("aria-describedby"); }
    });
    var label = $("label", row);
    if (label) { label.textContent = label.textContent.replace(/\d+/, String(n + 1)); }
    last.parentNode.insertBefore(row, last.nextSibling);
    last = row;
  }
}

// -- keep in this browser only ---------------------------------------------------------
function keepInThisBrowser(panel) {
  var status = $("[data-local-status]", panel);
  var restore = $("[data-restore-local]", panel);
  var clear = $("[data-clear-local]", panel);

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }
  function read() {
    var store = storage();
    if (!store) { return null; }
    try { return JSON.parse(store.getItem(KEY) || "null"); } catch (e) { return null; }
  }
  function values() {
    var kept = {};
    $all("input[name], select[name]", form).forEach(function (el) {
      if (el.type === "hidden") { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      if (el.value !== "") { kept[el.name] = el.value; }
    });
    return kept;
  }
  function refresh(message) {
    var saved = read();
    if (message) {
      status.textContent = message;
    } else if (saved) {
      status.textContent = panel.getAttribute("data-msg-kept").replace("{when}", new Date(saved.saved_at).toLocaleString(document.documentElement.lang));
    } else {
      status.textContent = panel.getAttribute("data-msg-none");
    }
    show(restore, !!saved);
    show(clear, !!saved);
  }
  function fill(saved) {
    var rows = 0;
    Object.keys(saved.values).forEach(function (name) {
      var m = /^purchases\[(\d+)\]/.exec(name);
      if (m) { rows = Math.max(rows, Number(m[1]) + 1); }
    });
    addRows(rows);
    var missing = [];
    Object.keys(saved.values).forEach(function (name) {
      var value = saved.values[name];
      var fields = $all('[name="' + name.replace(/"/g, "") + '"]', form);
      if (!fields.length) { missing.push(name); return; }
      fields.forEach(function (el) {
        if (el.type === "radio") { el.checked = el.value === value; } else if (el.type !== "hidden") { el.value = value; }
      });
    });
    return missing.length === 0;
  }

  $all("[data-keep-local]").forEach(function (button) {
    button.addEventListener("click", function () {
      var store = storage();
      if (!store) { refresh(panel.getAttribute("data-msg-unavailable")); return; }
      store.setItem(KEY, JSON.stringify({ version: 1, saved_at: new Date().toISOString(), values: values() }));
      refresh();
      var note = $("[data-keep-status]");
      if (note) { note.textContent = panel.getAttribute("data-msg-kept-now"); }
    });
  });
  if (restore) {
    restore.addEventListener("click", function () {
      var saved = read();
      if (saved && fill(saved)) { refresh(panel.getAttribute("data-msg-restored")); } else if (saved) { refresh(panel.getAttribute("data-msg-partly")); }
    });
  }
  if (clear) {
    clear.addEventListener("click", function () {
      var store = storage();
      if (store) { store.removeItem(KEY); }
      refresh(panel.getAttribute("data-msg-cleared"));
    });
  }
  refresh();
}

// -- scan a purchase code --------------------------------------------------------------
/* Each row's Scan button opens the camera where the browser can use it (else, or once the
   camera was refused, the photo picker: on a phone that takes a photo). The code read goes
   into that row when its code is empty; otherwise into the next empty row after it, or a new
   row at the end: a scan never overwrites a code already there. */
function scanPurchases(box) {
  var script = document.querySelector("script[data-reader]");
  var scanner = createScanner(script ? script.dataset : {});
  var panel = $("[data-scanner]", box);
  var video = $("[data-scan-video]", box);
  var statusLine = $("[data-scan-status]", box);
  var texts = statusLine.dataset;
  var useCamera = cameraAvailable();
  var camera = null;
  var cameraRow = null;
  var attempt = 0;

  if (useCamera) { $all("[data-privacy-live]", box).forEach(function (el) { el.hidden = false; }); }

  function say(text) { statusLine.textContent = text || ""; }
  function codeField(row) { return $("input[name$='.code']", row); }

  function fill(row, code) {
    var rows = purchaseRows();
    var target = rows.slice(rows.indexOf(row)).find(function (r) { return !codeField(r).value.trim(); });
    if (!target) {
      addRows(rows.length + 1);
      rows = purchaseRows();
      target = rows[rows.length - 1];
    }
    var field = codeField(target);
    field.value = code;
    field.removeAttribute("aria-invalid");
    $all(".checked", target).forEach(function (el) { el.parentNode.removeChild(el); });
    target.scrollIntoView({ block: "nearest" });
    var label = $("label", target);
    say(texts.textFilled.replace("{label}", label ? label.textContent.trim() : "").replace("{code}", code));
  }

  function closeCamera() {
    attempt += 1;
    if (camera) { camera.stop(); }
    camera = null;
    cameraRow = null;
    panel.hidden = true;
  }

  async function openCamera(row) {
    closeCamera();
    var mine = attempt;
    cameraRow = row;
    row.parentNode.insertBefore(panel, row.nextSibling); // under the row it fills
    panel.hidden = false;
    say(texts.textStarting);
    var started;
    try {
      started = await scanner.startCamera(video, function (code) {
        closeCamera();
        fill(row, code);
      });
    } catch (error) {
      if (mine === attempt) {
        closeCamera();
        useCamera = false; // Scan now opens the photo picker
        say(texts.textDenied);
      }
      return;
    }
    if (mine !== attempt) { started.stop(); return; } // stopped (or another row) meanwhile
    camera = started;
    say(texts.textLooking);
  }

  async function readPhoto(row, file) {
    say(texts.textReading);
    var code = await scanner.readPhoto(file);
    if (!code) {
      // Not read on the phone: Tanji's server tries harder.
      say(texts.textSending);
      var answer = await readOnServer(file, document.documentElement.lang);
      if (!answer.code) {
        var problem = "text" + answer.problem.replace(/(^|-)([a-z])/g, function (m, dash, c) { return c.toUpperCase(); });
        say((answer.problem === "none" && answer.hint) || texts[problem]);
        return;
      }
      code = answer.code;
    }
    fill(row, code);
  }

  function photoInput(row) { return $("[data-scan-photo]", row); }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-scan-row]");
    if (!button) { return; }
    var row = button.closest(".purchase-row");
    if (useCamera) { openCamera(row); } else { photoInput(row).click(); }
  });
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches("[data-scan-photo]") || !input.files.length) { return; }
    var file = input.files[0];
    input.value = ""; // the same photo may be chosen again
    closeCamera();
    readPhoto(input.closest(".purchase-row"), file);
  });
  $("[data-scan-photo-instead]", box).addEventListener("click", function () {
    var row = cameraRow;
    closeCamera();
    if (row) { photoInput(row).click(); }
  });
  $("[data-scan-stop]", box).addEventListener("click", function () {
    closeCamera();
    say("");
  });
}

if (form) {
  var browserPanel = document.getElementById("browser-store");
  if (browserPanel) { keepInThisBrowser(browserPanel); }
  var scanBox = $("[data-purchase-scan]", form);
  if (scanBox) { scanPurchases(scanBox); }
}
