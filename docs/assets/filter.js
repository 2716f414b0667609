/* Table filters (issue 11): narrow the mapping matrix and the mitigation catalog by layer and type without leaving
 * the page. The macros write everything this needs, so it knows nothing about the data:
 *   <form data-filter-for="G" hidden>   the controls (shown only once this script runs; without it the table is whole)
 *     <select name="..." data-filter-key="K" data-filter-part="P">   keep rows whose data-K attribute has a token
 *                                       (space-separated, parts split by ":") whose part P equals the value; selects
 *                                       with the same K must match the same token; the empty value keeps every row
 *     <p data-filter-count data-filter-noun="threats" role="status">   announces "N of M threats shown"
 *   <table data-filter-group="G"> <tr data-filter-row data-K="L3:primary L5:secondary"> (a row, or a tbody of rows)
 *   [data-filter-section] inside a group: hidden while none of its rows is shown.
 * Works with Material's instant navigation (document$) and without it. */
(function () {
  "use strict";

  function wanted(form) {
    var out = {};
    form.querySelectorAll("select[data-filter-key]").forEach(function (sel) {
      if (!sel.value) { return; }
      var key = sel.getAttribute("data-filter-key");
      (out[key] = out[key] || {})[sel.getAttribute("data-filter-part") || "0"] = sel.value;
    });
    return out;
  }

  function matches(row, want) {
    return Object.keys(want).every(function (key) {
      var parts = want[key];
      return (row.getAttribute("data-" + key) || "").split(/\s+/).some(function (token) {
        var bits = token.split(":");
        return Object.keys(parts).every(function (i) { return bits[i] === parts[i]; });
      });
    });
  }

  function apply(form) {
    var group = form.getAttribute("data-filter-for");
    var want = wanted(form);
    var shown = 0, total = 0;
    document.querySelectorAll('[data-filter-group="' + group + '"]').forEach(function (scope) {
      scope.querySelectorAll("[data-filter-row]").forEach(function (row) {
        var keep = matches(row, want);
        row.hidden = !keep;
        total += 1;
        shown += keep ? 1 : 0;
      });
      var sections = scope.matches("[data-filter-section]") ? [scope] : [];
      sections.concat([].slice.call(scope.querySelectorAll("[data-filter-section]"))).forEach(function (sec) {
        sec.hidden = !sec.querySelector("[data-filter-row]:not([hidden])");
      });
    });
    var count = form.querySelector("[data-filter-count]");
    if (count) {
      count.textContent = shown + " of " + total + " " + (count.getAttribute("data-filter-noun") || "rows") + " shown";
    }
  }

  function bind(form) {
    if (form.dataset.filterBound) { return; }
    form.dataset.filterBound = "1";
    form.addEventListener("change", function () { apply(form); });
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(form); });
    form.addEventListener("reset", function () { setTimeout(function () { apply(form); }, 0); });
    form.hidden = false;
    apply(form);
  }

  function init() {
    document.querySelectorAll("form[data-filter-for]").forEach(bind);
  }

  window.maestroOnEveryPage(init);
})();
