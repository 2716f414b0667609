/* Copy buttons of the citation box on ID pages (button.maestro-cite__copy, written by cite() in
 * maestro_site/templating.py): a click copies the button's data-copy text and says "Copied" for a moment.
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

  function init() {
    document.querySelectorAll("button.maestro-cite__copy").forEach(function (btn) {
      if (btn.dataset.bound) { return; }
      btn.dataset.bound = "1";
      btn.addEventListener("click", function () { copyText(btn.getAttribute("data-copy"), btn); });
    });
  }

  window.maestroOnEveryPage(init);
})();
