/* Tick boxes that work and remember (issue 25). pymdownx.tasklist writes every task's box disabled, and the phase
 * checklist's boxes forget their tick on reload: each tick box in the page's text that is not part of a checklist form
 * (those are docs/assets/checklist.js's, which exports them for `maestro import`) is enabled here and keeps its state
 * in this browser only, under localStorage "maestro:ticks:PAGE:VERSION" as {ITEM: true}: PAGE is the page's path, so
 * two pages never share ticks; ITEM is the item's id, or else its text (a second item with the same text adds "#2"),
 * so a reworded item starts unticked; VERSION is the knowledge-base version the page carries (a form's
 * data-kb-version, or a <meta name="maestro-kb-version">), or "site" on a page that carries none. */
(function () {
  "use strict";
  var BOXES = ".md-typeset li input[type=checkbox]";

  function store() {
    try {
      var s = window.localStorage, probe = "maestro:ticks:probe";
      s.setItem(probe, "1");
      s.removeItem(probe);
      return s;
    } catch (e) {
      return null;  // storage blocked: the boxes still tick, they are just not kept
    }
  }

  function version() {
    var meta = document.querySelector('meta[name="maestro-kb-version"]');
    var form = document.querySelector("[data-kb-version]");
    return (meta && meta.getAttribute("content")) || (form && form.getAttribute("data-kb-version")) || "site";
  }

  function key() {
    return "maestro:ticks:" + window.location.pathname.replace(/index\.html$/, "") + ":" + version();
  }

  function itemText(li) {
    var copy = li.cloneNode(true);
    copy.querySelectorAll("ul, ol, .task-list-control, input").forEach(function (e) { e.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  // The boxes this script looks after, each with its item's name on the page.
  function boxes() {
    var seen = {};
    return Array.prototype.slice.call(document.querySelectorAll(BOXES)).filter(function (box) {
      return !box.closest(".ck-form");
    }).map(function (box) {
      var li = box.closest("li"), name = li.id || itemText(li);
      seen[name] = (seen[name] || 0) + 1;
      return { box: box, item: seen[name] > 1 ? name + "#" + seen[name] : name };
    });
  }

  function load(s) {
    try {
      var state = JSON.parse((s && s.getItem(key())) || "{}");
      return state && typeof state === "object" && !Array.isArray(state) ? state : {};
    } catch (e) {
      return {};  // a damaged entry is ignored and overwritten at the next tick
    }
  }

  function save(s, all) {
    if (!s) { return; }
    var state = {};
    all.forEach(function (b) { if (b.box.checked) { state[b.item] = true; } });
    try {
      if (Object.keys(state).length) { s.setItem(key(), JSON.stringify(state)); } else { s.removeItem(key()); }
    } catch (e) { /* quota exceeded: the tick stays on the page */ }
  }

  function init() {
    var s = store(), all = boxes(), state = load(s);
    all.forEach(function (b) {
      if (b.box.dataset.tickBound) { return; }
      b.box.dataset.tickBound = "1";
      b.box.disabled = false;
      b.box.removeAttribute("disabled");
      b.box.checked = state[b.item] === true;
      b.box.addEventListener("change", function () { save(s, boxes()); });
    });
  }

  window.maestroOnEveryPage(init);
})();
