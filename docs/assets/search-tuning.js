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
 * 3. Ranking (issue 24), in the worker, after lunr has scored the pages: lunr ORs the words of a query, so a page
 *    matching one word of "approval fatigue" could beat the page matching both. Each result's score is multiplied
 *    when its title and tags (the aliases) hold every word of the query, less when only its text does, and again
 *    when the query is a whole tag or the page's name, or holds one of several words, or appears as a phrase in its
 *    title or tags, less in its text. An ID typed alone is one word in the title of the page that defines it, so ID results keep their order.
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
  // The worker is started from a prelude (tuneWorker below, serialised) that loads Material's script and then
  // (a) gives lunr's query lexer the index's word separator: Material sets it for the index (lunr.tokenizer.separator)
  // but not for queries, so "BV-7" became the terms "BV" and "7"; (b) re-ranks results (part 3 above).
  // Field weights are tags 1e6, title 1e3, text 1 (mkdocs.yml), so a page whose tag holds one word of the query
  // outscores one whose title is the whole query by about 1000, and a prefix match in a tag ("cl" in "cleartext") can
  // outscore the page's own title: a query that is a page's whole name, ID or alias gets a factor of the tags' order.
  var RANK = { allInName: 30, allInText: 3, wholeName: 1e6, nameInQuery: 100, phraseInName: 30, phraseInText: 3 };
  function tuneWorker(url, rank, plainTerm) {
    var docs = {}, words = [], split = /[\s\-]+/;
    function norm(text) {      // lower case, tags and entities dropped, words separated by single spaces
      var plain = String(text || "").replace(/<[^>]*>/g, " ").replace(/&amp;/g, "&").replace(/&[a-z]+;|&#\d+;/g, " ");
      return " " + plain.toLowerCase().split(split).filter(Boolean).join(" ") + " ";
    }
    function fields(ref) {
      var d = docs[ref];
      if (!d || d.name !== undefined) { return d; }
      var title = norm(d.title);
      d.name = title.replace(/^ [^ ]+ (?=.)/, function (id) { return /\d/.test(id) ? " " : id; });  // "T1: Memory ..." -> the name
      var id = /^([^\s:]+):\s/.exec(String(d.title || ""));          // "CL: Cross-Layer" -> "CL"
      d.id = id ? " " + id[1].toLowerCase() + " " : null;
      d.title = title;
      d.tags = (d.tags || []).map(norm);
      d.text = norm(d.text);
      return d;
    }
    self.addEventListener("message", function (e) {      // before Material's listener: sees what it is about to get
      var m = e.data;
      if (m && m.type === 0 && m.data && m.data.docs) {
        if (m.data.config && m.data.config.separator) { split = new RegExp(m.data.config.separator); }
        docs = {};
        m.data.docs.forEach(function (d) { docs[d.location] = { title: d.title, tags: d.tags, text: d.text }; });
      }
      if (m && m.type === 2 && typeof m.data === "string") {
        words = [];
        m.data.trim().split(/\s+/).forEach(function (t) {
          if (!plainTerm.test(t)) { return; }
          t.toLowerCase().split(split).forEach(function (w) { if (w && words.indexOf(w) < 0) { words.push(w); } });
        });
      }
    });
    importScripts(url);
    var lunr = self.lunr;
    if (!lunr) { return; }
    // The lexer tests one character at a time against it, so an alternative with a lookahead ("\\.(?![\\w])", a dot
    // that ends a word) would match every dot and split "AML.T0051" in two: it is left out here. Material then
    // splits each term with the whole separator, which keeps the dot inside an ID and drops one that ends a word.
    self.addEventListener("message", function (e) {
      if (e.data && e.data.type === 0 && e.data.data && e.data.data.config && e.data.data.config.separator) {
        var plainParts = e.data.data.config.separator.split("|").filter(function (p) { return p.indexOf("(?") < 0; });
        lunr.QueryLexer.termSeparator = new RegExp(plainParts.join("|") || e.data.data.config.separator);
      }
    });
    function stop(w) { return typeof lunr.stopWordFilter === "function" && lunr.stopWordFilter(w) === undefined; }
    function has(field, w) { return field.indexOf(" " + w) >= 0; }          // a word, or a word it starts (prefix search)
    function factor(d) {
      var phrase = " " + words.join(" ") + " ", content = words.filter(function (w) { return !stop(w); });
      var names = [d.title].concat(d.tags), f = 1;
      if (content.length > 1) {
        if (content.every(function (w) { return names.some(function (n) { return has(n, w); }); })) { f *= rank.allInName; }
        else if (content.every(function (w) { return names.some(function (n) { return has(n, w); }) || has(d.text, w); })) { f *= rank.allInText; }
      }
      if (d.name === phrase || d.id === phrase || d.tags.indexOf(phrase) >= 0) { f *= rank.wholeName; }
      else if (names.some(function (n) { return n.indexOf(phrase) >= 0; })) { f *= rank.phraseInName; }
      else if (words.length > 2 && [d.name].concat(d.tags).some(function (n) {   // "prompt injection attack" holds T6's alias
        return n.split(" ").length > 3 && phrase.indexOf(n) >= 0; })) { f *= rank.nameInQuery; }
      else if (words.length > 1 && d.text.indexOf(phrase) >= 0) { f *= rank.phraseInText; }
      return f;
    }
    var search = lunr.Index.prototype.search;
    lunr.Index.prototype.search = function () {
      var results = search.apply(this, arguments);
      if (!words.length) { return results; }
      results.forEach(function (r) { var d = fields(r.ref); if (d) { r.score *= factor(d); } });
      return results.sort(function (a, b) { return b.score - a.score; });
    };
  }
  var PRELUDE = "(" + tuneWorker.toString() + ")(%URL%, " + JSON.stringify(RANK) + ", " + PLAIN_TERM.toString() + ");";
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
  window.maestroSearch = { withExactTerms: withExactTerms, rank: RANK, answered: null };
})();
