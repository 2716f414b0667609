"""Where a `mkdocs build` spends its time: one in-process build with wall-clock timers on its phases.

Runs `mkdocs build --strict -q` in this process with timers wrapped around every plugin and hook event
handler (by event and handler), the Markdown conversion, the generated ID pages' hand-over of their HTML,
the page template rendering, the knowledge-base load, the generated pages, the exports, the autolinker,
every macro (by name) and the worked-example checks with their secret scan. The timers cost a few microseconds per call, unlike cProfile, which inflates
Python-heavy code (the build runs about 2.5x slower under it); ``--cprofile FILE`` writes a cProfile dump
as well, for pstats.

Usage (from the repository root, or with --project for another MkDocs project such as the baseline corpus):
  python bench/profile_build.py [--project DIR] [--cache DIR] [--cprofile FILE] [--top N] [--keep]
The output goes to a temporary directory (removed unless --keep); the cache directory defaults to a fresh empty one (a cold build).
Nothing is asserted; this is a measuring tool for humans.
"""
from __future__ import annotations

import argparse
import collections
import functools
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

TIMES: dict[str, list] = collections.defaultdict(lambda: [0.0, 0.0, 0])  # label -> [wall s, CPU s, calls]
_STACK: list[str] = []


def timer(label: str, fn):
    """``fn`` with its wall time added to TIMES[label] (nested calls of the same label are counted once)."""
    @functools.wraps(fn)
    def wrapped(*a, **k):
        if label in _STACK:
            return fn(*a, **k)
        _STACK.append(label)
        t, c = time.perf_counter(), time.process_time()
        try:
            return fn(*a, **k)
        finally:
            TIMES[label][0] += time.perf_counter() - t
            TIMES[label][1] += time.process_time() - c
            TIMES[label][2] += 1
            _STACK.pop()
    return wrapped


def patch(obj, name: str, label: str) -> None:
    if hasattr(obj, name):
        setattr(obj, name, timer(label, getattr(obj, name)))


def instrument(project: Path) -> None:
    from mkdocs import plugins
    from mkdocs.commands import build as mk_build
    from mkdocs.structure import pages as mk_pages

    def run_event(self, name, item=None, **kwargs):  # mkdocs 1.6's PluginCollection.run_event, with a timer per handler
        pass_item = item is not None
        for method in self.events[name]:
            origin = self._event_origins.get(method, "<unknown>")
            self._current_plugin = origin
            label = f"event {name}: {origin}"
            _STACK.append(label)
            t, c = time.perf_counter(), time.process_time()
            try:
                result = method(item, **kwargs) if pass_item else method(**kwargs)
            finally:
                TIMES[label][0] += time.perf_counter() - t
                TIMES[label][1] += time.process_time() - c
                TIMES[label][2] += 1
                _STACK.pop()
            if result is not None:
                item = result
        self._current_plugin = None
        return item

    plugins.PluginCollection.run_event = run_event
    patch(mk_pages.Page, "render", "markdown: Page.render (Markdown to HTML, all extensions)")
    patch(mk_pages.Page, "read_source", "page: read_source (front matter)")
    patch(mk_build, "_build_page", "page: _build_page (template render + write, incl. its events)")
    patch(mk_build, "_populate_page", "page: _populate_page (read + markdown events + render, incl. its events)")
    patch(mk_build, "_build_theme_template", "theme: static templates (404, sitemap)")
    if not (project / "maestro_site").is_dir():
        return
    sys.path.insert(0, str(project))
    try:
        import maestro.kb as kb
        import maestro.checks as checks
        import maestro.checks.hygiene as hygiene
        import maestro.exports as exports
        import maestro_site.autolink as autolink
        import maestro_site.pages as pages
        import maestro_site.tables as tables
        import maestro_site.templating as templating
        import maestro_site.workshop as workshop
    except ImportError as exc:  # another project: only MkDocs' own phases
        print(f"(no maestro instrumentation: {exc})", file=sys.stderr)
        return
    patch(kb, "load_kb", "maestro: kb.load_kb (YAML + schema + cross-checks)")
    patch(pages, "all_pages", "maestro: pages.all_pages (ID page Markdown)")
    patch(templating, "render_page", "maestro: templating.render_page (ID page templates)")
    patch(workshop, "workshop_pages", "maestro: workshop.workshop_pages")
    patch(exports, "all_exports", "maestro: exports.all_exports")
    patch(autolink, "link_ids", "maestro: autolink.link_ids (all calls)")
    patch(checks, "check_doc", "maestro: checks.check_doc (worked examples)")
    patch(hygiene, "_detect", "maestro: hygiene._detect (detect-secrets scan)")
    orig_bind = tables.bind

    def bind(fn, deps):
        return timer(f"macro {fn.__name__}", orig_bind(fn, deps))
    tables.bind = bind


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--project", type=Path, default=Path(__file__).resolve().parent.parent)
    ap.add_argument("--cache", type=Path, help="MAESTRO_CACHE_DIR (default: a fresh empty one, a cold build)")
    ap.add_argument("--cprofile", type=Path, help="also write a cProfile dump here")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory with the built site")
    a = ap.parse_args(argv)
    project = a.project.resolve()
    tmp = Path(tempfile.mkdtemp(prefix="maestro-profile-"))
    os.environ["MAESTRO_CACHE_DIR"] = str(a.cache or tmp / "cache")
    os.environ["NO_MKDOCS_2_WARNING"] = "1"
    os.chdir(project)
    t0 = time.perf_counter()
    instrument(project)
    from mkdocs.__main__ import cli

    args = ["build", "--strict", "-q", "-d", str(tmp / "site")]
    t1, c1 = time.perf_counter(), time.process_time()
    prof = None
    if a.cprofile:
        import cProfile
        prof = cProfile.Profile()
        prof.enable()
    try:
        cli.main(args=args, standalone_mode=False)
        t2, c2 = time.perf_counter(), time.process_time()
        pages = sum(1 for p in (tmp / "site").rglob("index.html") if '<article class="md-content__inner' in p.read_text(encoding="utf-8"))
    finally:
        if prof:
            prof.disable()
            prof.dump_stats(str(a.cprofile))
        if a.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    total, cpu = t2 - t1, c2 - c1
    print(f"project {project}: {pages} pages, build {total:.2f} s wall, {cpu:.2f} s CPU in process "
          f"({cpu / max(pages, 1) * 1000:.1f} ms CPU/page), imports before it {t1 - t0:.2f} s" + (" (under cProfile)" if prof else ""))
    print("Phases nest (a page's events are inside _populate_page / _build_page); sorted by CPU time.")
    print(f"{'wall s':>8} {'CPU s':>8} {'CPU %':>6} {'calls':>7}  phase")
    for label, (w, c, n) in sorted(TIMES.items(), key=lambda kv: -kv[1][1])[: a.top]:
        print(f"{w:8.3f} {c:8.3f} {c / cpu:6.1%} {n:7d}  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
