/* Small, dependency-free behaviour for the MAESTRO Playbook site.
 * - copy buttons for citations on ID pages
 * Works with Material's instant navigation (document$ observable) and without it. */
(function () {
  "use strict";

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

  function init() {
    document.querySelectorAll("button.maestro-cite__copy").forEach(function (btn) {
      if (btn.dataset.bound) { return; }
      btn.dataset.bound = "1";
      btn.addEventListener("click", function () { copyText(btn.getAttribute("data-copy"), btn); });
    });
  }

  if (typeof window.document$ !== "undefined") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
