"""`maestro mcp` under hostile requests: what an agent talked into asking for the wrong thing can get.

check_threat_model reads only engagement files inside the server's root folder and refuses everything else
with one fixed message; every call has time and size budgets; every line on stdin that is not a JSON-RPC
message gets a JSON-RPC error; and after each of these the server still answers. The server is driven as a
client drives it: through the SDK's client (the ``start_mcp`` fixture), and with raw bytes on stdin (``start_raw_stdio``).

The sandbox holds the root and, beside it, an ``outside`` folder with fake secrets, a valid project and a valid
threat model; after every test, nothing in the sandbox has changed.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import time
from pathlib import Path

import pytest

from maestro.mcp_server import MAX_FINDINGS, MAX_LINE_BYTES, MAX_MESSAGE_CHARS, REFUSED, TIME_BUDGET_ENV

pytest.importorskip("mcp", reason="the mcp package (requirements.txt) is not installed")

ROOT = Path(__file__).resolve().parents[1]
ENGAGEMENT = ROOT / "tests/fixtures/engagement/clinic-assistant"
EXAMPLE = ROOT / "data/examples/rag-agent.json"
SECRET = "FAKE-SECRET-q7Zx93Lk"
SECRET_YAML = f"vault_token: {SECRET}\ndb_password: correct-horse-FAKE-55\ninternal_host: build-07.corp.invalid\n"
SECRET_JSON = json.dumps({"vault_token": SECRET, "db_password": "correct-horse-FAKE-55"}, indent=1)
# a phase file whose record block would be quoted back (its key names, MC106) if it were ever read
SECRET_PHASE = "# Phase 1: Business context\n\n```yaml maestro\n" + SECRET_YAML + "```\n"
PROMPT = 5.0      # seconds within which a refusal or an error must come back
HUGE = 10 * 1024 * 1024


def fragments(text: str) -> set[str]:
    """Every line, key and value of a secret file: none of them may appear in an answer."""
    out = set()
    for line in text.splitlines():
        line = line.strip().strip(",")
        if len(line) > 3:
            out.add(line)
            out.update(part.strip(' "{}:,') for part in line.split(":") if len(part.strip(' "{}:,')) > 3)
    return out


LEAKS = fragments(SECRET_YAML) | fragments(SECRET_JSON)


# ------------------------------------------------------------------ the sandbox
def _copy_engagement(dst):
    shutil.copytree(ENGAGEMENT, dst)
    return dst


def _replace(path, how):
    """Remove the file at ``path`` and put ``how(path)`` in its place (a symlink, a FIFO)."""
    path.unlink()
    how(path)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """``root`` (the server's --root) and ``outside`` (beside it, never to be read)."""
    base = tmp_path_factory.mktemp("mcp-sandbox")
    out, root = base / "outside", base / "root"
    out.mkdir()
    root.mkdir()
    (out / "secrets.yaml").write_text(SECRET_YAML, encoding="utf-8")
    (out / "secrets.json").write_text(SECRET_JSON, encoding="utf-8")
    (out / "secrets.md").write_text(SECRET_PHASE, encoding="utf-8")
    _copy_engagement(out / "engagement")
    shutil.copy2(EXAMPLE, out / "threat-model.json")

    _copy_engagement(root / "clinic")
    for name, target in {"link-secret.yaml": "secrets.yaml", "link-secret.json": "secrets.json", "link-secret.md": "secrets.md",
                         "link-engagement": "engagement", "link-model.json": "threat-model.json", "link-outside": ".",
                         "link-dangling.md": "no-such-file.md"}.items():
        (root / name).symlink_to(out / target)
    (root / "link-zero.md").symlink_to("/dev/zero")
    _replace(_copy_engagement(root / "leaky-phase") / "01-business-context.md", lambda p: p.symlink_to(out / "secrets.md"))
    _replace(_copy_engagement(root / "leaky-state") / "state.json", lambda p: p.symlink_to(out / "engagement" / "state.json"))
    _replace(_copy_engagement(root / "leaky-export") / "threat-model.json", lambda p: p.symlink_to(out / "threat-model.json"))
    _replace(_copy_engagement(root / "fifo-phase") / "02-architecture.md", os.mkfifo)
    (root / "fifo-state").mkdir()
    os.mkfifo(root / "fifo-state" / "state.json")
    os.mkfifo(root / "fifo.md")
    os.mkfifo(root / "fifo.json")
    (root / "no-state").mkdir()
    (root / "notes.yaml").write_text(SECRET_YAML, encoding="utf-8")
    (root / "secrets.json").write_text(SECRET_JSON, encoding="utf-8")
    (root / "secrets.txt").write_text(SECRET_YAML, encoding="utf-8")
    return {"base": base, "root": root, "outside": out}


def snapshot(folder, folder_mtimes: bool = True) -> dict:
    """Every entry below ``folder``, symlinks not followed: its kind, size and mtime, and the hash of a regular
    file's content. ``folder_mtimes=False`` leaves out the mtimes of folders (for the root, where a test adds a
    file for one call and removes it again)."""
    seen = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            kind = stat.S_IFMT(st.st_mode)
            mtime = st.st_mtime_ns if folder_mtimes or kind != stat.S_IFDIR else None
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest() if kind == stat.S_IFREG else None
            seen[os.path.relpath(path, folder)] = (kind, st.st_size, mtime, digest)
    return seen


def sandbox_state(sandbox) -> tuple[dict, dict, int]:
    return snapshot(sandbox["outside"]), snapshot(sandbox["root"], folder_mtimes=False), os.lstat(sandbox["outside"]).st_mtime_ns


@pytest.fixture(autouse=True)
def nothing_changes(sandbox):
    """After each test, the outside folder is exactly as it was, and so is every file in the root: the server
    writes nothing, and reads nothing outside that could change."""
    before = sandbox_state(sandbox)
    yield
    assert sandbox_state(sandbox) == before


@pytest.fixture(scope="module")
def server(sandbox, start_mcp):
    s = start_mcp(root=sandbox["root"])
    yield s
    s.close()


@pytest.fixture(scope="module")
def refusal(server) -> str:
    """The text of the refusal, as a path that cannot exist gets it."""
    r = server.call("check_threat_model", path="there-is-nothing-here")
    assert r.is_error and server.text(r).endswith(REFUSED)
    return server.text(r)


def check(server, path: str):
    """check_threat_model(path): (result, its text, seconds taken)."""
    started = time.monotonic()
    r = server.call("check_threat_model", path=path)
    return r, server.text(r), time.monotonic() - started


def assert_refused(server, refusal, path: str):
    """``path`` gets exactly the fixed refusal, promptly, and quotes nothing of the secrets."""
    r, text, took = check(server, path)
    assert r.is_error and text == refusal, text
    assert took < PROMPT, f"{took:.1f} s"
    assert not [f for f in LEAKS if f in text]


def assert_still_answers(server):
    assert server.data("lookup_id", id="T12")["id"] == "T12"


# ------------------------------------------------------------------ confinement
@pytest.mark.parametrize("path", ["/etc/passwd", "/etc/hostname", "/dev/zero", "/", "{outside}/secrets.yaml",
                                  "{outside}/threat-model.json", "{outside}/engagement", "{base}/root/../outside/secrets.md"])
def test_an_absolute_path_outside_the_root_is_refused(server, refusal, sandbox, path):
    assert_refused(server, refusal, path.format(**sandbox))
    assert_still_answers(server)


@pytest.mark.parametrize("path", ["../../../etc/passwd", "../outside/secrets.yaml", "../outside/engagement", "./../outside",
                                  "clinic/../../outside/threat-model.json", "clinic/../../../../../../../etc/hostname", ".."])
def test_a_path_climbing_out_of_the_root_is_refused(server, refusal, path):
    assert_refused(server, refusal, path)


@pytest.mark.parametrize("path", ["link-secret.yaml", "link-secret.json", "link-secret.md", "link-engagement", "link-model.json",
                                  "link-outside/secrets.yaml", "link-outside/engagement", "link-zero.md"])
def test_a_symlink_in_the_root_pointing_outside_is_refused(server, refusal, path):
    """The targets parse as YAML or JSON, or are a valid engagement; none is read, nothing of them comes back."""
    assert_refused(server, refusal, path)


@pytest.mark.parametrize("project", ["leaky-phase", "leaky-export"])
def test_a_symlinked_file_in_a_project_pointing_outside_is_refused(server, project):
    """A phase file, and the project's threat-model.json, each a symlink to a file outside: refused, never read."""
    r, text, took = check(server, project)
    assert r.is_error and "refused" in text, text
    assert not [f for f in LEAKS if f in text] and took < PROMPT


def test_a_project_whose_state_json_points_outside_is_refused(server, refusal):
    assert_refused(server, refusal, "leaky-state")


def test_the_leak_check_would_see_a_quoted_secret(server, sandbox):
    """Control: the secret phase file, as a real phase file of a project in the root, is read and quoted back,
    so the tests above would see a leak if the server read it through a symlink."""
    project = sandbox["root"] / "control"
    _copy_engagement(project)
    try:
        (project / "01-business-context.md").write_text(SECRET_PHASE, encoding="utf-8")
        r, text, _ = check(server, "control")
        assert not r.is_error and [f for f in LEAKS if f in text], text[:2000]
    finally:
        shutil.rmtree(project)


@pytest.mark.parametrize("existing,missing", [("/etc/passwd", "/etc/no-such-file-here"),
                                              ("{outside}/secrets.yaml", "{outside}/no-such-file.yaml"),
                                              ("../outside/engagement", "../outside/no-such-project"),
                                              ("link-secret.md", "link-dangling.md"),
                                              ("/etc", "/no-such-folder-here")])
def test_an_existing_and_a_missing_path_outside_get_the_same_answer(server, sandbox, existing, missing):
    a, b = (server.call("check_threat_model", path=p.format(**sandbox)) for p in (existing, missing))
    assert a.is_error and b.is_error
    assert server.text(a) == server.text(b) and a.structured_content == b.structured_content


@pytest.mark.parametrize("path", ["notes.yaml", "secrets.json", "secrets.txt", "no-state", ".", "fifo-state"])
def test_a_file_inside_the_root_that_is_no_engagement_file_is_refused(server, refusal, path):
    """A YAML file, a JSON file that is not a threat model, any other file, a folder without state.json."""
    assert_refused(server, refusal, path)


@pytest.mark.parametrize("path", ["fifo.md", "fifo.json", "fifo-state", "fifo-phase"])
def test_a_fifo_inside_the_root_answers_promptly(server, path):
    r, text, took = check(server, path)
    assert r.is_error and took < PROMPT, (text, took)
    assert_still_answers(server)


def test_a_fifo_as_a_phase_file_is_named_as_such(server):
    """Proves the read itself (safeio) refuses the FIFO: the project is accepted, its phase file is not read."""
    _, text, _ = check(server, "fifo-phase")
    assert "FIFO" in text and "02-architecture.md" in text


def test_a_path_with_a_nul_byte_is_refused(server, refusal):
    assert_refused(server, refusal, "clinic\x00/../../outside")


def test_a_project_inside_the_root_is_still_checked(server, sandbox):
    """The refusals above are not a server that refuses everything."""
    r = server.data("check_threat_model", path="clinic")
    assert r["ok"] is True and r["path"] == os.path.realpath(sandbox["root"] / "clinic")


# ------------------------------------------------------------------ budgets
@pytest.mark.parametrize("tool,arguments", [
    ("lookup_id", {"id": "x" * HUGE}), ("search", {"query": "x" * HUGE}), ("resolve_citation", {"text": "x" * HUGE}),
    ("check_threat_model", {"path": "x" * HUGE}), ("score_risk", {"severity": "x" * HUGE, "likelihood": "Likely"}),
    ("score_risk", {"severity": "High", "likelihood": "Likely", "statuses": {"preventive": "x" * HUGE}}),
], ids=["lookup_id", "search", "resolve_citation", "check_threat_model", "score_risk", "score_risk-object"])
def test_a_10_mb_argument_gets_a_short_error(server, tool, arguments):
    started = time.monotonic()
    r = server.call(tool, **arguments)
    text = server.text(r)
    assert r.is_error and len(text) < 500 and "x" * 100 not in text, text[:500]
    assert time.monotonic() - started < PROMPT
    assert_still_answers(server)


def _many_findings(path, threats: int):
    """A threat model at ``path`` with ``threats`` threats, each mapped to T6 under a 5000-character name that is not T6's
    (several findings per threat, one of them quoting the whole name)."""
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    first = doc["threats"][0]
    doc["threats"] = [dict(first, id=f"RAG-T{n}", maps_to=[{"id": "T6", "name": "N" * 5000}]) for n in range(1, threats + 1)]
    path.write_text(json.dumps(doc), encoding="utf-8")


def test_findings_are_capped_in_number_and_length(maestro_cli, server, sandbox):
    model = sandbox["root"] / "many-findings.json"
    _many_findings(model, 40)
    try:
        r = server.data("check_threat_model", path=model.name)
        code, out, _ = maestro_cli("--json", "check", str(model))
    finally:
        model.unlink()
    every = json.loads(out)["findings"]
    assert code == 1 and len(every) > MAX_FINDINGS
    assert len(r["findings"]) == MAX_FINDINGS and r["findings_left_off"] == len(every) - MAX_FINDINGS
    assert sum(r["rules"].values()) == len(every) == r["errors"] + r["warnings"] + r["pending"]
    longest = max(len(v) for f in r["findings"] for v in f.values() if isinstance(v, str))
    assert longest == MAX_MESSAGE_CHARS and any(len(f["message"]) > MAX_MESSAGE_CHARS for f in every)


def test_a_call_over_its_time_budget_returns_an_error_and_the_server_goes_on(start_mcp, sandbox):
    """With a budget of 0.2 s, a check that takes longer comes back as an error at once; the server still answers."""
    model = sandbox["root"] / "slow.json"
    _many_findings(model, 150)
    slow = start_mcp(root=sandbox["root"], env={TIME_BUDGET_ENV: "0.2"})
    try:
        started = time.monotonic()
        r = slow.call("check_threat_model", path=model.name)
        took = time.monotonic() - started
        assert r.is_error and "time budget" in slow.text(r) and took < 0.2 + PROMPT, (slow.text(r), took)
        assert len(slow.run(slow.session.list_tools()).tools) == 7
        slow.run(slow.session.send_ping())
    finally:
        slow.close()
        model.unlink()


@pytest.mark.parametrize("env,args", [({}, ["--root", "no-such-folder"]), ({}, ["--root", "README.md"]),
                                      ({TIME_BUDGET_ENV: "soon"}, []), ({TIME_BUDGET_ENV: "0"}, [])],
                         ids=["root-missing", "root-a-file", "budget-not-a-number", "budget-zero"])
def test_the_server_refuses_to_start_on_a_bad_root_or_budget(maestro_cli, monkeypatch, env, args):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    code, out, err = maestro_cli("mcp", *args)
    lines = [l for l in err.splitlines() if "differ from the release manifest" not in l]
    assert code == 2 and out == "" and len(lines) == 1, err


# ------------------------------------------------------------------ malformed JSON-RPC over raw stdio
def _call(ident, name, arguments):
    return {"jsonrpc": "2.0", "id": ident, "method": "tools/call", "params": {"name": name, "arguments": arguments}}


LINES = {  # case: (line, expected) where expected is (JSON-RPC error code, id) or ("tool error", id)
    "not-json": (b"this is not json", (-32700, None)),
    "truncated-json": (b'{"jsonrpc": "2.0", "id": 3, "method": ', (-32700, None)),
    "nested-too-deep": (b"[" * 100_000, (-32700, None)),
    "batch": (b'[{"jsonrpc": "2.0", "id": 4, "method": "ping"}]', (-32600, None)),
    "number": (b"42", (-32600, None)),
    "string": (b'"ping"', (-32600, None)),
    "no-jsonrpc-member": ({"id": 5, "method": "ping"}, (-32600, 5)),
    "jsonrpc-1.0": ({"jsonrpc": "1.0", "id": 6, "method": "ping"}, (-32600, 6)),
    "id-null": ({"jsonrpc": "2.0", "id": None, "method": "ping"}, (-32600, None)),
    "id-boolean": ({"jsonrpc": "2.0", "id": True, "method": "ping"}, (-32600, None)),
    "unknown-method": ({"jsonrpc": "2.0", "id": 7, "method": "no/such/method"}, (-32601, 7)),
    "params-an-array": ({"jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": [1, 2]}, (-32602, 8)),
    "params-a-string": ({"jsonrpc": "2.0", "id": "nine", "method": "tools/list", "params": "x"}, (-32602, "nine")),
    "call-without-a-name": ({"jsonrpc": "2.0", "id": 10, "method": "tools/call", "params": {}}, (-32602, 10)),
    "argument-missing": (_call(11, "lookup_id", {}), ("tool error", 11)),
    "argument-of-the-wrong-type": (_call(12, "lookup_id", {"id": 5}), ("tool error", 12)),
    "argument-of-10-mb": (_call(13, "search", {"query": "x" * HUGE}), ("tool error", 13)),
    "path-outside-the-root": (_call(14, "check_threat_model", {"path": "/etc/passwd"}), ("tool error", 14)),
    "line-over-the-limit": (json.dumps({"jsonrpc": "2.0", "id": 15, "method": "ping", "pad": "y" * MAX_LINE_BYTES}).encode(),
                            (-32600, None)),
}


@pytest.fixture(scope="module")
def raw(sandbox, start_raw_stdio):
    proc = start_raw_stdio(root=sandbox["root"])
    assert proc.initialize()["result"]["serverInfo"]["name"] == "maestro"
    yield proc
    code, _ = proc.close()
    assert code == 0, proc.stderr()


@pytest.mark.parametrize("case", list(LINES))
def test_a_malformed_line_gets_a_json_rpc_error_and_the_next_request_an_answer(raw, case):
    line, (expected, ident) = LINES[case]
    raw.send(line)
    answer = raw.receive()
    assert answer["jsonrpc"] == "2.0" and answer["id"] == ident, answer
    if expected == "tool error":
        assert answer["result"]["isError"] is True, answer
        assert "x" * 100 not in json.dumps(answer) and "root:" not in json.dumps(answer)
    else:
        assert answer["error"]["code"] == expected and answer["error"]["message"], answer
    raw.send({"jsonrpc": "2.0", "id": f"after-{case}", "method": "ping"})
    assert raw.receive() == {"jsonrpc": "2.0", "id": f"after-{case}", "result": {}}


def test_a_blank_line_and_a_malformed_notification_get_no_answer(raw):
    """JSON-RPC answers no notification, not even a malformed one; a blank line is no message at all."""
    raw.send(b"")
    raw.send({"jsonrpc": "2.0", "method": "notifications/whatever", "params": 5})
    raw.send({"jsonrpc": "2.0", "id": "after-silence", "method": "ping"})
    assert raw.receive() == {"jsonrpc": "2.0", "id": "after-silence", "result": {}}


def test_nothing_reaches_stderr_but_the_manifest_warning(server):
    """Refusals, budget errors and malformed input are answers, not log noise."""
    lines = [l for l in server.stderr().splitlines() if l.strip() and "differ from the release manifest" not in l]
    assert not lines, "\n".join(lines)
