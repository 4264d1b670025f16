/* Tanji label embed: <script src="https://TANJI/embed.js" data-gtin="09506000134352"
   data-lang="zh-CN" data-size="medium" async></script>
   Puts the product's label in an iframe right after the script tag, sized to its content:
   the framed page reports its height with postMessage. Sizes (width): small 300 px,
   medium 400 px (default), large 480 px, or data-width="NNN" (240-720). */
(function () {
  "use strict";
  var SIZES = { small: 300, medium: 400, large: 480 };
  var script = document.currentScript;
  if (!script || !script.dataset.gtin) return;
  var origin = new URL(script.src, document.baseURI).origin;
  var gtin = script.dataset.gtin.replace(/[^0-9]/g, "");
  var width = parseInt(script.dataset.width, 10) || SIZES[script.dataset.size] || SIZES.medium;
  width = Math.max(240, Math.min(720, width));
  var src = origin + "/embed/products/" + encodeURIComponent(gtin);
  if (script.dataset.lang) src += "?lang=" + encodeURIComponent(script.dataset.lang);
  var frame = document.createElement("iframe");
  frame.src = src;
  frame.title = script.dataset.title || "Product carbon footprint · 产品碳足迹";
  frame.width = String(width);
  frame.height = "260";
  frame.loading = "lazy";
  frame.style.border = "0";
  frame.style.maxWidth = "100%";
  frame.setAttribute("data-tanji-gtin", gtin);
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    if (!data || data.type !== "tanji:label-height") return;
    var height = Math.ceil(Number(data.height));
    if (height > 0 && height < 5000) frame.height = String(height);
  });
})();
