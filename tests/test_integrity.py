"""`maestro verify` and the release-manifest warning (maestro/integrity.py).

The CLI runs in-process (cli.main) against a temporary copy of the checkout: cli.ROOT is pointed
at the copy, whose manifest.json is written fresh, so the real checkout's state does not matter.
"""
from __future__ import annotations

import functools
import hashlib
import http.server
import json
import shutil
import threading
from pathlib import Path

import pytest

from maestro import cli, integrity

ROOT = Path(__file__).resolve().parents[1]
SCORE = ["score", "--severity", "High", "--likelihood", "Likely"]


@pytest.fixture
def checkout(kb, tmp_path, monkeypatch) -> Path:
    """A copy of the covered files with a fresh manifest.json; the CLI treats it as its root."""
    root = tmp_path / "checkout"
    root.mkdir()
    shutil.copytree(ROOT / "data", root / "data")
    shutil.copytree(ROOT / "maestro", root / "maestro", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("AGENTS.md", "CLAUDE.md"):
        shutil.copy2(ROOT / name, root / name)
    (root / "manifest.json").write_text(integrity.manifest_text(integrity.manifest(root, kb.version)))
    monkeypatch.setattr(cli, "ROOT", root)
    monkeypatch.delenv("MAESTRO_DATA", raising=False)
    return root


def verify(capsys, *args):
    code = cli.main(["verify", "--json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


# ------------------------------------------------------------------ coverage
def test_covered_files():
    files = integrity.covered_files(ROOT)
    assert files == sorted(files)
    for want in ("AGENTS.md", "CLAUDE.md", "data/threats.yaml", "data/meta.yaml", "data/examples/rag-agent.json",
                 "data/examples/devops-deployment.json", "maestro/engagement.py", "maestro/kb.py", "maestro/integrity.py"):
        assert want in files
    assert not [f for f in files if "__pycache__" in f or f.endswith(".pyc")]
    assert not [f for f in files if f.startswith(("docs/", "maestro_site/", "tests/"))]
    assert set(integrity.digest(ROOT)) == set(files)
    d = integrity.digest(ROOT)
    assert d["AGENTS.md"] == hashlib.sha256((ROOT / "AGENTS.md").read_bytes()).hexdigest()


def test_manifest_format(kb, checkout):
    doc = json.loads((checkout / "manifest.json").read_text())
    assert set(doc) == {"version", "algorithm", "files"}
    assert doc["version"] == kb.version and doc["algorithm"] == "sha256"
    assert list(doc["files"]) == integrity.covered_files(checkout)
    assert integrity.compare(doc, checkout) == ([], [], [])


def test_clean_checkout_verifies(checkout, capsys):
    code, doc, err = verify(capsys)
    assert code == 0 and doc["ok"] and doc["changed"] == doc["missing"] == doc["extra"] == []
    assert err == ""


# ------------------------------------------------------------------ changed, missing, extra
@pytest.mark.parametrize("rel", ["data/threats.yaml", "data/examples/rag-agent.json", "AGENTS.md", "CLAUDE.md", "maestro/engagement.py"])
def test_changed_file_is_named(checkout, capsys, rel):
    p = checkout / rel
    p.write_bytes(p.read_bytes() + b"\n")
    code, doc, _ = verify(capsys)
    assert code == 1 and not doc["ok"]
    assert doc["changed"] == [rel] and doc["missing"] == [] and doc["extra"] == []


@pytest.mark.parametrize("rel", ["data/glossary.yaml", "data/examples/devops-deployment.json", "CLAUDE.md", "maestro/scoring.py"])
def test_missing_file_is_named(checkout, capsys, rel):
    (checkout / rel).unlink()
    code, doc, _ = verify(capsys)
    assert code == 1 and doc["missing"] == [rel] and doc["changed"] == [] and doc["extra"] == []


@pytest.mark.parametrize("rel", ["data/extra.yaml", "data/examples/evil.json", "data/sub/dir/notes.txt", "maestro/backdoor.py",
                                 "maestro/sub/hook.py"])
def test_extra_file_is_named(checkout, capsys, rel):
    p = checkout / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text("x: 1\n")
    code, doc, _ = verify(capsys)
    assert code == 1 and doc["extra"] == [rel] and doc["changed"] == [] and doc["missing"] == []


def test_all_three_named_in_text_output(checkout, capsys):
    (checkout / "data" / "glossary.yaml").write_text((checkout / "data" / "glossary.yaml").read_text() + "\n# edited\n")
    (checkout / "AGENTS.md").unlink()
    (checkout / "maestro" / "extra.py").write_text("")
    assert cli.main(["verify"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("MODIFIED")
    assert "changed: data/glossary.yaml" in out and "missing: AGENTS.md" in out and "extra:   maestro/extra.py" in out


def test_ignores_bytecode(checkout, capsys):
    cache = checkout / "maestro" / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "kb.cpython-311.pyc").write_bytes(b"\0")
    (checkout / "maestro" / "stray.pyc").write_bytes(b"\0")
    code, doc, _ = verify(capsys)
    assert code == 0, doc


# ------------------------------------------------------------------ corrupt manifests
@pytest.mark.parametrize("text, why", [
    ("not json at all", "not JSON"),
    ("", "not JSON"),
    ('{"version": "1"', "not JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"version": "1", "algorithm": "sha256"}', 'no "files" object'),
    ('{"files": ["data/meta.yaml"]}', '"files" is a list'),
    ('{"files": {"data/meta.yaml": "abc"}}', "not 64 lowercase hex digits"),
    ('{"files": {"data/meta.yaml": 12}}', "not 64 lowercase hex digits"),
    ('{"files": {"data/meta.yaml": "' + "g" * 64 + '"}}', "not 64 lowercase hex digits"),
    ('{"files": {"../etc/passwd": "' + "0" * 64 + '"}}', "not a relative path"),
    ('{"algorithm": "md5", "files": {}}', "unsupported algorithm"),
])
def test_corrupt_manifest_exits_2_with_message(checkout, capsys, text, why):
    bad = checkout / "bad-manifest.json"
    bad.write_text(text)
    code = cli.main(["verify", "--manifest", str(bad)])
    out, err = capsys.readouterr()
    assert code == 2
    assert f"manifest {bad} is corrupt: " in err and why in err
    assert "Traceback" not in err and out == ""
    code = cli.main(["verify", "--json", "--manifest", str(bad)])
    out, err = capsys.readouterr()
    assert code == 2 and json.loads(out)["ok"] is False and "is corrupt" in json.loads(out)["error"]


def test_committed_manifest_corrupt(checkout, capsys):
    (checkout / "manifest.json").write_bytes(b"\xff\xfe garbage")
    assert cli.main(["verify"]) == 2
    err = capsys.readouterr().err
    assert f"manifest {checkout / 'manifest.json'} is corrupt: not UTF-8" in err


def test_unreadable_manifest_exits_2(checkout, capsys):
    assert cli.main(["verify", "--manifest", str(checkout / "nope.json")]) == 2
    assert "cannot read manifest" in capsys.readouterr().err


@pytest.fixture
def served(tmp_path):
    """Serve tmp_path/www over HTTP on localhost; yields (folder, base URL)."""
    www = tmp_path / "www"
    www.mkdir()
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(www)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield www, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


def test_manifest_url(checkout, capsys, served):
    www, base = served
    (www / "manifest.json").write_text((checkout / "manifest.json").read_text())
    (www / "corrupt.json").write_text('{"files": 3}')
    code, doc, _ = verify(capsys, "--manifest", f"{base}/manifest.json")
    assert code == 0 and doc["ok"] and doc["manifest"] == f"{base}/manifest.json"
    assert cli.main(["verify", "--manifest", f"{base}/corrupt.json"]) == 2
    assert f"manifest {base}/corrupt.json is corrupt: " in capsys.readouterr().err
    assert cli.main(["verify", "--manifest", f"{base}/absent.json"]) == 2
    assert "cannot read manifest" in capsys.readouterr().err


# ------------------------------------------------------------------ the warning on other commands
WARNING = "maestro: warning: {} file(s) differ from the release manifest; run `maestro verify`"


def test_no_warning_when_clean(checkout, capsys):
    assert cli.main(SCORE) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("rel", ["AGENTS.md", "data/examples/rag-agent.json", "maestro/scoring.py", "data/scoring.yaml"])
def test_warning_when_a_covered_file_changed(checkout, capsys, rel):
    p = checkout / rel
    p.write_bytes(p.read_bytes() + b"\n")
    assert cli.main(SCORE + ["--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["level"]  # stdout stays valid JSON
    assert err.splitlines() == [WARNING.format(1)]
    assert cli.main(SCORE) == 0
    out, err = capsys.readouterr()
    assert out.startswith("Risk level:") and err.splitlines() == [WARNING.format(1)]


def test_warning_counts_every_difference(checkout, capsys):
    (checkout / "CLAUDE.md").unlink()
    (checkout / "data" / "examples" / "new.json").write_text("{}")
    (checkout / "AGENTS.md").write_text("do something else\n")
    cli.main(SCORE)
    assert capsys.readouterr().err.splitlines() == [WARNING.format(3)]


def test_warning_when_manifest_missing_or_corrupt(checkout, capsys):
    (checkout / "manifest.json").write_text("{}")
    cli.main(SCORE)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "release manifest" in err[0] and "corrupt" in err[0] and "maestro verify" in err[0]
    (checkout / "manifest.json").unlink()
    cli.main(SCORE)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "cannot read the release manifest" in err[0]


def test_verify_and_manifest_do_not_warn(checkout, capsys):
    (checkout / "AGENTS.md").write_text("changed\n")
    cli.main(["verify"])
    assert "warning" not in capsys.readouterr().err
    assert cli.main(["manifest"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and json.loads(out)["files"]["AGENTS.md"] == hashlib.sha256(b"changed\n").hexdigest()


def test_manifest_write_refreshes(checkout, capsys):
    (checkout / "AGENTS.md").write_text("changed\n")
    assert cli.main(["manifest", "--write"]) == 0
    capsys.readouterr()
    assert cli.main(["verify"]) == 0
    cli.main(SCORE)
    assert capsys.readouterr().err == ""
    assert not list(checkout.glob(".manifest.json.*"))
