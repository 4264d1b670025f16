// The /estimate page's enhancements; the page works without them. Keeps the form in this
// browser only (localStorage, never sent anywhere), copies a household token, and fills a
// purchase code from the camera when the scanner is available. Texts come from the page
// (data-msg-* attributes), so they are in the page's language.
(function () {
  "use strict";
  var KEY = "tanji.estimate.v1";

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

  // -- keep in this browser only ---------------------------------------------------------
  var form = document.getElementById("estimate-form");
  var panel = document.getElementById("browser-store");
  if (!form || !panel) { return; }
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
  function addRows(count) {
    // More purchase rows than the page has: copies of the last row, renumbered.
    var all = $all(".purchase-row", form);
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
      $all("input", row).forEach(function (el) { el.removeAttribute("aria-invalid"); el.value = /quantity/.test(el.name) ? "1" : ""; });
      var label = $("label", row);
      if (label) { label.textContent = label.textContent.replace(/\d+/, String(n + 1)); }
      last.parentNode.insertBefore(row, last.nextSibling);
      last = row;
    }
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
})();
