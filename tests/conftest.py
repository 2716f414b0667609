"""Shared fixtures: the knowledge base, a strict build of the site, and helpers."""
from __future__ import annotations

import asyncio
import atexit
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
REFERENCE = ROOT.parent / "shared" / "reference"
sys.path.insert(0, str(ROOT))

# Every cache the code under test writes (kbcache, generated validators) goes to a directory of
# this test session, never to the user's ~/.cache. Set before anything loads the knowledge base;
# subprocesses inherit it (tests that pass their own env= must copy CACHE_ENV into it).
CACHE_DIR = tempfile.mkdtemp(prefix="maestro-test-cache-")
os.environ["MAESTRO_CACHE_DIR"] = CACHE_DIR
CACHE_ENV = {"MAESTRO_CACHE_DIR": CACHE_DIR}
atexit.register(shutil.rmtree, CACHE_DIR, ignore_errors=True)

from maestro import KBError, load_kb  # noqa: E402

# tests/fixtures/ holds material the tests read (engagements, a deliberately vulnerable app with its own test file for
# the sweep to find), never tests of this project: pytest must not collect it.
collect_ignore_glob = ["fixtures/*"]


class LazyKB:
    """The knowledge base of data/, loaded (and validated) on first use, once per session.

    A broken knowledge base raises KBError where a test uses it, so it fails that test;
    importing a test module or collecting its tests never loads it (see kb_ids).
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


KB = LazyKB(DATA)  # `from conftest import KB` keeps working; prefer the `kb` fixture in new tests


class KBUnavailable:
    """Stands in for the IDs of a knowledge base that does not load; the test using it fails."""

    def __init__(self, error: Exception):
        self.error = error

    def __repr__(self):
        return "knowledge-base-invalid"


def kb_ids(select, arity: int = 1) -> list:
    """``select(kb)`` as a list for parametrisation at collection, or, when the knowledge base
    does not load, one parameter (of ``arity`` values) that fails its test with the KBError,
    so collection goes on and every other test still runs."""
    try:
        return list(select(KB.load()))
    except KBError as exc:
        return [pytest.param(*[KBUnavailable(exc)] * arity, id="knowledge-base-invalid")]


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    params = getattr(getattr(pyfuncitem, "callspec", None), "params", {})
    for value in params.values():
        if isinstance(value, KBUnavailable):
            pytest.fail(f"the knowledge base does not load:\n{value.error}", pytrace=False)


def mkdocs(*args, cwd=ROOT, check=True):
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run([sys.executable, "-m", "mkdocs", *args], cwd=cwd, env=env, capture_output=True, text=True, check=check)


@pytest.fixture(scope="session")
def kb():
    """The validated knowledge base; if it does not load, each test using it fails with the KBError."""
    try:
        return KB.load()
    except KBError:
        return KB  # raises the KBError again inside the test body, so the test fails (not errors)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The site, built once per test session with --strict into a temporary directory."""
    out = tmp_path_factory.mktemp("site")
    res = mkdocs("build", "--strict", "-d", str(out), check=False)
    assert res.returncode == 0, f"strict build failed:\n{res.stdout}\n{res.stderr}"
    return out


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


def maestro_cli(*args, cwd=None):
    """Run the maestro CLI in-process, as `maestro ARGS` would, and return (exit code, stdout, stderr)."""
    import contextlib
    import io
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


# ------------------------------------------------------------------ `maestro mcp` test drivers
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
