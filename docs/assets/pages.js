/* Run page scripts once per page, however the page was reached (loaded first of the site's scripts, mkdocs.yml).
 * Material's instant navigation swaps pages without reloading and announces each one on `document$`; opened from
 * file:// (the offline zip) it never emits, so there a page script runs once the document has loaded. */
(function () {
  "use strict";
  window.maestroOnEveryPage = function (fn) {
    if (typeof window.document$ !== "undefined" && window.location.protocol !== "file:") {
      window.document$.subscribe(function () { fn(); });
    } else if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", function () { fn(); });
    } else {
      fn();
    }
  };
})();
