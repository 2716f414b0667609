/* Copy buttons of the citation box on ID pages (button.maestro-cite__copy, written by cite() in
 * maestro_site/templates/pages/_blocks.md.j2): a click copies the button's data-copy text and says "Copied" for a moment.
 * A site built without SITE_URL writes site-relative addresses (data-copy-path): they are made absolute against the
 * address this page was served from (the site root is where this script was loaded from), in the box too.
 * Uses the Clipboard API where the browser allows it, otherwise a hidden textarea and execCommand. */
(function () {
  "use strict";

  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
    document.body.removeChild(area);
  }

  function copyText(text, button) {
    var done = function () {
      var old = button.textContent;
      button.textContent = "Copied";
      button.setAttribute("data-copied", "true");
      setTimeout(function () { button.textContent = old; button.removeAttribute("data-copied"); }, 1500);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(text); done(); });
    } else {
      fallback(text);
      done();
    }
  }

  // The site root, worked out once from this script's own address (assets/js/copy-citation.js under the root): under
  // instant navigation the page changes but the script, and so the root, stay.
  var SCRIPT = document.currentScript && document.currentScript.src;
  var ROOT = SCRIPT ? SCRIPT.replace(/assets\/js\/copy-citation\.js(\?.*)?$/, "") : null;
  function siteRoot() { return new URL(ROOT || ".", window.location.href); }

  function served(btn) {
    if (!btn.hasAttribute("data-copy-path")) { return; }
    var url = new URL(btn.getAttribute("data-copy").replace(/^\//, ""), siteRoot()).href;
    btn.setAttribute("data-copy", url);
    var shown = btn.parentNode.querySelector(".maestro-cite__text");
    if (shown) { shown.textContent = url; }
  }

  function init() {
    document.querySelectorAll("button.maestro-cite__copy").forEach(function (btn) {
      if (btn.dataset.bound) { return; }
      btn.dataset.bound = "1";
      served(btn);
      btn.addEventListener("click", function () { copyText(btn.getAttribute("data-copy"), btn); });
    });
  }

  window.maestroOnEveryPage(init);
})();
