/* The 404 page (overrides/404.html, marked data-maestro-not-found); on every other page this does nothing.
 * A static host serves that page for any unknown path, at that path. The short form of an ID exists only in its
 * canonical case (/T6/, maestro_site/redirects.py: a case-insensitive file system cannot hold both T6/ and t6/), so
 * when the last non-empty segment of the missing path is one of our IDs in another case (/t6/, /bv-7/,
 * /threats/l3-d2/, /cl-p1/), the reader is sent straight to the ID's page (location.replace: the wrong address stays
 * out of the history). The page's form resolves what is typed in its box the same way ("t6", "maestro bv-7",
 * "l3 d2"); anything else is left to the form, a GET to the home page with ?q=, which opens the site search.
 * IDs and their pages come from the site's ids.json, fetched from the site root (worked out from this script's own
 * address: the 404 page may be served at any depth). */
(function () {
  "use strict";
  // This file is assets/js/not-found.js, so the site root is two folders up; resolved while the script runs.
  var HERE = document.currentScript && document.currentScript.src;
  var ids = null;       // compact key -> {id, url}: the ID and the site-relative URL of its page
  var loading = null;

  function siteRoot() {
    return HERE ? new URL("../../", HERE) : new URL("/", location.href);
  }

  // "MAESTRO bv-7", "BV 7", "bv7" -> "BV7"; "cross-layer" -> "CL". Only letters and digits count.
  function key(text) {
    var k = String(text || "").trim().toUpperCase().replace(/^MAESTRO(?=[\s:_-])/, "").replace(/[^A-Z0-9]/g, "");
    return k === "CROSSLAYER" ? "CL" : k;
  }

  function loadIds() {
    if (!loading) {
      loading = fetch(new URL("ids.json", siteRoot())).then(function (r) {
        if (!r.ok) { throw new Error(r.status); }
        return r.json();
      }).then(function (doc) {
        var map = {}, clash = {};
        Object.keys(doc.ids).forEach(function (id) {
          var k = key(id);
          if (map[k]) { clash[k] = true; }
          map[k] = { id: id, url: doc.ids[id].url };
        });
        Object.keys(clash).forEach(function (k) { delete map[k]; });   // two IDs that differ only in punctuation
        ids = map;
      }).catch(function () { ids = {}; });
    }
    return loading;
  }

  function find(text) {
    var hit = ids && ids[key(text)];
    return hit ? { id: hit.id, href: new URL(hit.url.replace(/^\//, ""), siteRoot()) } : null;
  }

  // The last non-empty segment of the missing path, without a trailing index.html or .html.
  function missingSegment() {
    var parts = location.pathname.split("/").filter(Boolean);
    if (parts.length && /^index\.html?$/i.test(parts[parts.length - 1])) { parts.pop(); }
    var last = parts.length ? parts[parts.length - 1].replace(/\.html?$/i, "") : "";
    try { return decodeURIComponent(last); } catch (e) { return last; }
  }

  function say(root, text) {
    var status = root.querySelector(".maestro-not-found__status");
    if (status) { status.textContent = text; }
  }

  function bindForm(root) {
    var form = root.querySelector("form.maestro-not-found__form");
    if (!form || form.dataset.bound) { return; }
    form.dataset.bound = "1";
    var input = form.querySelector("input[name=q]");
    form.addEventListener("submit", function (ev) {
      var text = input.value.trim();
      ev.preventDefault();
      if (!text) { input.focus(); return; }
      loadIds().then(function () {
        var hit = find(text);
        if (hit) {
          say(root, "Opening " + hit.id + "\u2026");
          location.assign(hit.href.href);
        } else {
          input.value = text;
          form.submit();     // not an ID: the site search with the term, as without JavaScript (fires no submit event)
        }
      });
    });
    input.addEventListener("focus", loadIds);
  }

  function init() {
    var root = document.querySelector("[data-maestro-not-found]");
    if (!root) { return; }
    bindForm(root);
    var segment = missingSegment();
    if (!segment || key(segment).length > 12) { return; }    // our IDs are short: no fetch for long paths
    loadIds().then(function () {
      var hit = find(segment);
      if (hit && hit.href.pathname !== location.pathname) {    // never in a loop, should an ID's page be missing
        say(root, "Opening " + hit.id + "\u2026");
        location.replace(hit.href.href);
      }
    });
  }

  window.maestroOnEveryPage(init);
})();
