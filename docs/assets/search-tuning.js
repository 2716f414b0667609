/* Search tuned for a knowledge base of IDs (issue 13). Loaded in <head>, before Material's bundle, because both
 * parts wrap what the bundle uses when it starts:
 *
 * 1. The search index is fetched when the reader shows an intent to search (focusing or opening the search box,
 *    or a search shortcut key), not by every page on load. Search itself is unchanged.
 * 2. Queries split words the way the index does (hyphens stay inside IDs), and every term is also asked for
 *    exactly, with a boost. Material turns each term into a prefix query
 *    ("t1" becomes "t1*"), so T10 to T19 compete with T1 and, because a rarely mentioned ID has the higher inverse
 *    document frequency, they used to win; the exact clause puts the page that defines T1 first, and the layer L3
 *    above the mitigation L3-D2.
 *
 * Opened from file:// (the offline zip), Material loads search_index.js by a script tag; nothing here is involved. */
(function () {
  "use strict";
  var INDEX = /search\/search_index\.json(\?.*)?$/;
  var QUERY = 2, RESULT = 3;   // Material's search worker message types for a query and its results
  var EXACT_BOOST = 20;
  var PLAIN_TERM = /^[^\s"*+\-:^~][^\s"*:^~]*$/;   // a term without lunr syntax of its own

  // ---------------------------------------------------------------- 1. fetch the index on intent
  var wanted = false, waiting = [];
  function want() {
    if (wanted) { return; }
    wanted = true;
    waiting.splice(0).forEach(function (start) { start(); });
  }
  var open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url) {
    this.maestroIsIndex = INDEX.test(String(url));
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    var xhr = this, args = arguments;
    if (xhr.maestroIsIndex && !wanted) {
      waiting.push(function () { send.apply(xhr, args); });
      return undefined;
    }
    return send.apply(xhr, args);
  };
  document.addEventListener("focusin", function (e) {
    if (e.target && e.target.classList && e.target.classList.contains("md-search__input")) { want(); }
  }, true);
  document.addEventListener("change", function (e) { if (e.target && e.target.id === "__search") { want(); } }, true);
  document.addEventListener("pointerdown", function (e) {
    if (e.target && e.target.closest && e.target.closest('label[for="__search"], .md-search')) { want(); }
  }, true);
  document.addEventListener("keydown", function (e) {      // Material's search shortcuts, outside text fields
    var t = e.target, typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName || ""));
    if (!typing && !e.ctrlKey && !e.metaKey && !e.altKey && /^[/sSfF]$/.test(e.key)) { want(); }
  }, true);
  if (/[?&]q=/.test(window.location.search)) { want(); }      // a shared search link opens with results

  // ---------------------------------------------------------------- 2. exact terms first
  function withExactTerms(query) {
    var terms = String(query).trim().split(/\s+/).filter(function (t) { return PLAIN_TERM.test(t); });
    if (!terms.length) { return query; }
    return query + " " + terms.map(function (t) { return t + "^" + EXACT_BOOST; }).join(" ");
  }
  var NativeWorker = window.Worker;
  if (typeof NativeWorker !== "function") { return; }
  // Material sets the index's word separator in the worker (lunr.tokenizer.separator) but not lunr's query lexer,
  // which keeps splitting on hyphens: "BV-7" became the terms "BV" and "7" and found nothing useful. The worker is
  // started from a two-line prelude that loads Material's script and then gives the lexer the same separator.
  var PRELUDE = "importScripts(%URL%);" +
    "self.addEventListener('message', function (e) {" +
    "  if (e.data && e.data.type === 0 && self.lunr && e.data.data && e.data.data.config && e.data.data.config.separator) {" +
    "    self.lunr.QueryLexer.termSeparator = new RegExp(e.data.data.config.separator); } });";
  var nativeWorker = /\[native code\]/.test(Function.prototype.toString.call(NativeWorker));
  function plain(url, options) {
    return options === undefined ? new NativeWorker(url) : new NativeWorker(url, options);
  }
  function start(url, options) {
    // A browser worker may not import a file:// script. The offline copy brings its own Worker
    // (maestro_site/offline_worker.js), which can; a site opened from disk without it has no search to tune.
    if (window.location.protocol === "file:" && nativeWorker) { return plain(url, options); }
    try {
      var absolute = new URL(String(url), document.baseURI).href;
      var blob = new Blob([PRELUDE.replace("%URL%", JSON.stringify(absolute))], { type: "text/javascript" });
      return new NativeWorker(URL.createObjectURL(blob), options);
    } catch (e) {
      return plain(url, options);     // no Blob URLs (a strict content security policy): Material's worker as it is
    }
  }
  var asked = [];     // queries sent and not yet answered, oldest first
  function TunedWorker(url, options) {
    var worker = start(url, options);
    var post = worker.postMessage;
    worker.postMessage = function (message) {
      var rest = Array.prototype.slice.call(arguments, 1);
      if (message && message.type === QUERY && typeof message.data === "string") {
        asked.push(message.data);
        message = { type: QUERY, data: withExactTerms(message.data) };
      }
      return post.apply(worker, [message].concat(rest));
    };
    // The query the shown results answer, for anyone waiting on them (the browser tests do).
    worker.addEventListener("message", function (e) {
      if (e.data && e.data.type === RESULT && asked.length) { window.maestroSearch.answered = asked.shift(); }
    });
    return worker;
  }
  TunedWorker.prototype = NativeWorker.prototype;
  window.Worker = TunedWorker;
  window.maestroSearch = { withExactTerms: withExactTerms, answered: null };
})();
