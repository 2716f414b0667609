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

  window.maestroOnEveryPage(init);
})();

/* ID jump: Material's search splits words on hyphens and adds a trailing wildcard, so a
 * query such as "BV-7" or "T1" ranks other pages first. When the query is exactly a
 * knowledge-base ID (from ids.json), an "ID" entry linking to its page is shown above the
 * results, and Enter opens it. */
(function () {
  "use strict";
  var ids = null;
  var loading = null;

  function siteRoot() {
    var s = document.querySelector('script[src*="assets/maestro.js"]');
    return s ? new URL("..", new URL(s.getAttribute("src"), document.baseURI)) : new URL("/", location.href);
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
    if (!hit) { box.hidden = true; box.innerHTML = ""; return; }
    var url = new URL(hit.info.url.replace(/^\//, ""), siteRoot());
    box.hidden = false;
    box.innerHTML = "";
    var a = document.createElement("a");
    a.href = url.href;
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
        location.href = new URL(hit.info.url.replace(/^\//, ""), siteRoot()).href;
      }
    }, true);
  }

  window.maestroOnEveryPage(bind);
})();

/* Risk calculator on the risk-scoring page. All numbers come from the scoring data the
 * page embeds (#maestro-scoring), the same data `maestro score` reads, and the arithmetic is
 * that of maestro.scoring.control_credit and effective_risk (ruling R02): where the risk level
 * requires control types, the credit is the mean over those types of each type's status;
 * elsewhere the status of the strongest control counts.
 * The required action follows the effective level once the (verified) controls earn credit, and
 * the inherent level while they earn none; an effective risk of 0 ("None") takes the action of
 * the lowest level. Each level is shown as its colour badge with the level's name. */
(function () {
  "use strict";
  function first(list, pred) { return list.filter(pred)[0]; }
  function byKey(data, key) { return first(data.status, function (s) { return s.key === key; }); }
  function compute(data, f) {
    var level = data.matrix[f.severity][f.likelihood];
    var info = first(data.levels, function (l) { return l.level === level; });
    var required = data.required_controls[level] || [];
    var credit, label, basis;
    if (required.length) {
      var sum = 0, parts = [], seen = {};
      required.forEach(function (t) {
        var st = byKey(data, f.types[t]);
        sum += st.value;
        parts.push(t + " " + st.status);
        seen[st.status] = true;
      });
      credit = sum / required.length;
      label = Object.keys(seen).length > 1 ? parts.join(", ") : byKey(data, f.types[required[0]]).status;
      basis = "mean over " + required.join(", ");
    } else {
      var one = byKey(data, f.status);
      credit = one.value;
      label = one.status;
      basis = "strongest control";
    }
    var eff = Math.round(info.value * (1 - credit) * 100) / 100;
    // Same rule as maestro.scoring.equivalent_level: 0 is "None"; any positive value is at
    // least the lowest level, otherwise the highest level whose value it reaches.
    var sorted = data.levels.slice().sort(function (a, b) { return a.value - b.value; });
    var effLevel = eff > 0 ? sorted[0].level : "None";
    sorted.forEach(function (l) { if (eff >= l.value) { effLevel = l.level; } });
    // Which level sets the action.
    var drives = credit > 0 ? "effective" : "inherent";
    var actionLevel = drives === "inherent" ? level : (effLevel === "None" ? sorted[0].level : effLevel);
    var act = first(data.levels, function (l) { return l.level === actionLevel; });
    var creditText = Math.round(credit * 100) / 100;
    var why;
    if (drives === "inherent") {
      why = "Set by the inherent risk, " + level + ": no verified control earns credit yet.";
    } else if (effLevel === "None") {
      why = "Set by the effective risk, None (0): the verified controls earn full credit, so the action is that of the lowest level, " + actionLevel + ".";
    } else {
      why = "Set by the effective risk, " + effLevel + ": the verified controls earn credit " + creditText + (effLevel === level ? ", not enough to lower the level." : ", which lowers it from " + level + ".");
    }
    var v = first(data.vector, function (x) { return x.value === f.vector; });
    var c = first(data.complexity, function (x) { return x.value === f.complexity; });
    return { level: level, value: info.value, rating: f.severity + " severity \u00d7 " + f.likelihood + " likelihood",
             status: label, credit: creditText, basis: basis, required_types: required,
             required: required.length ? required.join(", ") + " (set by the inherent level, " + level + ")" : "no minimum at " + level,
             effective: eff, effective_level: effLevel,
             drives: drives, action_level: actionLevel, action: act.action, timeframe: act.timeframe, action_basis: why,
             vector_effect: "Attack vector " + v.value + ": " + v.effect + " priority",
             complexity_effect: "Attack complexity " + c.value + ": " + c.effect + " priority",
             modifiers: "They change neither the risk level nor the effective risk: among threats of equal effective risk, " +
                        "Phase 7 ranks " + data.vector[0].value + " before " + data.vector[data.vector.length - 1].value +
                        " and " + data.complexity[0].value + " complexity before " + data.complexity[data.complexity.length - 1].value + "." };
  }
  // The site CSS sets a display on labels, which would override the hidden attribute alone.
  function show(el, on) { el.hidden = !on; el.style.display = on ? "" : "none"; }
  function badge(el, level) {
    el.className = el.className.replace(/\s*maestro-risk--\S+/g, "") + " maestro-risk--" + level.toLowerCase();
  }
  function init() {
    var form = document.getElementById("maestro-calc");
    if (!form || form.dataset.bound) { return; }
    form.dataset.bound = "1";
    var data = JSON.parse(document.getElementById("maestro-scoring").textContent);
    var perType = form.querySelector('[data-controls="per-type"]');
    var strongest = form.querySelector('[data-controls="strongest"]');
    var update = function () {
      var f = { types: {} };
      ["severity", "likelihood", "vector", "complexity", "status"].forEach(function (n) { f[n] = form.elements[n].value; });
      form.querySelectorAll("[data-type]").forEach(function (el) {
        f.types[el.getAttribute("data-type")] = el.querySelector("select").value;
      });
      var r = compute(data, f);
      // Show only the inputs that count at this level: one per required type, or one overall.
      show(perType, r.required_types.length > 0);
      show(strongest, r.required_types.length === 0);
      form.querySelectorAll("[data-type]").forEach(function (el) {
        show(el, r.required_types.indexOf(el.getAttribute("data-type")) >= 0);
      });
      Object.keys(r).forEach(function (k) {
        var el = form.querySelector('[data-out="' + k + '"]');
        if (!el) { return; }
        el.textContent = String(r[k]);
        if (el.hasAttribute("data-badge")) { badge(el, String(r[k])); }
      });
      form.setAttribute("data-level", r.level);
      form.setAttribute("data-drives", r.drives);
    };
    form.addEventListener("change", update);
    update();
  }
  window.maestroOnEveryPage(init);
})();

/* Wide tables scroll inside their own box. Material wraps tables without a class in
 * .md-typeset__scrollwrap; the mapping matrix (a table with a class) gets a .maestro-scroll box
 * here; wide diagrams scroll in their figure.maestro-figure. A box whose content is wider than
 * itself becomes focusable (so keyboard users can scroll it), a named region (a figure keeps its
 * role and its caption), and gets a visible "scroll" hint above it; the CSS draws edge shadows
 * on table boxes. Only attributes this script added are taken back when the box fits again. */
(function () {
  "use strict";
  var HINT = "Scroll sideways for more columns";
  var HINT_FIGURE = "Scroll sideways for the whole picture";
  var BOXES = ".md-typeset__scrollwrap, .md-typeset .maestro-scroll, .md-typeset figure.maestro-figure";

  function heading(box) {
    var found = "";
    document.querySelectorAll(".md-content h1, .md-content h2, .md-content h3, .md-content h4").forEach(function (h) {
      if (h.compareDocumentPosition(box) & Node.DOCUMENT_POSITION_FOLLOWING) {
        found = h.textContent.replace(/\u00b6/g, "").trim();
      }
    });
    return found;
  }

  // "Table under <heading>: <first column headings> (scrolls sideways)", unique on the page.
  function name(box) {
    var table = box.querySelector("table");
    var title = table && table.caption ? table.caption.textContent.trim() : heading(box);
    var cols = table ? Array.prototype.slice.call(table.querySelectorAll("thead th"), 0, 3)
      .map(function (th) { return th.textContent.trim(); }).filter(Boolean) : [];
    var base = "Table" + (title ? " under " + title : "") + (cols.length ? ": " + cols.join(", ") : "");
    var label = base + " (scrolls sideways)", n = 1;
    var taken = function (l) {
      return Array.prototype.some.call(document.querySelectorAll("[data-overflow][aria-label]"), function (o) {
        return o !== box && o.getAttribute("aria-label") === l;
      });
    };
    while (taken(label)) { n += 1; label = base + " (" + n + ", scrolls sideways)"; }
    return label;
  }

  function update(box) {
    var over = box.scrollWidth > box.clientWidth + 1;
    var hint = box.previousElementSibling;
    if (!hint || !hint.classList.contains("maestro-scroll-hint")) {
      if (!over) { return; }
      hint = document.createElement("p");
      hint.className = "maestro-scroll-hint";
      hint.setAttribute("aria-hidden", "true");
      hint.textContent = box.tagName === "FIGURE" ? HINT_FIGURE : HINT;
      box.parentNode.insertBefore(hint, box);
    }
    hint.hidden = !over;
    if (over === box.hasAttribute("data-overflow")) { return; }  // nothing changed
    var figure = box.tagName === "FIGURE";  // keeps its figure role; its figcaption names it
    var mine = box.getAttribute("data-maestro-scroll") || "";
    if (over) {
      if (!box.hasAttribute("tabindex")) { box.tabIndex = 0; mine += " tabindex"; }
      if (!figure && !box.hasAttribute("role")) {
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", name(box));
        mine += " role";
      }
      box.setAttribute("data-maestro-scroll", mine.trim());
      box.setAttribute("data-overflow", "true");
    } else {
      // take back only what this script added
      if (/\btabindex\b/.test(mine)) { box.removeAttribute("tabindex"); }
      if (/\brole\b/.test(mine)) { box.removeAttribute("role"); box.removeAttribute("aria-label"); }
      box.removeAttribute("data-maestro-scroll");
      box.removeAttribute("data-overflow");
    }
  }

  var observer = typeof ResizeObserver !== "undefined" ? new ResizeObserver(function (entries) {
    entries.forEach(function (e) {
      var box = e.target.closest(BOXES);
      if (box) { update(box); }
    });
  }) : null;

  function init() {
    document.querySelectorAll("table.maestro-matrix:not([data-maestro-wrapped])").forEach(function (t) {
      var box = document.createElement("div");
      box.className = "maestro-scroll maestro-scroll--matrix";
      t.parentNode.insertBefore(box, t);
      box.appendChild(t);
      t.setAttribute("data-maestro-wrapped", "");
    });
    document.querySelectorAll(BOXES).forEach(function (box) {
      update(box);
      if (observer && !box.dataset.maestroObserved) {
        box.dataset.maestroObserved = "1";
        observer.observe(box);
        var inner = box.firstElementChild;
        if (inner) { observer.observe(inner); }
      }
    });
  }

  var pending = false;
  window.addEventListener("resize", function () {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      document.querySelectorAll(BOXES).forEach(update);
    });
  });
  window.maestroOnEveryPage(init);
})();

/* Names the theme and Markdown extensions leave out. pymdownx.tasklist draws each task's checkbox
 * inside an empty <label>, so a screen reader announces "checkbox, not checked" with no task: the
 * checkbox gets the item's own text as its name. */
(function () {
  "use strict";
  function itemText(li) {
    var copy = li.cloneNode(true);
    copy.querySelectorAll("ul, ol, .task-list-control").forEach(function (e) { e.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }
  function init() {
    document.querySelectorAll(".md-typeset .task-list-item > .task-list-control > input[type=checkbox]").forEach(function (box) {
      if (box.hasAttribute("aria-label") || box.hasAttribute("aria-labelledby")) { return; }
      var text = itemText(box.closest(".task-list-item"));
      if (text) { box.setAttribute("aria-label", text); }
    });
  }
  window.maestroOnEveryPage(init);
})();

/* The workshop pack's cover shows the day it is printed (the build date stays in the HTML without script). */
(function () {
  "use strict";
  function init() {
    var today = new Date();
    var iso = today.getFullYear() + "-" + String(today.getMonth() + 1).padStart(2, "0") + "-" + String(today.getDate()).padStart(2, "0");
    document.querySelectorAll("[data-ws-today]").forEach(function (e) { e.textContent = iso; });
  }
  window.maestroOnEveryPage(init);
})();
