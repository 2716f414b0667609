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
