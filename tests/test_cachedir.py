"""Plain validation and the maestro cache directory (maestro/cachedir.py).

The knowledge base is validated by one loader on every load (kb.load_kb): nothing of it is cached on disk, and no
generated code runs in the validation path. The cache directory keeps only derived files that are safe to delete
(secret-scan results, compiled report templates), and is read back only from files this user alone can write.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from maestro import KBError, jsonschema_check as validation, kb as kbmod, cachedir, load_kb, schemas

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("MAESTRO_CACHE_DIR", str(d))
    return d


def test_every_load_validates_and_keeps_line_positions(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for f in DATA.glob("*.yaml"):
        (data / f.name).write_bytes(f.read_bytes())
    assert isinstance(load_kb(data).docs["threats"], kbmod.yamlio.LDict)
    meta = data / "meta.yaml"
    meta.write_text(re.sub(r"(?m)^version: .*$", "version: [not, a, version]", meta.read_text(encoding="utf-8"), count=1),
                    encoding="utf-8")
    with pytest.raises(KBError) as exc:
        load_kb(data)  # the same content loaded a moment ago is no excuse to skip validation
    assert any(p.file == "data/meta.yaml" for p in exc.value.problems), exc.value.problems


def test_a_command_writes_no_knowledge_base_and_no_code_to_the_cache(tmp_path):
    env = dict(os.environ, MAESTRO_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    env.pop("MAESTRO_DATA", None)
    code = ("import sys; from maestro import cli; cli.main(['score', '--severity', 'High', '--likelihood', 'Likely']); "
            "print(sorted(m for m in ('fastjsonschema', 'marshal_cache') if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "[]"
    written = sorted(p.name for p in (tmp_path / "cache").glob("*")) if (tmp_path / "cache").exists() else []
    assert not [n for n in written if n.startswith(("kb-", "fjs_"))], written


@pytest.mark.parametrize("module", ["jsonschema_check.py", "cachedir.py", "kb.py"])
def test_no_generated_code_runs_in_the_validation_path(module):
    source = (ROOT / "maestro" / module).read_text(encoding="utf-8")
    for word in ("marshal", "exec(", "compile(", "fastjsonschema", "pickle"):
        assert word not in source, f"maestro/{module} holds {word!r}"


@pytest.mark.parametrize("name", sorted(schemas.DATA))
def test_is_valid_agrees_with_schema_errors(kb, name):
    doc = kb.docs[name]
    schema = schemas.DATA[name]
    assert validation.is_valid(doc, schema) and validation.schema_errors(doc, schema) == []
    broken = dict(doc, unexpected_key_for_the_test=1)
    strict = jsonschema.Draft202012Validator(schema).is_valid(broken)
    assert validation.is_valid(broken, schema) == strict == (validation.schema_errors(broken, schema) == [])


def test_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MAESTRO_CACHE_DIR", str(tmp_path / "m"))
    assert cachedir.cache_dir() == tmp_path / "m"
    monkeypatch.delenv("MAESTRO_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cachedir.cache_dir() == tmp_path / "x" / "maestro"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cachedir.cache_dir() == tmp_path / "home" / ".cache" / "maestro"


def test_private_files_are_read_back_only_when_trusted(cache):
    assert cachedir.write_private("jinja-test.code", b"compiled")
    assert cachedir.read_trusted("jinja-test.code") == b"compiled"
    (cache / "jinja-test.code").chmod(0o666)  # writable by others: someone else could have planted it
    assert cachedir.read_trusted("jinja-test.code") is None
    assert cachedir.read_trusted("absent.code") is None


def test_a_link_in_the_cache_is_not_trusted(cache, tmp_path):
    cachedir.write_private("real.code", b"x")
    (cache / "link.code").symlink_to(cache / "real.code")
    assert cachedir.read_trusted("link.code") is None


def test_pruning_keeps_the_newest_files(cache, monkeypatch):
    monkeypatch.setattr(cachedir, "MAX_KEPT", 3)
    for i in range(5):
        assert cachedir.write_private(f"jinja-{i}.code", b"x", prune="jinja-*")
        os.utime(cache / f"jinja-{i}.code", (1000 + i, 1000 + i))
    cachedir.write_private("jinja-last.code", b"x", prune="jinja-*")
    assert len(list(cache.glob("jinja-*"))) == 3 and (cache / "jinja-last.code").exists()


def test_an_unwritable_cache_directory_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("MAESTRO_CACHE_DIR", str(blocker / "cache"))
    assert cachedir.write_private("x.code", b"x") is False
