"""Shared fixtures: the knowledge base, one strict build of the site per session, the browser, and helpers.

Test modules do not import this file or each other: they ask for fixtures by name (``kb``, ``meta_counts``,
``site``, ``site_page``, ``maestro_cli``, ``page`` ...) and parametrise per ID with ``@pytest.mark.kb_params``
(see ``pytest_generate_tests`` below); tests/test_test_layout.py names any module that imports instead. The one
plain helper module is tests/kbedit.py (data edits that parametrisation tables are built from). ``KB``, ``DATA``
and ``ROOT`` are still imported from here by tests/test_cachedir.py, until it switches.
"""
from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import hashlib
import http.server
import io
import json
import os
import posixpath
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
REFERENCE = ROOT.parent / "shared" / "reference"
GOLDEN_READER_VIEW = ROOT / "tests" / "golden" / "reader-view.json"

# Every cache the code under test writes (kbcache, generated validators) goes to a directory of
# this test session, never to the user's ~/.cache. Set before anything loads the knowledge base;
# subprocesses inherit it (tests that pass their own env= must add the `cache_env` fixture to it).
CACHE_DIR = tempfile.mkdtemp(prefix="maestro-test-cache-")
os.environ["MAESTRO_CACHE_DIR"] = CACHE_DIR
CACHE_ENV = {"MAESTRO_CACHE_DIR": CACHE_DIR}
atexit.register(shutil.rmtree, CACHE_DIR, ignore_errors=True)

from maestro import KBError, checks, load_kb, scoring  # noqa: E402  (after MAESTRO_CACHE_DIR is set)

# tests/fixtures/ holds material the tests read (engagements, a deliberately vulnerable app with its own test file for
# the sweep to find), never tests of this project: pytest must not collect it.
collect_ignore_glob = ["fixtures/*"]


def pytest_addoption(parser):
    parser.addoption("--write-reader-view", action="store_true", default=False,
                     help="rewrite tests/golden/reader-view.json from this session's build (review its diff before committing)")


# ====================================================================== the knowledge base
class LazyKB:
    """The knowledge base of data/, loaded (and validated) on first use, once per session.

    A broken knowledge base raises KBError where a test uses it, so it fails that test;
    importing a test module or collecting its tests never loads it (see kb_params).
    """

    def __init__(self, data_dir: Path):
        self._dir, self._kb, self._error = data_dir, None, None

    def load(self):
        if self._kb is None and self._error is None:
            try:
                self._kb = load_kb(self._dir)
            except KBError as exc:
                self._error = exc
        if self._error is not None:
            raise self._error
        return self._kb

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.load(), name)


KB = LazyKB(DATA)


class KBUnavailable:
    """Stands in for the IDs of a knowledge base that does not load; the test using it fails."""

    def __init__(self, error: Exception):
        self.error = error

    def __repr__(self):
        return "knowledge-base-invalid"


def _kb_values(select, arity: int) -> list:
    try:
        return list(select(KB.load()))
    except KBError as exc:
        return [pytest.param(*[KBUnavailable(exc)] * arity, id="knowledge-base-invalid")]


def pytest_generate_tests(metafunc):
    """``@pytest.mark.kb_params("ident", lambda kb: [...])`` parametrises a test with what ``select(kb)``
    returns, like ``parametrize`` (keyword arguments such as ``ids`` are passed on). When the knowledge
    base does not load, the test gets one ``knowledge-base-invalid`` case that fails with the KBError,
    so collection goes on and every other test still runs."""
    for mark in metafunc.definition.iter_markers("kb_params"):
        argnames, select = mark.args
        names = [n.strip() for n in argnames.split(",")] if isinstance(argnames, str) else list(argnames)
        metafunc.parametrize(argnames, _kb_values(select, len(names)), **mark.kwargs)
    if "reader_page" in metafunc.fixturenames:  # tests/test_reader_view.py: one case per page of the golden file
        metafunc.parametrize("reader_page", golden_reader_pages() or [pytest.param(None, id="golden-file-missing")])


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    params = getattr(getattr(pyfuncitem, "callspec", None), "params", {})
    for value in params.values():
        if isinstance(value, KBUnavailable):
            pytest.fail(f"the knowledge base does not load:\n{value.error}", pytrace=False)


@pytest.fixture(scope="session")
def kb():
    """The validated knowledge base; if it does not load, each test using it fails with the KBError."""
    try:
        return KB.load()
    except KBError:
        return KB  # raises the KBError again inside the test body, so the test fails (not errors)


@pytest.fixture(scope="session")
def meta_counts(kb) -> dict:
    """The ``counts`` data/meta.yaml declares (the loader has checked them against the data), with totals:
    ``threats`` (every kind), ``mitigations`` (every layer and type), ``checklist_items``."""
    declared = kb.meta["counts"]
    return {**declared,
            "threats_total": sum(declared["threats"].values()),
            "mitigations_total": sum(sum(per_type) for per_type in declared["mitigations"].values()),
            "checklist_items_total": sum(declared["checklist_items"].values())}


# ====================================================================== helpers handed out as fixtures
def mkdocs(*args, cwd=ROOT, check=True):
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run([sys.executable, "-m", "mkdocs", *args], cwd=cwd, env=env, capture_output=True, text=True, check=check)


@pytest.fixture(name="mkdocs", scope="session")
def mkdocs_fixture():
    """``mkdocs(*args, cwd=ROOT, check=True)``: run MkDocs in a subprocess, output captured."""
    return mkdocs


def maestro_cli(*args, cwd=None):
    """Run the maestro CLI in-process, as `maestro ARGS` would, and return (exit code, stdout, stderr)."""
    from maestro import cli
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    try:
        os.chdir(cwd or ROOT)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main([str(a) for a in args])
    finally:
        os.chdir(here)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(name="maestro_cli", scope="session")
def maestro_cli_fixture():
    """``maestro_cli(*args, cwd=None)``: the CLI run in-process; (exit code, stdout, stderr)."""
    return maestro_cli


@pytest.fixture(scope="session")
def cache_env() -> dict:
    """Add to the ``env=`` of a subprocess so its caches go to this session's directory."""
    return dict(CACHE_ENV)


@pytest.fixture
def data(tmp_path) -> Path:
    """A throwaway copy of data/ (edit it with tests/kbedit.py)."""
    dst = tmp_path / "data"
    shutil.copytree(DATA, dst)
    return dst


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A throwaway copy of the project (config, data, docs, code) for bad-input tests."""
    dst = tmp_path / "proj"
    dst.mkdir()
    for name in ("mkdocs.yml", "CONTRIBUTING.md", "data", "docs", "maestro_site", "overrides", "maestro"):  # CONTRIBUTING.md: a snippet
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dst / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dst / name)
    return dst


class Engagement:
    """A throwaway copy of an engagement folder, with helpers to read and edit its record blocks, plant faults in it
    and check it. ``cli`` is the ``maestro_cli`` fixture, which ``check()`` runs."""

    def __init__(self, folder: Path, kb, cli=None):
        self.folder, self.kb, self.cli = folder, kb, cli

    def file(self, n) -> str:
        """The output file of phase ``n``."""
        return self.kb.phases[n]["output_file"]

    def path(self, n) -> Path:
        return self.folder / (self.file(n) if isinstance(n, int) else n)

    def text(self, n) -> str:
        return self.path(n).read_text(encoding="utf-8")

    def write(self, n, text: str):
        self.path(n).write_text(text, encoding="utf-8")

    def _block(self, n):
        text = self.text(n)
        m = re.search(r"^```yaml maestro\n(.*?)^```$", text, re.S | re.M)
        assert m, f"no record block in {self.path(n).name}"
        return text, m

    def records(self, n) -> dict:
        return yaml.safe_load(self._block(n)[1].group(1)) or {}

    def set_records(self, n, data: dict):
        text, m = self._block(n)
        body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000)
        self.write(n, text[:m.start(1)] + body + text[m.end(1):])

    def edit(self, n, fn):
        data = self.records(n)
        fn(data)
        self.set_records(n, data)

    def insert_prose(self, n, line: str):
        """Add a line of analysis just before the record block (the disclaimer stays last)."""
        text = self.text(n)
        at = text.index("```yaml maestro")
        self.write(n, text[:at] + line + "\n\n" + text[at:])

    # ---------------------------------------------------------------- what the fixture holds
    def threats(self):
        return self.records(6)["threats"]

    def mitigations(self):
        return self.records(7)["mitigations"]

    def severe(self):
        return [t for t in self.threats() if scoring.risk_level(self.kb, t["severity"], t["likelihood"]) in ("High", "Critical")]

    def snapshot(self):
        return {p.name: p.read_bytes() for p in sorted(self.folder.iterdir()) if p.is_file()}

    patched_kb = None  # a knowledge base patched in memory for one row; None: the CLI's own
    source: Path | None = None  # the source tree Phase 8 cites, passed as --source

    def check(self, target=None):
        if self.patched_kb is not None:
            findings, _ = checks.check_project(self.patched_kb, target or self.folder, self.source)
            return (1 if any(f.severity == "error" for f in findings) else 0), {"findings": [f.as_dict() for f in findings]}
        code, out, err = self.cli("check", target or self.folder, "--json", *(["--source", self.source] if self.source else []))
        assert "Traceback" not in err, err
        return code, (json.loads(out) if out.strip().startswith("{") else {"findings": [], "error": err})


@pytest.fixture
def engagement_at(kb, maestro_cli):
    """``engagement_at(folder)``: an Engagement over ``folder`` (used in place, so copy it first) that checks with the CLI."""
    return lambda folder: Engagement(Path(folder), kb, maestro_cli)


@pytest.fixture
def clinic_engagement(tmp_path, kb) -> Engagement:
    """A copy of the fixture engagement tests/fixtures/engagement/clinic-assistant (clean: no finding)."""
    dst = tmp_path / "clinic-assistant"
    shutil.copytree(ROOT / "tests" / "fixtures" / "engagement" / "clinic-assistant", dst)
    return Engagement(dst, kb)


# ====================================================================== the site, built once per session
@contextlib.contextmanager
def _file_lock(path: Path):
    """An exclusive lock on ``path`` between processes (the xdist workers of one session)."""
    with open(path, "a+b") as fh:
        if os.name == "nt":
            import msvcrt
            fh.seek(0)
            while True:
                try:
                    msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:  # LK_LOCK gives up after 10 s: keep waiting for the build
                    continue
            try:
                yield
            finally:
                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def _session_dir(tmp_path_factory) -> Path:
    """A directory shared by every process of this test session: the xdist workers' common parent."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The site, built with --strict once per test session (the first xdist worker to get here builds it
    while the others wait on a lock, then all read the same directory). A failed build fails every test
    that needs the site, in every worker, with the build's output."""
    shared = _session_dir(tmp_path_factory)
    out, result = shared / "site", shared / "site-build.json"
    with _file_lock(shared / "site-build.lock"):
        if not result.exists():
            if out.exists():
                shutil.rmtree(out)  # a build interrupted half-way
            started = time.monotonic()
            res = mkdocs("build", "--strict", "-d", str(out), check=False)
            result.write_text(json.dumps({"returncode": res.returncode, "output": res.stdout + res.stderr,
                                          "seconds": round(time.monotonic() - started, 1)}), encoding="utf-8")
        built = json.loads(result.read_text(encoding="utf-8"))
    if built["returncode"] != 0:
        pytest.fail(f"strict build failed (exit {built['returncode']}):\n{built['output']}", pytrace=False)
    return out


# ====================================================================== built pages
class Page(HTMLParser):
    """Just enough of a built page for assertions: title, h1 text, ids, links, text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.h1 = ""
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, str]] = []  # (href, title attr, text)
        self.text_parts: list[str] = []
        self.requests: list[str] = []  # src/href of scripts, styles, images, iframes
        self._stack: list[str] = []
        self._link: list | None = None
        self._in_title = self._in_h1 = self._title_done = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and ("href" in a or "xlink:href" in a):   # xlink:href: links inside diagrams
            self._link = [a.get("href") or a["xlink:href"], a.get("title") or "", ""]
        if tag == "title" and not self._title_done:   # the document's title, not a diagram's
            self._in_title = True
        if tag == "h1":
            self._in_h1 = True
        if tag in ("script", "img", "iframe", "source") and a.get("src"):
            self.requests.append(a["src"])
        if tag == "link" and a.get("rel") in ("stylesheet", "preload", "preconnect", "icon", "modulepreload") and a.get("href"):
            self.requests.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            self.links.append(tuple(x.strip() if isinstance(x, str) else x for x in self._link))
            self._link = None
        if tag == "title" and self._in_title:
            self._in_title, self._title_done = False, True
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._in_h1:
            self.h1 += data
        if self._link is not None:
            self._link[2] += data
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def hrefs(self) -> set[str]:
        return {h for h, _, _ in self.links}


def page(site: Path, url: str) -> Page:
    """Parse the built page at a root-relative URL such as /threats/T12/."""
    path = site / url.strip("/") / "index.html" if url.endswith("/") else site / url.strip("/")
    assert path.exists(), f"no page at {url}"
    return Page(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def parse_html():
    """``parse_html(text) -> Page``: title, h1, ids, links and text of an HTML document."""
    return Page


@pytest.fixture(scope="session")
def site_page(site):
    """``site_page("/threats/T12/") -> Page``: a page of the session's build, parsed."""
    return functools.partial(page, site)


# ====================================================================== what a reader gets from each page
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _ReaderView(HTMLParser):
    """A page as a reader gets it: the title, the text of the <article> (scripts and styles left out), and
    every link on the page; ``redirect`` for a page that is only a meta refresh."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title, self.text, self.hrefs = "", [], []
        self.redirect = self._in_title = False
        self._depth = self._skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "title":
            self._in_title = True
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
            self.redirect = True
        if tag == "article" or (self._depth and tag not in _VOID):
            self._depth += 1
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "a" and a.get("href") is not None:
            self.hrefs.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if tag in ("script", "style"):
            self._skip -= 1
        if self._depth and tag not in _VOID:
            self._depth -= 1

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif self._depth and not self._skip:
            self.text.append(data)


def reader_view(site: Path) -> dict:
    """``{page path: {"title", "text", "links"}}`` for every built HTML page that is not a redirect stub.
    Text is the <article>'s, whitespace-normalised; links are every <a href> on the page, resolved to a
    site path ("threats/T12", "threats/T12/index.html#layers", external URLs as they are), sorted.
    No date or other build-time value reaches a page's title, article or links (the build date is in
    sitemap.xml only), so two builds of one tree give the same view without normalising anything."""
    out = {}
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        v = _ReaderView()
        v.feed(path.read_text(encoding="utf-8"))
        text = " ".join(" ".join(v.text).split())
        if v.redirect and not text:
            continue
        here, links = posixpath.dirname(rel), set()
        for href in v.hrefs:
            if re.match(r"^[a-z]+:", href):
                links.add(href)
                continue
            target, _, fragment = href.partition("#")
            target = posixpath.normpath(posixpath.join(here, target)) if target else rel
            links.add(target + ("#" + fragment if fragment else ""))
        out[rel] = {"title": " ".join(v.title.split()), "text": text, "links": sorted(links)}
    return out


def reader_summary(view: dict) -> dict:
    """What the golden file keeps of a reader view: per page the title, the SHA-256 and word count of
    the text, and the links."""
    return {rel: {"title": p["title"], "sha256": hashlib.sha256(p["text"].encode("utf-8")).hexdigest(),
                  "words": len(p["text"].split()), "links": p["links"]} for rel, p in sorted(view.items())}


@pytest.fixture(scope="session")
def read_reader_view():
    """``read_reader_view(site_dir) -> {page: {"title", "text", "links"}}`` (see ``reader_view``)."""
    return reader_view


@pytest.fixture(scope="session")
def summarize_reader_view():
    """``summarize_reader_view(view) -> {page: {"title", "sha256", "words", "links"}}``, as the golden file holds it."""
    return reader_summary


@pytest.fixture(scope="session")
def site_reader_view(site) -> dict:
    """The reader view of the session's build, summarised as tests/golden/reader-view.json holds it."""
    return reader_summary(reader_view(site))


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


@pytest.fixture(scope="session")
def golden_reader_view(request, site_reader_view) -> dict:
    """tests/golden/reader-view.json; with --write-reader-view, first rewritten from this session's build."""
    if request.config.getoption("--write-reader-view"):
        _write_json(GOLDEN_READER_VIEW, site_reader_view)
    return json.loads(GOLDEN_READER_VIEW.read_text(encoding="utf-8"))


def golden_reader_pages() -> list[str]:
    """The pages of the golden reader view, for parametrisation at collection."""
    try:
        return sorted(json.loads(GOLDEN_READER_VIEW.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return []



# ====================================================================== the browser (Playwright with Debian's Chromium)
CHROMIUM = os.environ.get("MAESTRO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
AXE_DIR = ROOT / "node_modules" / "axe-core"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


@contextlib.contextmanager
def _serving(directory: Path, handler=_Quiet):
    """A static HTTP server for ``directory`` on 127.0.0.1 in a background thread; yields its base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def server(site):
    """The session's build served on 127.0.0.1; its base URL (no trailing slash)."""
    with _serving(site) as url:
        yield url


class _NotFoundPage(_Quiet):
    """Serves like GitHub Pages: a missing path (or a folder without index.html) gets status 404 and the body of
    the site's /404.html, at the path that was asked for."""

    def list_directory(self, path):
        self.send_error(404)
        return None

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.fixture(scope="module")
def server_404(site):
    """The session's build served on 127.0.0.1 as a static host serves it: any unknown path answers 404 with the
    body of /404.html (GitHub Pages does this). Its base URL (no trailing slash)."""
    with _serving(site, handler=_NotFoundPage) as url:
        yield url


@pytest.fixture(scope="module")
def serve_directory():
    """``serve_directory(path) -> base URL``: another directory served on 127.0.0.1 until the module's tests end."""
    with contextlib.ExitStack() as stack:
        yield lambda directory: stack.enter_context(_serving(directory))


@pytest.fixture(scope="module")
def browser():
    """Chromium through Playwright, one per test module."""
    pw_sync = pytest.importorskip("playwright.sync_api")
    assert os.path.exists(CHROMIUM), "Chromium is required for browser tests (make browser installs it)"
    with pw_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _recording(ctx):
    """A new page of ``ctx`` that records the URL of every request it makes in ``requests_seen``."""
    pg = ctx.new_page()
    pg.requests_seen = []
    pg.on("request", lambda r: pg.requests_seen.append(r.url))
    return pg


@pytest.fixture(name="page")
def browser_page(browser, server):
    """A 1280x900 Playwright page; ``page.base`` is the served site, ``page.requests_seen`` every request made."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = _recording(ctx)
    pg.base = server
    yield pg
    ctx.close()


@pytest.fixture
def scheme_page(browser):
    """``scheme_page(scheme, width=1280, height=900) -> (context, page)``: a recording page whose OS colour scheme
    is ``scheme``; every context made is closed after the test."""
    made = []

    def make(scheme, width=1280, height=900):
        ctx = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": height})
        made.append(ctx)
        return ctx, _recording(ctx)

    yield make
    for ctx in made:
        with contextlib.suppress(Exception):  # a test may have closed it already
            ctx.close()


def _assert_local(pg):
    foreign = [u for u in pg.requests_seen if urlsplit(u).hostname not in ("127.0.0.1", None) and not u.startswith("data:")]
    assert not foreign, foreign


@pytest.fixture(scope="session")
def assert_local():
    """``assert_local(page)``: fails when the page requested anything but 127.0.0.1 and data: URLs."""
    return _assert_local


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core as pinned in package.json and installed by `npm ci` (make test does it): never from a CDN."""
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["axe-core"]
    installed = AXE_DIR / "package.json"
    if not installed.exists():
        pytest.fail(f"axe-core {pinned} is not installed: run `make test`, or `npm ci` in {ROOT}", pytrace=False)
    version = json.loads(installed.read_text())["version"]
    assert version == pinned, f"node_modules has axe-core {version}, package.json pins {pinned}: run `npm ci`"
    return (AXE_DIR / "axe.min.js").read_text(encoding="utf-8")


# ====================================================================== `maestro mcp` test drivers
def mcp_env(extra: dict | None = None) -> dict:
    """The environment of a `maestro mcp` subprocess: the few variables a Python process needs, the test cache, ``extra``."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH", "SYSTEMROOT")}
    return {**keep, **CACHE_ENV, **(extra or {})}


def mcp_command(root: Path | None = None) -> list[str]:
    """`python -m maestro mcp`, with ``--root ROOT`` when a root is given."""
    return [sys.executable, "-m", "maestro", "mcp", *(["--root", str(root)] if root is not None else [])]


class McpServer:
    """A `python -m maestro mcp` subprocess and an initialized ClientSession on a loop in a background thread.

    One server serves a whole module: a background thread runs an asyncio loop that holds the session, and
    each test sends its calls to that loop (no pytest-asyncio plugin needed). ``root`` is passed as --root,
    ``env`` is added to the process's environment.
    """

    def __init__(self, root: Path | None = None, env: dict | None = None):
        self.root, self.env = root, env
        self.errlog = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.ready = threading.Event()
        self.session = self.init = self.stop = None
        self.started = time.monotonic()
        self.main = asyncio.run_coroutine_threadsafe(self._main(), self.loop)
        while not self.ready.wait(0.05):
            if self.main.done():
                self.main.result()  # raises what went wrong
                raise RuntimeError(f"the server exited before initializing; stderr:\n{self.stderr()}")
            if time.monotonic() - self.started > 30:
                raise TimeoutError(f"no initialize result within 30 s; stderr:\n{self.stderr()}")
        self.startup = time.monotonic() - self.started

    async def _main(self):
        from mcp import ClientSession, StdioServerParameters
        from mcp.client.stdio import stdio_client

        self.stop = asyncio.Event()
        command, *args = mcp_command(self.root)
        params = StdioServerParameters(command=command, args=args, cwd=str(ROOT), env={**CACHE_ENV, **(self.env or {})})
        async with stdio_client(params, errlog=self.errlog) as (read, write):
            async with ClientSession(read, write) as session:
                self.init = await session.initialize()
                self.session = session
                self.ready.set()
                await self.stop.wait()

    def run(self, coro, timeout=60):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, name: str, **arguments):
        return self.run(self.session.call_tool(name, arguments))

    def data(self, name: str, **arguments) -> dict:
        """The structured result of a tool call that must succeed; its text content is the same JSON."""
        r = self.call(name, **arguments)
        assert not r.is_error, f"{name}({arguments}) failed: {self.text(r)}"
        assert json.loads(self.text(r)) == r.structured_content
        return r.structured_content

    @staticmethod
    def text(result) -> str:
        return "".join(c.text for c in result.content if getattr(c, "type", None) == "text")

    def stderr(self) -> str:
        self.errlog.seek(0)
        return self.errlog.read()

    def close(self):
        if self.stop is not None:
            self.loop.call_soon_threadsafe(self.stop.set)
        try:
            self.main.result(30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.errlog.close()


class RawStdio:
    """`python -m maestro mcp` driven with raw bytes on stdin; its stdout read back one line at a time.

    A reader thread queues every line the server writes, so a server that stays silent fails a test with a
    timeout instead of hanging it.
    """

    def __init__(self, root: Path | None = None, env: dict | None = None):
        self.errlog = tempfile.TemporaryFile(mode="w+b")
        self.proc = subprocess.Popen(mcp_command(root), cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.errlog, env=mcp_env(env))
        self.lines: queue.Queue = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.decode("utf-8"))
        self.lines.put(None)  # end of output

    def send(self, message) -> None:
        """Write one line: ``message`` as JSON, or as it is when it is bytes (a newline is added)."""
        raw = message if isinstance(message, bytes) else json.dumps(message).encode("utf-8")
        self.proc.stdin.write(raw + b"\n")
        self.proc.stdin.flush()

    def receive_line(self, timeout: float = 30) -> str:
        """The next line the server wrote; AssertionError when none comes within ``timeout`` seconds or it has exited."""
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no answer within {timeout} s; stderr:\n{self.stderr()}") from None
        assert line is not None, f"the server closed stdout; stderr:\n{self.stderr()}"
        return line

    def receive(self, timeout: float = 30) -> dict:
        return json.loads(self.receive_line(timeout))

    def initialize(self) -> dict:
        """The initialize handshake; the server's initialize result."""
        self.send({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                   "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "test", "version": "0"}}})
        answer = self.receive()
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return answer

    def stderr(self) -> str:
        self.errlog.seek(0)
        return self.errlog.read().decode("utf-8", errors="replace")

    def close(self, timeout: float = 60) -> tuple[int, list[str]]:
        """Close stdin and wait for the server to exit: (exit code, the lines it wrote that were not read yet)."""
        self.proc.stdin.close()
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        self.reader.join(timeout)
        rest = []
        while not self.lines.empty():
            line = self.lines.get_nowait()
            if line is not None:
                rest.append(line)
        return code, rest


@pytest.fixture(scope="session")
def start_mcp():
    """``start_mcp(root=None, env=None) -> McpServer``: a `maestro mcp` subprocess with an initialized SDK client
    session; the caller closes it (``.close()``), typically in a module-scoped fixture."""
    return McpServer


@pytest.fixture(scope="session")
def start_raw_stdio():
    """``start_raw_stdio(root=None, env=None) -> RawStdio``: a `maestro mcp` subprocess driven with raw bytes."""
    return RawStdio
