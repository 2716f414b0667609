"""Build benchmarks, each compared side by side with a baseline measured in the same run.

1. Knowledge-base load: load_kb (YAML with positions + JSON Schema + cross-checks) vs a plain
   safe load of the same files with the same parser (libyaml when available): the ratio is the
   cost of positions and validation. Also load_kb of the synthetic 10x knowledge base.
2. Cold strict build: the real site vs plain MkDocs Material building a generated plain-Markdown
   corpus with the same pages (same URLs, same nav, same theme settings and search plugin) and the
   same words (counted in the built HTML, see ``page_text``); time per page and the ratio.
3. `mkdocs serve --strict` rebuild after editing one chapter and one data file, on a copy of the
   repository, against the same edits on the baseline corpus served the same way.
4. First-load bytes of an ID page (/threats/T12/) as a static server sends them, gzipped (level 6):
   the HTML and everything it makes the browser fetch on load, per file, for both sites.
5. Scale: the site built from a synthetic knowledge base ten times larger (bench/synthetic_kb.py);
   its time per page relative to the normal build.

Everything runs on copies in a temporary directory: a snapshot of the repository (so edits made
meanwhile in the working tree do not leak into the run), the baseline corpus and the synthetic
copy. The children import `macros` and `maestro` from the copy (PYTHONPATH) and use an empty
MAESTRO_CACHE_DIR per cold build. Nothing in the repository is touched except bench/results/
(git-ignored) and, with --write, bench/RESULTS.md.

Usage: python bench/bench_build.py [--runs N] [--edits N] [--factor N] [--page URL] [--skip-scale] [--write]
No timing is asserted anywhere.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import html
import json
import os
import platform
import queue
import re
import resource
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import yaml
from mkdocs.utils.yaml import get_yaml_loader, yaml_load

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "RESULTS.md"
START, END = "<!-- bench_build:start -->", "<!-- bench_build:end -->"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from maestro import load_kb  # noqa: E402

import synthetic_kb  # noqa: E402  (bench/synthetic_kb.py)
from machine import cpu_model, uname, write_section  # noqa: E402  (bench/machine.py)

CHAPTER = "docs/playbook/02-threat-taxonomy.md"
CHAPTER_URL = "playbook/02-threat-taxonomy/"
DATA_FILE = "data/threats.yaml"
SNAPSHOT_SKIP = shutil.ignore_patterns(".git", ".venv", "node_modules", "site", "build", ".pytest_cache", "__pycache__",
                                       "*.pyc", "*.egg-info", "threat-models", "results")
GZIP_LEVEL = 6


# ===================================================================== helpers
def timed(fn, runs):
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def fmt(xs):
    return f"median {statistics.median(xs) * 1000:8.1f} ms  (min {min(xs) * 1000:.1f}, max {max(xs) * 1000:.1f}, n={len(xs)})"


def med(xs):
    return statistics.median(xs)


def child_env(project: Path, cache: Path) -> dict:
    """The environment of a build or serve child: the project's own packages first, an empty cache of its own."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", MAESTRO_CACHE_DIR=str(cache), PYTHONPATH=str(project))
    env.pop("PYTHONDONTWRITEBYTECODE", None)   # a default Python setup: modules byte-compiled once (warm-up)
    env.pop("MAESTRO_DATA", None)
    return env


class Builder:
    """Cold strict builds of one project: a fresh output directory and an empty cache directory every time.

    ``build()`` returns (wall seconds, CPU seconds of the child: user + system). The machine may be
    shared, so both are kept: a build is single-threaded, and CPU time is what contention inflates least.
    """

    def __init__(self, project: Path, scratch: Path, name: str, warm: bool = False):
        self.project, self.scratch, self.name, self.n, self.warm = project, scratch, name, 0, warm
        self.out = scratch / f"{name}-site"

    def build(self) -> tuple[float, float]:
        self.n += 1
        shutil.rmtree(self.out, ignore_errors=True)
        # warm: one cache directory kept from build to build (what a second local build sees)
        cache = self.scratch / (f"{self.name}-cache" if self.warm else f"{self.name}-cache-{self.n}")
        env = child_env(self.project, cache)
        argv = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(self.out)]
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        res = subprocess.run(argv, cwd=self.project, env=env, capture_output=True, text=True)
        took = time.perf_counter() - t
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        if not self.warm:
            shutil.rmtree(cache, ignore_errors=True)
        if res.returncode:
            sys.exit(f"build of {self.name} failed ({res.returncode}):\n{res.stdout[-4000:]}{res.stderr[-4000:]}")
        return took, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


# ===================================================================== page text
_ARTICLE = re.compile(r"<(/?)article\b[^>]*>")
_DROP = re.compile(r"<(script|style)\b.*?</\1>|<a class=\"headerlink\"[^>]*>.*?</a>", re.S)
_HEADING = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1>", re.S)
_TAG = re.compile(r"<[^>]+>")


def article_html(page: str) -> str:
    """The page's content column (Material's <article class="md-content__inner">), without the theme's chrome."""
    start = page.find('<article class="md-content__inner')
    if start < 0:
        return ""
    depth = 0
    for m in _ARTICLE.finditer(page, start):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return page[page.index(">", start) + 1:m.start()]
    return page[start:]


def text_of(fragment: str) -> list[str]:
    return html.unescape(_TAG.sub(" ", fragment)).split()


def page_text(page: str) -> list[tuple[int, list[str], list[str]]]:
    """The words of a page's content, as (heading level, heading words, body words) sections in order.

    Counted from the built HTML: tags, scripts, styles and permalink anchors are dropped, entities
    decoded, words split on whitespace. Text before the first heading is a section of level 0.
    """
    body = _DROP.sub(" ", article_html(page))
    out, pos, level, head = [], 0, 0, []
    for m in _HEADING.finditer(body):
        out.append((level, head, text_of(body[pos:m.start()])))
        level, head, pos = int(m.group(1)), text_of(m.group(2)), m.end()
    out.append((level, head, text_of(body[pos:])))
    return [s for s in out if s[0] or s[2]]


def site_pages(site: Path) -> dict[str, list]:
    """URL (directory style, '' for the home page) -> page_text, for every page of a built site.

    A page is an index.html that MkDocs rendered through the theme (it has Material's content column);
    other HTML files (404.html, redirect stubs a hook writes as static files) are not pages.
    """
    pages = {}
    for p in sorted(site.rglob("index.html")):
        text = p.read_text(encoding="utf-8")
        if '<article class="md-content__inner' not in text:
            continue
        url = p.parent.relative_to(site).as_posix()
        url = "" if url == "." else url + "/"
        pages[url] = page_text(text)
    return pages


def other_html(site: Path, pages: dict) -> int:
    """HTML files of a built site that are not pages (see site_pages)."""
    return sum(1 for p in site.rglob("*.html")) - len(pages)


def word_count(pages: dict) -> int:
    return sum(len(h) + len(b) for secs in pages.values() for _, h, b in secs)


# ===================================================================== baseline corpus
_MD_ESCAPE = re.compile(r"([\\`*_{}\[\]()>#+\-.!:|~^=$])")


def md_word(w: str) -> str:
    """A word as literal Markdown text: HTML-escaped, then every Markdown-significant character backslash-escaped."""
    return _MD_ESCAPE.sub(r"\\\1", html.escape(w, quote=False))


def src_for(url: str, urls: set[str]) -> str:
    """The docs source path that gives ``url``: a/b/ -> a/b.md, or a/b/index.md when pages live below it."""
    if url == "":
        return "index.md"
    if any(u != url and u.startswith(url) for u in urls):
        return url + "index.md"
    return url[:-1] + ".md"


def baseline_project(dest: Path, pages: dict, real_cfg: dict) -> None:
    """A plain MkDocs Material project with the real site's pages (same URLs and words, plain Markdown).

    Each page gets its real headings (same levels, so the same TOC and search sections) and its real
    words as plain paragraphs of at most 60 words. The nav, not_in_nav, validation, theme (without
    custom_dir), site_url, repo and search plugin settings are the real mkdocs.yml's; there are no
    macros, hooks, extra CSS or JS, overrides or extensions beyond toc with permalinks.
    A data/ directory with a copy of data/threats.yaml is watched, for the serve benchmark's data edit.
    """
    docs = dest / "docs"
    urls = set(pages)
    for url, secs in pages.items():
        lines = []
        for level, head, words in secs:
            if level:
                lines += ["#" * level + " " + " ".join(md_word(w) for w in head), ""]
            for i in range(0, len(words), 60):
                lines += [" ".join(md_word(w) for w in words[i:i + 60]), ""]
        f = docs / src_for(url, urls)
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("\n".join(lines), encoding="utf-8")
    (dest / "data").mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / DATA_FILE, dest / DATA_FILE)
    theme = {k: v for k, v in real_cfg["theme"].items() if k != "custom_dir"}
    search = next((p for p in real_cfg.get("plugins", []) if p == "search" or (isinstance(p, dict) and "search" in p)), "search")
    cfg = {"site_name": "Baseline", "site_url": real_cfg.get("site_url"), "repo_url": real_cfg.get("repo_url"),
           "repo_name": real_cfg.get("repo_name"), "edit_uri": real_cfg.get("edit_uri"), "strict": True,
           "use_directory_urls": real_cfg.get("use_directory_urls", True), "watch": ["data"],
           "validation": real_cfg.get("validation"), "theme": theme, "plugins": [search],
           "markdown_extensions": [{"toc": {"permalink": True}}],
           "not_in_nav": real_cfg.get("not_in_nav"), "nav": real_cfg.get("nav")}
    (dest / "mkdocs.yml").write_text(yaml.safe_dump({k: v for k, v in cfg.items() if v is not None}, sort_keys=False), encoding="utf-8")
    missing = [p for p in _nav_files(cfg.get("nav")) if not (docs / p).exists()]
    if missing:
        sys.exit(f"baseline: nav entries with no page (URL mapping broke): {missing}")


def _nav_files(nav):
    if isinstance(nav, str):
        if not re.match(r"^[a-z]+://", nav):
            yield nav
    elif isinstance(nav, list):
        for x in nav:
            yield from _nav_files(x)
    elif isinstance(nav, dict):
        for v in nav.values():
            yield from _nav_files(v)


# ===================================================================== first-load bytes
_LINK = re.compile(r"<link\b[^>]*>", re.I)
_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", re.I)
_IMG = re.compile(r"<(?:img|source|video|audio|iframe|embed)\b[^>]*\bsrc=\"([^\"]+)\"", re.I)
_ATTR = re.compile(r"\b(rel|href)=\"([^\"]*)\"", re.I)
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
_CONFIG = re.compile(r"<script id=\"__config\" type=\"application/json\">(.*?)</script>", re.S)


DEFERRED = "search index (on first search)"


def first_load(site: Path, page_url: str) -> list[tuple[str, str, int, int]]:
    """What a browser fetches on a first visit to ``page_url`` of the built ``site``: (file, why, raw bytes, gzip bytes).

    Parsed from the built HTML: stylesheets and icons (<link rel=stylesheet|icon|preload|modulepreload>),
    <script src>, images and embeds with src, url(...) in the CSS (except data: URLs), and from Material's
    __config: its search worker and search/search_index.json (the bundle fetches the index on every page
    when the search form is present) and sitemap.xml when navigation.instant is on (fetched at start-up).
    Only files of the site itself (no external URLs). Gzip level 6, as a typical static server sends them.
    """
    base = "http://site.invalid/"
    page = urljoin(base, page_url)
    html_text = (site / page_url / "index.html").read_text(encoding="utf-8")
    want: dict[str, str] = {page: "HTML"}

    def add(url, why):
        u = urljoin(page if not why.startswith("css") else why[4:], html.unescape(url))
        if u.startswith(base) and not u.startswith("data:"):
            want.setdefault(u.split("#")[0].split("?")[0], why if not why.startswith("css") else "url() in CSS")

    for tag in _LINK.findall(html_text):
        attrs = {k.lower(): v for k, v in _ATTR.findall(tag)}
        rel = attrs.get("rel", "").lower().split()
        if "href" in attrs and {"stylesheet", "icon", "preload", "modulepreload"} & set(rel):
            add(attrs["href"], "stylesheet" if "stylesheet" in rel else rel[0])
    for src in _SCRIPT.findall(html_text):
        add(src, "script")
    for src in _IMG.findall(html_text):
        add(src, "image")
    m = _CONFIG.search(html_text)
    if m:
        cfg = json.loads(m.group(1))
        root = urljoin(page, cfg.get("base", ".").rstrip("/") + "/")
        if cfg.get("search"):
            add(cfg["search"], "search worker")
            if "<form class=\"md-search__form\"" in html_text or 'name="search"' in html_text:
                # docs/assets/search-tuning.js holds the index back until the reader starts to search
                # (tests/test_search_browser.py checks it in Chromium); plain Material fetches it on load
                deferred = "assets/search-tuning.js" in html_text
                want.setdefault(urljoin(root, "search/search_index.json"), DEFERRED if deferred else "search index")
        if "navigation.instant" in cfg.get("features", []):
            want.setdefault(urljoin(root, "sitemap.xml"), "sitemap (navigation.instant)")
    for u, why in list(want.items()):  # fonts and images that the CSS references
        if why == "stylesheet":
            css = (site / urlsplit(u).path.lstrip("/")).read_text(encoding="utf-8", errors="replace")
            for ref in _CSS_URL.findall(css):
                if not ref.startswith("data:"):
                    add(ref, "css " + u)
    out = []
    for u, why in want.items():
        rel = urlsplit(u).path.lstrip("/")
        path = site / rel
        if path.is_dir() or rel.endswith("/") or rel == "":
            path = path / "index.html"
        data = path.read_bytes()
        out.append((rel or "index.html", why, len(data), len(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))))
    return out


# ===================================================================== serve
class Server:
    """`mkdocs serve --strict` of one project on a free port; its log is read line by line with arrival times."""

    def __init__(self, project: Path, cache: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.project = project
        self.lines: queue.Queue = queue.Queue()
        self.log: list[str] = []
        argv = [sys.executable, "-m", "mkdocs", "serve", "--strict", "--dev-addr", f"127.0.0.1:{self.port}"]
        self.proc = subprocess.Popen(argv, cwd=project, env=child_env(project, cache), stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, bufsize=1)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put((time.perf_counter(), line.rstrip("\n")))
        self.lines.put((time.perf_counter(), None))

    def wait_for(self, needle: str, timeout: float = 600) -> tuple[float, list[str]]:
        """Block until a log line contains ``needle``; (arrival time, lines seen meanwhile)."""
        seen, end = [], time.monotonic() + timeout
        while True:
            try:
                t, line = self.lines.get(timeout=max(0.1, end - time.monotonic()))
            except queue.Empty:
                line = "<timeout>"
                t = time.perf_counter()
            if line is None or line == "<timeout>" or "An error happened during the rebuild" in line or "Aborted with" in line:
                self.stop()
                sys.exit(f"mkdocs serve in {self.project} stopped or failed waiting for {needle!r}:\n" + "\n".join(self.log[-40:] + seen))
            seen.append(line)
            self.log.append(line)
            if needle in line:
                return t, seen
            if time.monotonic() > end:
                self.stop()
                sys.exit(f"timeout waiting for {needle!r} from mkdocs serve in {self.project}")

    def get(self, url: str) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/{url}", timeout=30) as r:  # noqa: S310 (local)
            return r.read().decode("utf-8", "replace")

    def cpu(self) -> float:
        """User + system CPU seconds the server process has used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        """Ctrl-C, as a user stops it: MkDocs then removes its temporary site directory; terminate if it hangs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()


_BUILT = re.compile(r"Documentation built in ([0-9.]+) seconds")


def serve_rebuilds(projects: list[Path], scratch: Path, edits: int) -> list[dict[str, dict[str, list[float]]]]:
    """Run `mkdocs serve` on every project at once and time ``edits`` rebuilds per kind of edit, interleaved.

    The servers are started one after the other (one build at a time); then each round edits the chapter
    in every project in turn, then the data file, waiting for each rebuild before the next edit, so a
    change in the machine's load hits every side alike.
    wall = from just before the file is written to the "Reloading browsers" line (the rebuild is done
    and the new files are served); it includes the file watcher's polling (MkDocs polls every 0.5 s)
    and its 0.1 s debounce, the same on every side. built = what MkDocs itself reports for the build.
    cpu = user + system time of the server process over the same span (from /proc).
    The chapter edit appends a paragraph with a unique marker and checks the served chapter shows it.
    """
    servers = []
    try:
        for project in projects:
            srv = Server(project, scratch / f"serve-cache-{project.name}")
            servers.append(srv)
            srv.wait_for("Serving on")
        time.sleep(1.5)  # let the polling observers take their first snapshot
        out = [{k: {"wall": [], "built": [], "cpu": []} for k in ("chapter", "data")} for _ in projects]
        for _ in range(edits):
            for kind, rel in (("chapter", CHAPTER), ("data", DATA_FILE)):
                for srv, res in zip(servers, out):
                    marker = f"benchmark-marker-{uuid.uuid4().hex[:12]}"
                    line = f"\n\nBenchmark edit {marker}.\n" if kind == "chapter" else f"# benchmark edit {marker}\n"
                    c0 = srv.cpu()
                    t0 = time.perf_counter()
                    with open(srv.project / rel, "a", encoding="utf-8") as fh:
                        fh.write(line)
                    t1, seen = srv.wait_for("Reloading browsers")
                    res[kind]["cpu"].append(srv.cpu() - c0)
                    built = [float(m.group(1)) for x in seen for m in [_BUILT.search(x)] if m]
                    res[kind]["wall"].append(t1 - t0)
                    res[kind]["built"].append(built[-1] if built else float("nan"))
                    if kind == "chapter" and marker not in srv.get(CHAPTER_URL):
                        sys.exit(f"the served chapter of {srv.project} does not show the edit after the rebuild")
                    time.sleep(1.0)
        return out
    finally:
        for srv in servers:
            srv.stop()


# ===================================================================== main
def snapshot(dest: Path) -> Path:
    shutil.copytree(ROOT, dest, ignore=SNAPSHOT_SKIP, symlinks=True)
    return dest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="cold builds per side (median reported), default 3; KB loads run 5x this")
    ap.add_argument("--edits", type=int, default=3, help="serve rebuilds per kind of edit and side, default 3")
    ap.add_argument("--factor", type=int, default=10, help="size of the synthetic knowledge base, default 10x")
    ap.add_argument("--page", default="threats/T12/", help="page whose first-load bytes are measured")
    ap.add_argument("--skip-scale", action="store_true", help="leave out the synthetic knowledge base build")
    ap.add_argument("--write", action="store_true", help="update the bench_build section of bench/RESULTS.md")
    a = ap.parse_args(argv)
    if a.runs < 1 or a.edits < 1:
        ap.error("--runs and --edits must be at least 1")
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="maestro-bench-build-"))
    os.environ["MAESTRO_CACHE_DIR"] = str(tmp / "cache-in-process")  # load_kb here: never the user's cache
    try:
        real = snapshot(tmp / "repo")
        data = real / "data"
        with (real / "mkdocs.yml").open("rb") as f:
            real_cfg = yaml_load(f, get_yaml_loader())   # MkDocs' loader: mkdocs.yml uses !ENV

        # ---- 1. knowledge-base load (in process)
        files = sorted(data.glob("*.yaml"))
        kb_runs = max(5, 5 * a.runs)
        kb_t = timed(lambda: load_kb(data), kb_runs)
        fast = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the parser load_kb itself uses
        raw_t = timed(lambda: [yaml.load(p.read_text(), Loader=fast) for p in files], kb_runs)  # noqa: S506

        # ---- 2. cold builds, interleaved
        ours = Builder(real, tmp, "ours")
        print("warm-up build of the site (byte-compiles the copy, counts pages and words) ...", flush=True)
        ours.build()
        pages = site_pages(ours.out)
        words = word_count(pages)
        base_dir = tmp / "baseline"
        baseline_project(base_dir, pages, real_cfg)
        base = Builder(base_dir, tmp, "base")
        base.build()
        base_pages = site_pages(base.out)
        base_words = word_count(base_pages)
        if set(base_pages) != set(pages):
            sys.exit(f"baseline pages differ from the site's: {sorted(set(pages) ^ set(base_pages))[:10]}")
        warm = Builder(real, tmp, "ours-warm", warm=True)
        warm.build()  # fills its cache
        site_t, base_t, warm_t = [], [], []
        for i in range(a.runs):
            print(f"cold builds {i + 1}/{a.runs} ...", flush=True)
            site_t.append(ours.build())
            base_t.append(base.build())
            warm_t.append(warm.build())
        # the output of the last cold builds stays for the first-load measurement
        load_ours = first_load(ours.out, a.page)
        load_base = first_load(base.out, a.page)
        stubs = other_html(ours.out, pages), other_html(base.out, base_pages)

        # ---- 3. scale (before the serve edits touch the snapshot)
        scale = None
        if not a.skip_scale:
            print(f"synthetic {a.factor}x knowledge base ...", flush=True)
            big = tmp / "big"
            shutil.copytree(real, big, symlinks=True)  # with the byte-compiled modules (copy2 keeps their mtimes valid)
            counts = synthetic_kb.write(real / "data", big / "data", a.factor)
            big_kb_t = timed(lambda: load_kb(big / "data"), max(2, a.runs))
            big_b = Builder(big, tmp, "big")
            big_t = [big_b.build() for _ in range(max(1, a.runs // 2))]
            big_pages = len(site_pages(big_b.out))
            scale = {"counts": counts, "kb": big_kb_t, "pages": big_pages, "t": big_t}

        # ---- 4. serve rebuilds, on copies (never the real files)
        print("mkdocs serve rebuilds ...", flush=True)
        serve_ours, serve_base = serve_rebuilds([real, base_dir], tmp, a.edits)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    # ===================================================================== report
    n = len(pages)
    W, C = 0, 1  # (wall, cpu) in each build result

    def col(xs, i):
        return [x[i] for x in xs]

    per = {side: (med(col(t, W)) / n, med(col(t, C)) / n) for side, t in (("ours", site_t), ("base", base_t))}
    ratio_w, ratio_c = per["ours"][W] / per["base"][W], per["ours"][C] / per["base"][C]

    def build_row(label, pages_, words_, ts, ref):
        w, c = col(ts, W), col(ts, C)
        pw, pc = med(w) / pages_, med(c) / pages_
        return (f"| {label} | {pages_} | {words_} | {med(w):.2f} ({min(w):.2f}..{max(w):.2f}) | {med(c):.2f} | "
                f"{pw * 1000:.1f} | {pc * 1000:.1f} | {pw / ref[W]:.2f}x | {pc / ref[C]:.2f}x |")
    build_rows = [
        "| site | pages | words | wall s, median (min..max) | CPU s | wall ms/page | CPU ms/page | ratio (wall) | ratio (CPU) |",
        "|------|------:|------:|--------------------------:|------:|-------------:|------------:|-------------:|------------:|",
        build_row("ours (real site)", n, words, site_t, per["base"]),
        build_row("baseline (plain Material)", len(base_pages), base_words, base_t, per["base"]),
        build_row("ours, warm cache (for reference)", n, words, warm_t, per["base"]),
    ]
    serve_rows = ["| edit | ours wall s | baseline wall s | ratio | ours built s | baseline built s | ratio | ours CPU s | baseline CPU s | ratio |",
                  "|------|------------:|----------------:|------:|-------------:|-----------------:|------:|-----------:|---------------:|------:|"]
    for kind, label in (("chapter", f"chapter `{CHAPTER}`"), ("data", f"data file `{DATA_FILE}` (a comment line)")):
        o, b = serve_ours[kind], serve_base[kind]
        cells = []
        for m in ("wall", "built", "cpu"):
            cells += [f"{med(o[m]):.2f}", f"{med(b[m]):.2f}", f"{med(o[m]) / med(b[m]):.2f}x"]
        serve_rows.append(f"| {label} | " + " | ".join(cells) + " |")
    # first load, one row per file, both sites side by side
    files: dict[str, dict] = {}
    for side, rows in (("ours", load_ours), ("base", load_base)):
        for f, why, raw, gz in rows:
            files.setdefault(f, {"why": why})[side] = (raw, gz)
    load_rows = ["| file | loaded as | ours bytes | ours gzip | baseline bytes | baseline gzip |",
                 "|------|-----------|-----------:|----------:|---------------:|--------------:|"]

    def cell(x, i):
        return f"{x[i]:,}" if x else "-"
    for f, d in files.items():
        load_rows.append(f"| `{f}` | {d['why']} | {cell(d.get('ours'), 0)} | {cell(d.get('ours'), 1)} | {cell(d.get('base'), 0)} | {cell(d.get('base'), 1)} |")
    tot = {side: (sum(r[2] for r in rows if r[1] != DEFERRED), sum(r[3] for r in rows if r[1] != DEFERRED))
           for side, rows in (("ours", load_ours), ("base", load_base))}
    no_index = {side: sum(r[3] for r in rows if not r[1].startswith("search index")) for side, rows in (("ours", load_ours), ("base", load_base))}
    later = {side: sum(r[3] for r in rows if r[1] == DEFERRED) for side, rows in (("ours", load_ours), ("base", load_base))}
    load_rows.append(f"| **total on first load** | | {tot['ours'][0]:,} | **{tot['ours'][1]:,}** | {tot['base'][0]:,} | **{tot['base'][1]:,}** |")
    load_rows.append(f"| total without any search index | | | {no_index['ours']:,} | | {no_index['base']:,} |")
    load_rows.append(f"| fetched on first search | | | {later['ours']:,} | | {later['base']:,} |")

    scale_rows, per_big = [], None
    if scale:
        c = scale["counts"]
        per_big = (med(col(scale["t"], W)) / scale["pages"], med(col(scale["t"], C)) / scale["pages"])
        scale_rows = ["| knowledge base | pages | threats | mitigations | blindspots | considerations | wall s | CPU s | wall ms/page | CPU ms/page | relative (wall) | relative (CPU) |",
                      "|----------------|------:|--------:|------------:|-----------:|---------------:|-------:|------:|-------------:|------------:|----------------:|---------------:|"]
        for label, pg, i, ts in (("data/ (normal)", n, 0, site_t), (f"synthetic {a.factor}x", scale["pages"], 1, scale["t"])):
            pw, pc = med(col(ts, W)) / pg, med(col(ts, C)) / pg
            scale_rows.append(f"| {label} | {pg} | {c['threats'][i]} | {c['mitigations'][i]} | {c['blindspots'][i]} | {c['considerations'][i]} "
                              f"| {med(col(ts, W)):.2f} | {med(col(ts, C)):.2f} | {pw * 1000:.1f} | {pc * 1000:.1f} "
                              f"| {pw / per['ours'][W]:.2f}x | {pc / per['ours'][C]:.2f}x |")
    kb_rows = ["| knowledge-base load | median ms | min..max ms | ratio |", "|---|---:|---:|---:|",
               f"| `yaml.load` of data/*.yaml (baseline) | {med(raw_t) * 1000:.1f} | {min(raw_t) * 1000:.1f}..{max(raw_t) * 1000:.1f} | 1.00x |",
               f"| `load_kb(data)` | {med(kb_t) * 1000:.1f} | {min(kb_t) * 1000:.1f}..{max(kb_t) * 1000:.1f} | {med(kb_t) / med(raw_t):.2f}x |"]
    if scale:
        kb_rows.append(f"| `load_kb` of the synthetic {a.factor}x data | {med(scale['kb']) * 1000:.1f} | "
                       f"{min(scale['kb']) * 1000:.1f}..{max(scale['kb']) * 1000:.1f} | {med(scale['kb']) / med(kb_t):.2f}x load_kb |")
    sw = {k: med(serve_ours[k]["wall"]) / med(serve_base[k]["wall"]) for k in ("chapter", "data")}
    verdict = [f"- Cold build time per page: {ratio_w:.2f}x the baseline in wall time, {ratio_c:.2f}x in CPU time (target: at most 2.5x).",
               f"- First load of /{a.page}: {tot['ours'][1] / 1000:.1f} kB gzipped (target: at most 150 kB), then "
               f"{later['ours'] / 1000:.1f} kB of search index when the reader starts to search; the baseline page: "
               f"{tot['base'][1] / 1000:.1f} kB, its index included ({no_index['base'] / 1000:.1f} kB without it).",
               f"- Serve rebuild (wall): chapter edit {sw['chapter']:.2f}x (target: at most 2x), data edit {sw['data']:.2f}x the baseline."]
    if scale:
        verdict.append(f"- Scale: the {a.factor}x knowledge base costs {per_big[W] / per['ours'][W]:.2f}x per page in wall time, "
                       f"{per_big[C] / per['ours'][C]:.2f}x in CPU time (target: within 1.3x).")
    notes = [f"Pages = HTML pages MkDocs rendered through the theme; the site also writes {stubs[0]} other HTML file(s) "
             f"(404 page, redirect stubs), the baseline {stubs[1]}. Words = words of the pages' content column in the built HTML.",
             "The warm row is not a cold build: its MAESTRO_CACHE_DIR is kept from the previous build (generated schema",
             "validators and the worked examples' secret-scan results are cached there), to show what the cache saves."]
    report = "\n".join(["Cold strict build", "", *build_rows, "", *notes, "", "mkdocs serve rebuild", "", *serve_rows, "",
                        f"First load of /{a.page} (gzip level {GZIP_LEVEL})", "", *load_rows, "",
                        *(["Scale", "", *scale_rows, ""] if scale else []), "Knowledge-base load", "", *kb_rows, "", *verdict])
    print()
    print(report)
    res = BENCH / "results"
    res.mkdir(exist_ok=True)
    (res / "latest.txt").write_text(report + "\n", encoding="utf-8")
    elapsed = time.perf_counter() - started

    if a.write:
        py = Path(sys.executable)
        py_shown = py.relative_to(ROOT).as_posix() if py.is_relative_to(ROOT) else str(py)
        cmd = f"{py_shown} bench/bench_build.py " + " ".join(shlex.quote(x) for x in (argv if argv is not None else sys.argv[1:]))
        try:
            load = "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3]) + " at the end"
        except OSError:
            load = ""
        section = "\n".join([
            START,
            "## Site build (`bench/bench_build.py`)",
            "",
            f"- Command (from the repository root): `{cmd.strip()}`",
            f"- Date: {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')} (the run took {elapsed / 60:.1f} min{', ' + load if load else ''})",
            f"- Machine: `{uname()}`",
            f"- CPU: {cpu_model()}, {os.cpu_count()} cores",
            f"- Python: {platform.python_version()} ({sys.executable})",
            "",
            "Everything runs on copies in a temporary directory (a snapshot of the repository, the baseline corpus, the synthetic",
            "knowledge base). Cold build = `mkdocs build --strict` into a fresh output directory with an empty `MAESTRO_CACHE_DIR`;",
            "byte-compiled modules are kept (a warm-up build compiles them), on both sides. The baseline is plain MkDocs Material",
            "building a generated plain-Markdown corpus with the site's pages (same URLs, nav, theme settings and search plugin)",
            "and the site's words, counted in the built HTML; see bench/README.md. CPU = user + system time of the child, shown",
            "next to wall time because the machine may be shared.",
            "",
            f"### Cold strict build (median of {a.runs} interleaved runs per side)",
            "",
            *build_rows,
            "",
            *notes,
            "",
            f"### `mkdocs serve --strict` rebuild (median of {a.edits} edits per kind and side, interleaved)",
            "",
            "wall = from writing the file to MkDocs' \"Reloading browsers\" (includes its 0.5 s polling watcher); built = MkDocs'",
            "own \"Documentation built in\"; CPU = the server process's user + system time over the wall span.",
            "",
            *serve_rows,
            "",
            f"### First load of `/{a.page}`, gzip level {GZIP_LEVEL} (bytes)",
            "",
            "The baseline column is the same page of the baseline corpus, the stand-in for the upstream playbook under plain",
            "Material (the upstream playbook's own files are not used).",
            "",
            *load_rows,
            "",
            *([f"### Scale: synthetic {a.factor}x knowledge base (`bench/synthetic_kb.py`, median of {max(1, a.runs // 2)} cold build(s))",
               "", *scale_rows, ""] if scale else []),
            f"### Knowledge-base load (in process, median of {kb_runs})",
            "",
            *kb_rows,
            "",
            "### Against the targets",
            "",
            *verdict,
            END,
        ])
        write_section(RESULTS, START, END, section)
        print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
