/* Interactive checklist forms (issue 12): answers kept in this browser, a live count, Export and Reset.
 * The macros write the forms (maestro_site/workshop/checklists.py); this script knows nothing about the data:
 *   <div class="ck-form" data-ck-form="F" data-kb-version="V">   one form; several may share a page
 *     <div class="ck-tools" hidden></div>                         filled here with the count and the buttons
 *     .ck-row[data-item="ID"]                                     one item: radio buttons or a checkbox for its
 *                                                                 result, textareas named "ID:evidence", "ID:finding"
 *                                                                 (chapter 08: a checkbox valued "holds" only; what
 *                                                                 such a row cannot show of a saved answer is kept)
 * Answers are saved at every change under localStorage "maestro:answers:F:V" as {ID: {result, evidence, finding}},
 * keyed by the knowledge-base version so they never carry over to other questions. Export downloads
 * maestro-F-answers-V.json, the file `maestro import NAME FILE` reads (format "maestro-checklist-answers", version 1).
 * Nothing leaves the browser. Works with Material's instant navigation (document$), without it, and from file://. */
(function () {
  "use strict";
  var FORMAT = "maestro-checklist-answers";
  var FORMAT_VERSION = 1;
  var TITLES = { checklists: "Checklist answers", mvtm: "Minimum viable threat model answers" };

  function store() {
    try {
      var s = window.localStorage, probe = "maestro:answers:probe";
      s.setItem(probe, "1");
      s.removeItem(probe);
      return s;
    } catch (e) {
      return null;  // storage blocked (private mode, a policy, file:// in some browsers): the form still works
    }
  }

  function name(form) { return form.getAttribute("data-ck-form") || "form"; }
  function version(form) { return form.getAttribute("data-kb-version") || "unknown"; }
  function key(form) { return "maestro:answers:" + name(form) + ":" + version(form); }
  function rows(form) { return Array.prototype.slice.call(form.querySelectorAll(".ck-row[data-item]")); }
  function field(textarea) { return (textarea.getAttribute("name") || "").split(":")[1] || ""; }

  // One row's answer as {result, evidence, finding}, with only the parts that are given. A row that cannot show
  // part of its saved answer (chapter 08's tick box is Holds only, and has no text fields) keeps that part as it was:
  // a Fails given in the forms stays Fails while its box there is unticked, and the evidence stays.
  function readRow(row) {
    var answer = {}, kept = row.ckKept || {};
    var choices = Array.prototype.slice.call(row.querySelectorAll("input[type=radio], input[type=checkbox]"));
    var ticked = choices.filter(function (box) { return box.checked; })[0];
    if (ticked) { answer.result = ticked.value; }
    else if (typeof kept.result === "string" && !choices.some(function (box) { return box.value === kept.result; })) {
      answer.result = kept.result;
    }
    var shown = {};
    row.querySelectorAll("textarea").forEach(function (t) {
      shown[field(t)] = true;
      if (field(t) && t.value.trim()) { answer[field(t)] = t.value; }
    });
    ["evidence", "finding"].forEach(function (f) {
      if (!shown[f] && typeof kept[f] === "string" && kept[f].trim()) { answer[f] = kept[f]; }
    });
    return answer;
  }

  function writeRow(row, answer) {
    row.ckKept = answer;
    row.querySelectorAll("input[type=radio], input[type=checkbox]").forEach(function (box) {
      box.checked = typeof answer.result === "string" && box.value === answer.result;
    });
    row.querySelectorAll("textarea").forEach(function (t) {
      var value = answer[field(t)];
      t.value = typeof value === "string" ? value : "";
    });
  }

  function collect(form) {
    var state = {};
    rows(form).forEach(function (row) {
      var answer = readRow(row);
      if (Object.keys(answer).length) { state[row.getAttribute("data-item")] = answer; }
    });
    return state;
  }

  function apply(form, state) {
    rows(form).forEach(function (row) { writeRow(row, state[row.getAttribute("data-item")] || {}); });
  }

  function load(form) {
    var s = store();
    if (!s) { return {}; }
    try {
      var state = JSON.parse(s.getItem(key(form)) || "{}");
      return state && typeof state === "object" && !Array.isArray(state) ? state : {};
    } catch (e) {
      return {};  // a damaged entry is ignored and overwritten at the next change
    }
  }

  // Saves the form; false when this browser keeps nothing.
  function save(form) {
    var s = store(), state = collect(form);
    if (!s) { return false; }
    try {
      if (Object.keys(state).length) { s.setItem(key(form), JSON.stringify(state)); } else { s.removeItem(key(form)); }
      return true;
    } catch (e) {
      return false;  // quota exceeded
    }
  }

  // Other forms on this page with the same storage key (the same checklist shown twice) follow this one.
  function sync(form) {
    document.querySelectorAll(".ck-form").forEach(function (other) {
      if (other !== form && other.dataset.ckBound && key(other) === key(form)) {
        apply(other, load(form));
        progress(other);
      }
    });
  }

  function progress(form) {
    var all = rows(form), done = all.filter(function (row) { return !!readRow(row).result; }).length;
    var out = form.querySelector(".ck-progress");
    if (out) { out.textContent = done + " of " + all.length + " answered"; }
  }

  function say(form, text) {
    var out = form.querySelector(".ck-status");
    if (out) { out.textContent = text; }
  }

  function exported(form) {
    var answers = [];
    rows(form).forEach(function (row) {
      var a = readRow(row);
      if (!Object.keys(a).length) { return; }
      answers.push({ item: row.getAttribute("data-item"), result: a.result || null,
                     evidence: (a.evidence || "").trim(), finding: (a.finding || "").trim() });
    });
    return { format: FORMAT, format_version: FORMAT_VERSION, form: name(form), kb_version: version(form),
             exported: new Date().toISOString().replace(/\.[0-9]+Z$/, "Z"), answers: answers };
  }

  function download(filename, text) {
    var url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    var a = document.createElement("a");
    a.href = url;
    a.download = filename;
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);  // after the browser has taken the file
  }

  function button(text, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "md-button";
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  function tools(form) {
    var box = form.querySelector(".ck-tools");
    if (!box) { return; }
    box.innerHTML = "";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", TITLES[name(form)] || "Answers");
    var count = document.createElement("p");
    count.className = "ck-progress";
    count.setAttribute("role", "status");
    count.setAttribute("aria-live", "polite");
    var status = document.createElement("p");
    status.className = "ck-status";
    status.setAttribute("aria-live", "polite");
    var exportButton = button("Export answers", function () {
      var doc = exported(form);
      download("maestro-" + name(form) + "-answers-" + version(form) + ".json", JSON.stringify(doc, null, 2) + "\n");
      say(form, "Exported " + doc.answers.length + " answer(s). Add them to a project with maestro import NAME FILE.");
    });
    exportButton.classList.add("ck-export");
    var resetButton = button("Reset answers", function () {
      if (!window.confirm("Clear every answer in this form? This cannot be undone; export the answers first to keep them.")) { return; }
      apply(form, {});
      var s = store();
      if (s) { try { s.removeItem(key(form)); } catch (e) { /* nothing kept, nothing to clear */ } }
      progress(form);
      sync(form);
      say(form, "Answers cleared.");
    });
    resetButton.classList.add("ck-reset");
    box.appendChild(count);
    box.appendChild(exportButton);
    box.appendChild(resetButton);
    box.appendChild(status);
    box.hidden = false;
    if (!store()) { say(form, "This browser does not keep answers: export them before you leave the page."); }
  }

  function bind(form) {
    if (form.dataset.ckBound) { return; }
    form.dataset.ckBound = "1";
    apply(form, load(form));
    tools(form);
    progress(form);
    var changed = function (ev) {
      if (!ev.target.closest || !ev.target.closest(".ck-row")) { return; }
      if (!save(form)) { say(form, "Not saved: this browser does not keep answers. Export them before you leave the page."); }
      progress(form);
      sync(form);
    };
    form.addEventListener("change", changed);
    form.addEventListener("input", changed);
  }

  function init() { document.querySelectorAll(".ck-form").forEach(bind); }

  // Both, binding each form once: document$ brings the pages instant navigation swaps in, but from file://
  // Material completes document$ before it ever emits (setupInstantNavigation returns EMPTY there).
  if (typeof window.document$ !== "undefined") { window.document$.subscribe(init); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
