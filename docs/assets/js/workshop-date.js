/* The workshop pack's cover ([data-ws-today]) shows the day it is printed, as YYYY-MM-DD in local time; without
 * script the build date written into the HTML stays. */
(function () {
  "use strict";
  function init() {
    var today = new Date();
    var iso = today.getFullYear() + "-" + String(today.getMonth() + 1).padStart(2, "0") + "-" + String(today.getDate()).padStart(2, "0");
    document.querySelectorAll("[data-ws-today]").forEach(function (e) { e.textContent = iso; });
  }
  window.maestroOnEveryPage(init);
})();
