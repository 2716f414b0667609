/* Accessible names for task-list checkboxes. pymdownx.tasklist draws each task's checkbox inside an empty <label>,
 * so a screen reader would announce "checkbox, not checked" without the task: each checkbox gets its item's own text
 * (nested lists left out) as its name, unless it has a name already. */
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
