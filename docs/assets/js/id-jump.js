/* ID jump in the search box. Material's search splits words on hyphens and adds a trailing wildcard, so a query
 * such as "BV-7" or "T1" can rank other pages first. When the query is exactly a knowledge-base ID (from the site's
 * ids.json, fetched once the reader starts to search), an entry linking to that ID's page is shown above the
 * results, and Enter opens it. Opened from file:// the fetch is refused and nothing is shown. */
(function () {
  "use strict";
  // This file is assets/js/id-jump.js, so the site root is two folders up from it. Resolved now, while the
  // script is running: after an instant navigation the page's base URL is another page's.
  var HERE = document.currentScript && document.currentScript.src;
  var ids = null;
  var loading = null;

  function siteRoot() {
    return HERE ? new URL("../../", HERE) : new URL("/", location.href);
  }

  function pageOf(hit) {
    return new URL(hit.info.url.replace(/^\//, ""), siteRoot()).href;
  }

  function loadIds() {
    if (ids || loading) { return loading; }
    loading = fetch(new URL("ids.json", siteRoot())).then(function (r) { return r.json(); }).then(function (doc) {
      ids = {};
      Object.keys(doc.ids).forEach(function (k) { ids[k.toUpperCase()] = { id: k, info: doc.ids[k] }; });
    }).catch(function () { ids = {}; });
    return loading;
  }

  function match(q) {
    if (!ids) { return null; }
    var key = q.trim().toUpperCase().replace(/\s+/g, "");
    if (key === "CROSS-LAYER") { key = "CL"; }
    return ids[key] || null;
  }

  function render(input) {
    var box = document.getElementById("maestro-id-jump");
    var hit = match(input.value);
    var results = document.querySelector(".md-search-result");
    if (!results) { return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "maestro-id-jump";
      box.className = "maestro-id-jump";
      results.insertBefore(box, results.firstChild);
    }
    box.innerHTML = "";
    box.hidden = !hit;
    if (!hit) { return; }
    var a = document.createElement("a");
    a.href = pageOf(hit);
    a.className = "maestro-id-jump__link";
    var tag = document.createElement("span");
    tag.className = "maestro-id-jump__tag";
    tag.textContent = hit.info.type;
    a.appendChild(tag);
    a.appendChild(document.createTextNode(" " + hit.id + ": " + hit.info.name));
    box.appendChild(a);
  }

  function bind() {
    var input = document.querySelector("input.md-search__input");
    if (!input || input.dataset.maestroJump) { return; }
    input.dataset.maestroJump = "1";
    input.addEventListener("focus", loadIds);
    input.addEventListener("input", function () { loadIds().then(function () { render(input); }); });
    input.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter") { return; }
      var hit = match(input.value);
      if (hit) {
        ev.preventDefault();
        ev.stopPropagation();
        location.href = pageOf(hit);
      }
    }, true);
  }

  window.maestroOnEveryPage(bind);
})();
