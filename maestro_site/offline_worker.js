/* Offline copy only (mkdocs.offline.yml, maestro_site/offline.py): search from a page opened from disk.
 *
 * A page loaded from file:// may not start a Web Worker, and Material's search runs in one. Material's
 * offline plugin would load a shim for that from a CDN, which an air-gapped machine cannot reach; this file
 * takes its place. It replaces window.Worker, on file:// pages only, with an object that runs the worker's
 * script inside a hidden same-origin iframe and passes messages both ways as events. importScripts adds the
 * scripts to the iframe in order instead of loading them on the spot, and messages wait until every script
 * asked for so far has run; that is all Material's search worker, and a worker started from a small prelude
 * that imports it (docs/assets/search-tuning.js does), need. */
(function () {
  "use strict";
  if (location.protocol !== "file:" || typeof window.EventTarget !== "function") { return; }

  class FrameWorker extends EventTarget {
    constructor(url) {
      super();
      this.onmessage = null;
      this.onerror = null;
      this._pending = [];
      this._loading = 0;
      const frame = document.createElement("iframe");
      frame.hidden = true;
      frame.tabIndex = -1;
      frame.setAttribute("aria-hidden", "true");
      frame.setAttribute("title", "search");
      (document.body || document.documentElement).appendChild(frame);
      this._frame = frame;
      const win = frame.contentWindow;
      const base = new URL(String(url), location.href).href;
      // Inside the frame, the worker's postMessage is a message to this object.
      win.postMessage = (data) => { setTimeout(() => this._emit("message", { data: data }), 0); };
      win.importScripts = (...urls) => { urls.forEach((u) => this._load(new URL(String(u), base).href)); };
      this._load(base);
    }

    _load(src) {
      const doc = this._frame.contentDocument;
      const script = doc.createElement("script");
      script.async = false;               // scripts added this way run in the order they were added
      script.src = src;
      this._loading += 1;
      script.onload = () => { this._loading -= 1; this._flush(); };
      script.onerror = () => { this._loading -= 1; this._emit("error", { message: "could not load " + src }); };
      doc.head.appendChild(script);
    }

    _flush() {
      if (this._loading === 0) { this._pending.splice(0).forEach((d) => this._deliver(d)); }
    }

    _emit(type, init) {
      const ev = type === "message" ? new MessageEvent("message", init) : new ErrorEvent("error", init);
      const handler = type === "message" ? this.onmessage : this.onerror;
      if (typeof handler === "function") { handler.call(this, ev); }
      this.dispatchEvent(ev);
    }

    _deliver(data) {
      const win = this._frame && this._frame.contentWindow;
      if (!win) { return; }
      setTimeout(() => win.dispatchEvent(new win.MessageEvent("message", { data: data })), 0);
    }

    postMessage(data) {
      this._pending.push(data);
      this._flush();
    }

    terminate() {
      if (this._frame) { this._frame.remove(); this._frame = null; }
    }
  }

  window.Worker = FrameWorker;
})();
