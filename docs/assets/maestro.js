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

  if (typeof window.document$ !== "undefined") {
    window.document$.subscribe(bind);
  } else {
    document.addEventListener("DOMContentLoaded", bind);
  }
})();

/* Risk calculator on the risk-scoring page. All numbers come from the scoring data the
 * page embeds (#maestro-scoring), the same data `maestro score` reads, and the arithmetic is
 * that of maestro.scoring.control_credit and effective_risk (ruling R02): where the risk level
 * requires control types, the credit is the mean over those types of each type's status;
 * elsewhere the status of the strongest control counts. */
(function () {
  "use strict";
  function byKey(data, key) { return data.status.filter(function (s) { return s.key === key; })[0]; }
  function compute(data, f) {
    var level = data.matrix[f.severity][f.likelihood];
    var info = data.levels.filter(function (l) { return l.level === level; })[0];
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
    var v = data.vector.filter(function (x) { return x.value === f.vector; })[0];
    var c = data.complexity.filter(function (x) { return x.value === f.complexity; })[0];
    return { level: level, value: info.value, action: info.action, timeframe: info.timeframe,
             status: label, credit: Math.round(credit * 100) / 100, basis: basis, required: required,
             effective: eff, effective_level: effLevel,
             modifiers: "vector " + v.value + " " + v.effect + " priority; complexity " + c.value + " " + c.effect + " priority" };
  }
  // The site CSS sets a display on labels, which would override the hidden attribute alone.
  function show(el, on) { el.hidden = !on; el.style.display = on ? "" : "none"; }
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
      show(perType, r.required.length > 0);
      show(strongest, r.required.length === 0);
      form.querySelectorAll("[data-type]").forEach(function (el) {
        show(el, r.required.indexOf(el.getAttribute("data-type")) >= 0);
      });
      Object.keys(r).forEach(function (k) {
        var el = form.querySelector('[data-out="' + k + '"]');
        if (el) { el.textContent = String(r[k]); }
      });
      form.setAttribute("data-level", r.level);
    };
    form.addEventListener("change", update);
    update();
  }
  if (typeof window.document$ !== "undefined") { window.document$.subscribe(init); }
  else { document.addEventListener("DOMContentLoaded", init); }
})();
