/* The risk calculator of the risk-scoring guide (form#maestro-calc, written by
 * maestro_site/templates/fragments/risk-calculator.html.j2). It computes nothing: the form carries every answer the
 * calculator can give (its data-scoring attribute, made at build time by maestro.scoring.calculator_table, the code
 * `maestro score` runs), and this script looks up the one the chosen inputs name and shows it.
 *
 * The table: cells[severity][likelihood] gives the risk level and the rating in words; levels[level] its value,
 * action, timeframe and required control types; outcomes[level][key] the result for the statuses chosen, where key
 * is the status of each required type joined by "," in the order of `required`, or the status of the strongest
 * control at a level that requires none; vector[value] and complexity[value] the modifiers' effect in words. */
(function () {
  "use strict";

  function read(form) {
    var f = { types: {} };
    ["severity", "likelihood", "vector", "complexity", "status"].forEach(function (n) { f[n] = form.elements[n].value; });
    form.querySelectorAll("[data-type]").forEach(function (el) {
      f.types[el.getAttribute("data-type")] = el.querySelector("select").value;
    });
    return f;
  }

  // The answer for these inputs, field by field as the form's [data-out] elements name them.
  function lookUp(data, f) {
    var cell = data.cells[f.severity][f.likelihood];
    var level = data.levels[cell.level];
    var key = level.required.length ? level.required.map(function (t) { return f.types[t]; }).join(",") : f.status;
    var got = data.outcomes[cell.level][key];
    var act = data.levels[got.action_level];
    return {
      required: level.required, drives: got.drives,
      out: { level: cell.level, value: level.value, rating: cell.rating, credit: got.credit, basis: level.basis,
             status: got.status, effective: got.effective, effective_level: got.effective_level,
             action_level: got.action_level, action: act.action, timeframe: act.timeframe, action_basis: got.action_basis,
             required: level.required_text, vector_effect: data.vector[f.vector],
             complexity_effect: data.complexity[f.complexity], modifiers: data.modifiers }
    };
  }

  function badge(el, level) {
    el.className = el.className.replace(/\s*maestro-risk--\S+/g, "") + " maestro-risk--" + level.toLowerCase();
  }

  function show(form, answer) {
    // Only the inputs that count at this level: one per required type, or one for the strongest control.
    var perType = answer.required.length > 0;
    form.querySelector('[data-controls="per-type"]').hidden = !perType;
    form.querySelector('[data-controls="strongest"]').hidden = perType;
    form.querySelectorAll("[data-type]").forEach(function (el) {
      el.hidden = answer.required.indexOf(el.getAttribute("data-type")) < 0;
    });
    Object.keys(answer.out).forEach(function (k) {
      var el = form.querySelector('[data-out="' + k + '"]');
      if (!el) { return; }
      el.textContent = String(answer.out[k]);
      if (el.hasAttribute("data-badge")) { badge(el, String(answer.out[k])); }
    });
    form.setAttribute("data-level", answer.out.level);
    form.setAttribute("data-drives", answer.drives);
  }

  function init() {
    var form = document.getElementById("maestro-calc");
    if (!form || !form.hasAttribute("data-scoring") || form.dataset.bound) { return; }
    form.dataset.bound = "1";
    var data = JSON.parse(form.getAttribute("data-scoring"));
    var update = function () { show(form, lookUp(data, read(form))); };
    form.addEventListener("change", update);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    update();
  }

  window.maestroOnEveryPage(init);
})();
