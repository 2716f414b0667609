"""The validated-knowledge-base cache (maestro/kbcache.py) and the fast validity check.

Every test points MAESTRO_CACHE_DIR at its own tmp path (conftest also sets a session-wide one).
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conftest import DATA, KB, ROOT
from maestro import KBError, engagement, integrity, jsonschema_check as validation, kb as kbmod, kbcache, load_kb, schemas


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("MAESTRO_CACHE_DIR", str(d))
    return d


@pytest.fixture
def data_copy(tmp_path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(DATA, d)
    return d


def kb_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("kb-*.json"))


def entry_of(f: Path) -> tuple[dict, dict]:
    """(header, documents) of a cache file: a JSON header line, then the documents as JSON."""
    head, _, body = f.read_bytes().partition(b"\n")
    return json.loads(head), json.loads(body)


def content(kb) -> dict:
    """Everything a KB holds, as plain data (LDict/LList compare equal to dict/list)."""
    return {k: v for k, v in vars(kb.load() if hasattr(kb, "load") else kb).items()}  # conftest.KB is a lazy proxy


def no_validation(monkeypatch):
    """Make any validation fail loudly: a cache hit must not run any."""
    def boom(*a, **k):
        raise AssertionError("validation ran on a cache hit")
    monkeypatch.setattr(kbmod, "_cross_check", boom)
    monkeypatch.setattr(validation, "schema_errors", boom)
    monkeypatch.setattr(kbmod.yamlio, "load", boom)


# ------------------------------------------------------------------ hits and misses
def test_hit_equals_fresh_load(cache, monkeypatch):
    first = load_kb(DATA, cache=True)  # miss: validated, then written
    assert content(first) == content(KB)
    assert len(kb_files(cache)) == 1
    no_validation(monkeypatch)
    hit = load_kb(DATA, cache=True)
    assert content(hit) == content(KB)
    assert hit.version == KB.version and hit.fingerprint == KB.fingerprint
    assert hit.threat_mitigations == KB.threat_mitigations and hit.all_ids() == KB.all_ids()
    assert not isinstance(hit.docs["threats"], kbmod.yamlio.LDict)  # plain JSON documents


def test_hit_imports_no_jsonschema(cache):
    code = ("import sys; from maestro import load_kb; load_kb(sys.argv[1], cache=True); "
            "print(sorted(m for m in ('jsonschema', 'fastjsonschema', 'yaml.constructor') if m in sys.modules))")
    env = dict(os.environ, MAESTRO_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-c", code, str(DATA)], env=env, check=True, capture_output=True)  # warm
    res = subprocess.run([sys.executable, "-c", code, str(DATA)], env=env, check=True, capture_output=True, text=True)
    assert "jsonschema" not in res.stdout, res.stdout


@pytest.mark.parametrize("garbage", [b"", b"not json", b"{\"format\": 1", b"\x80\x04\x95 pickle-like bytes", b"[1, 2]",
                                     b'{"format": 1, "key": "0", "fingerprint": "x", "docs": {}}', b"\xff\xfe\x00"])
def test_corrupt_cache_falls_back_to_full_load(cache, monkeypatch, garbage):
    load_kb(DATA, cache=True)
    (f,) = kb_files(cache)
    f.write_bytes(garbage)
    calls = []
    real = kbmod._cross_check
    monkeypatch.setattr(kbmod, "_cross_check", lambda *a: (calls.append(1), real(*a))[1])
    again = load_kb(DATA, cache=True)
    assert calls, "a corrupt cache must lead to a full validation"
    assert content(again) == content(KB)
    assert entry_of(f)[0]["key"] == kbcache.key(DATA)  # rewritten


def test_damaged_body_is_detected(cache):
    """A change inside the documents that keeps them valid JSON is caught by the digest."""
    load_kb(DATA, cache=True)
    (f,) = kb_files(cache)
    raw = f.read_bytes()
    name = KB.threats["T1"]["name"].encode()
    assert name in raw
    f.write_bytes(raw.replace(name, name[:-1] + b"X", 1))
    assert kbcache.read(DATA, kbcache.key(DATA)) is None
    assert load_kb(DATA, cache=True).threats["T1"]["name"] == KB.threats["T1"]["name"]


def test_wrong_docs_under_right_key_are_rejected(cache):
    """A cache entry whose documents do not have the expected files is ignored."""
    load_kb(DATA, cache=True)
    (f,) = kb_files(cache)
    head, docs = entry_of(f)
    del docs["threats"]
    body = json.dumps(docs).encode()
    f.write_bytes(json.dumps(dict(head, sha256=hashlib.sha256(body).hexdigest())).encode() + b"\n" + body)
    assert kbcache.read(DATA, kbcache.key(DATA)) is None
    assert content(load_kb(DATA, cache=True)) == content(KB)


def test_changed_data_file_is_revalidated(cache, data_copy):
    good = load_kb(data_copy, cache=True)
    assert kb_files(cache)
    # an invalid edit raises even though a cache of the previous good state exists
    p = data_copy / "mitigations.yaml"
    text = p.read_text()
    p.write_text(text.replace("- id: L3-D3\n", "- id: L3-D2\n", 1))
    with pytest.raises(KBError) as exc:
        load_kb(data_copy, cache=True)
    assert "[L3-D2] duplicate ID" in str(exc.value)
    # a valid edit is picked up, not served from the old entry
    p.write_text(text)
    t = data_copy / "threats.yaml"
    t.write_text(t.read_text() + "\n# a comment changes the bytes\n")
    again = load_kb(data_copy, cache=True)
    assert content(again) == content(good) | {"fingerprint": again.fingerprint} and again.fingerprint != good.fingerprint


def test_missing_data_file_is_not_served_from_cache(cache, data_copy):
    load_kb(data_copy, cache=True)
    (data_copy / "glossary.yaml").unlink()
    with pytest.raises(KBError, match="glossary.yaml.*file missing"):
        load_kb(data_copy, cache=True)


def test_key_covers_code_and_python(monkeypatch):
    d = integrity.digest(ROOT)
    base = kbcache.key(DATA, d)
    assert base == kbcache.key(DATA)  # digests from integrity and from the files agree
    assert kbcache.key(DATA, dict(d, **{"maestro/schemas.py": "0" * 64})) != base
    assert kbcache.key(DATA, dict(d, **{"data/threats.yaml": "0" * 64})) != base
    monkeypatch.setattr(sys, "version", sys.version + " (other build)")
    assert kbcache.key(DATA, d) != base


def test_primed_digests_are_used_once(cache, data_copy):
    root = data_copy.parent
    digests = {"data/threats.yaml": "0" * 64}
    kbcache.prime(ROOT, data_copy, digests)
    assert kbcache._take_primed(data_copy.resolve()) is digests
    assert kbcache._take_primed(data_copy.resolve()) is None
    kbcache.prime(root, data_copy, digests)  # another root's maestro/: not this package, not used
    assert kbcache._take_primed(data_copy.resolve()) is None


# ------------------------------------------------------------------ writing
def test_written_atomically_as_json_never_pickle(cache, monkeypatch):
    replaced = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: (replaced.append((Path(src), Path(dst))), real_replace(src, dst))[1])
    load_kb(DATA, cache=True)
    (f,) = kb_files(cache)
    kb_writes = [(s, d) for s, d in replaced if d.name.startswith("kb-")]
    assert [(s.parent, d) for s, d in kb_writes] == [(cache, f)]  # temp file in the same directory, then os.replace
    assert kb_writes[0][0] != f and not kb_writes[0][0].exists()
    raw = f.read_bytes()
    assert raw[:1] == b"{" and not raw.startswith(b"\x80")  # JSON text, not a pickle stream
    head, docs = entry_of(f)
    assert head["format"] == kbcache.FORMAT and head["key"] == kbcache.key(DATA) and list(docs) == kbmod.FILES
    assert head["sha256"] == hashlib.sha256(raw.partition(b"\n")[2]).hexdigest()
    assert "import pickle" not in Path(kbcache.__file__).read_text()
    assert [p.name for p in cache.iterdir() if p.name.endswith(".tmp")] == []


def test_failed_write_keeps_old_file_and_leaves_no_temp(cache, data_copy, monkeypatch):
    load_kb(data_copy, cache=True)
    (f,) = kb_files(cache)
    before = f.read_bytes()
    t = data_copy / "threats.yaml"
    t.write_text(t.read_text() + "\n# changed\n")

    def fail(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", fail)
    assert load_kb(data_copy, cache=True).version  # still loads
    assert f.read_bytes() == before
    assert [p.name for p in cache.iterdir() if p.name.endswith(".tmp")] == []


def test_unwritable_cache_dir_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("MAESTRO_CACHE_DIR", str(blocker / "cache"))
    assert content(load_kb(DATA, cache=True)) == content(KB)
    assert content(load_kb(DATA, cache=True)) == content(KB)


def test_cache_dir_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("MAESTRO_CACHE_DIR", str(tmp_path / "m"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert kbcache.cache_dir() == tmp_path / "m"
    monkeypatch.delenv("MAESTRO_CACHE_DIR")
    assert kbcache.cache_dir() == tmp_path / "x" / "maestro"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert kbcache.cache_dir() == tmp_path / "home" / ".cache" / "maestro"


def test_site_build_path_stays_fully_validating():
    """load_kb without cache=True (the site build, the tests) keeps line positions."""
    assert isinstance(KB.docs["threats"], kbmod.yamlio.LDict)
    from maestro_site import site
    assert "cache=True" not in Path(site.__file__).read_text()


# ------------------------------------------------------------------ generated validators
def test_generated_code_cached_and_trusted_only(cache, monkeypatch):
    schema = schemas.DATA["scoring"]
    doc = KB.docs["scoring"]
    monkeypatch.setattr(validation, "_VALIDATORS", {})
    assert validation.is_valid(doc, schema)
    (code,) = sorted(cache.glob("fjs_*.code"))
    assert code.stat().st_mode & 0o077 == 0
    # a cached code file writable by others is not run; it is regenerated in memory instead
    monkeypatch.setattr(validation, "_VALIDATORS", {})
    code.chmod(0o666)
    ran = []
    monkeypatch.setattr(kbcache, "_run", lambda c, real=kbcache._run: (ran.append(c), real(c))[1])
    assert kbcache.load_code(code.name.split(".")[0]) is None
    assert validation.is_valid(doc, schema)
    # a damaged one is regenerated
    monkeypatch.setattr(validation, "_VALIDATORS", {})
    code.write_bytes(b"garbage")
    code.chmod(0o600)
    assert validation.is_valid(doc, schema)
    assert kbcache.load_code(code.name.split(".")[0]) is not None


def _mutations(doc, rng, n):
    """n copies of doc, each with one random edit somewhere inside."""
    values = [None, True, False, 0, 1, 1.0, -1, 2.5, "", "x", "T999", "L3-P1", [], [1], {}, {"id": "X"}, "Critical", "High"]
    paths = []

    def walk(node, path):
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, path + (i,))
    walk(doc, ())
    for _ in range(n):
        d = copy.deepcopy(doc)
        path = rng.choice(paths)
        parent = d
        for step in path[:-1]:
            parent = parent[step]
        op = rng.randrange(4)
        if not path:
            d[f"unknown_{rng.randrange(3)}"] = rng.choice(values)
        elif op == 0:
            parent[path[-1]] = rng.choice(values)
        elif op == 1:
            del parent[path[-1]]
        elif op == 2 and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        elif isinstance(parent, dict):
            parent[rng.choice(["extra", "id", "name", "type", "status"])] = rng.choice(values)
        else:
            parent.insert(0, rng.choice(values))
        yield d


def _example_state(tmp_path):
    from maestro import cli
    assert cli.main(["new", "fuzz", "--dir", str(tmp_path), "--depth", "full", "--prefix", "FZ"]) == 0
    return json.loads((tmp_path / "fuzz" / "state.json").read_text())


@pytest.mark.parametrize("which", ["threat-model", "state", "scoring", "mapping", "depth", "meta", "decisions"])
def test_fast_check_never_accepts_what_jsonschema_rejects(which, tmp_path, capsys):
    """Differential check on random one-edit mutations: fastjsonschema's "valid" implies jsonschema's."""
    if which == "threat-model":
        schema, doc = engagement.threat_model_schema(KB), json.loads((DATA / "examples" / "rag-agent.json").read_text())
        n = 40
    elif which == "state":
        schema, doc, n = engagement.state_schema(KB), _example_state(tmp_path), 150
    else:
        schema, doc, n = schemas.DATA[which], json.loads(json.dumps(KB.docs[which])), 150
    assert validation.fast_supported(schema)
    fast = validation._fast_validator(schema)
    assert fast is not None
    strict = jsonschema.Draft202012Validator(schema)
    rng = random.Random(f"maestro-{which}")
    base_ok = strict.is_valid(doc)
    assert validation.is_valid(doc, schema) == base_ok
    seen = {True: 0, False: 0}
    for d in _mutations(doc, rng, n):
        before = copy.deepcopy(d)
        try:
            fast(d)
            fast_ok = True
        except Exception:  # noqa: BLE001
            fast_ok = False
        assert d == before, "the generated validator changed the document"
        truth = strict.is_valid(d)
        assert not (fast_ok and not truth), f"fast check accepted an invalid document ({which})"
        assert validation.is_valid(d, schema) == truth
        seen[truth] += 1
    assert seen[False] and (seen[True] or not base_ok)  # both verdicts exercised


@pytest.mark.parametrize("schema", [
    {"type": "object", "properties": {"a": {"$ref": "#/$defs/x"}}, "$defs": {"x": {"type": "string"}}},
    {"type": "array", "prefixItems": [{"type": "string"}]},
    {"type": "array", "items": [{"type": "string"}]},
    {"enum": [[1], [2]]},
    {"type": "object", "patternProperties": {"^a$": {"type": "string"}}, "additionalProperties": {"type": "integer"}},
    {"type": "object", "unevaluatedProperties": False},
    {"type": "integer", "multipleOf": 2},
    {"type": "string", "format": "date"},
    {"type": "object", "patternProperties": {"^a$": {"type": "string"}}},
])
def test_unsupported_keywords_use_jsonschema(schema):
    assert not validation.fast_supported(schema)
    assert validation._fast_validator(schema) is None


def test_default_is_never_filled_in():
    schema = {"type": "object", "properties": {"a": {"type": "string", "default": "x"}}}
    doc = {}
    assert validation.is_valid(doc, schema) and doc == {}


def test_bool_is_not_a_number_for_the_fast_check():
    assert not validation.is_valid({"n": True}, {"type": "object", "properties": {"n": {"enum": [1, 2]}}})
    assert not validation.is_valid({"n": 1}, {"type": "object", "properties": {"n": {"const": True}}})
    assert validation.is_valid({"n": 1.0}, {"type": "object", "properties": {"n": {"type": "integer"}}})


def test_generated_validators_are_pruned(cache, monkeypatch):
    monkeypatch.setattr(kbcache, "MAX_GENERATED", 3)
    for i in range(6):
        kbcache.store_code(f"fjs_test{i}", "validate = lambda data: None\n")
        os.utime(next(cache.glob(f"fjs_test{i}.*")), (1000 + i, 1000 + i))
    kbcache.store_code("fjs_last", "validate = lambda data: None\n")
    names = sorted(p.name.split(".")[0] for p in cache.glob("fjs_*"))
    assert names == ["fjs_last", "fjs_test4", "fjs_test5"]


def test_docs_that_do_not_fit_the_code_fall_back(cache):
    load_kb(DATA, cache=True)
    (f,) = kb_files(cache)
    head, docs = entry_of(f)
    docs["meta"] = {}  # intact file, right key, but KB() cannot be built from it
    body = json.dumps(docs).encode()
    f.write_bytes(json.dumps(dict(head, sha256=hashlib.sha256(body).hexdigest())).encode() + b"\n" + body)
    assert content(load_kb(DATA, cache=True)) == content(KB)


@pytest.mark.parametrize("odd", [{1: "int key"}, {"t": (1, 2)}, {"x": float("nan")}, {"d": __import__("datetime").date(2026, 1, 1)}])
def test_documents_json_cannot_hold_exactly_are_not_cached(cache, odd):
    docs = {k: (dict(v, extra=odd) if k == "meta" else v) for k, v in KB.docs.items()}
    assert kbcache.write(DATA, "k", docs, "fp") is False
    assert kb_files(cache) == []


def test_generated_code_leaves_out_annotations_but_not_properties_named_like_them():
    """Descriptions do not change what a schema accepts, so the generator drops them (and the schema quotes in its
    error messages); a property that happens to be called "description" is still checked."""
    schema = {"type": "object", "description": "A thing. " * 50, "required": ["description"], "additionalProperties": False,
              "properties": {"description": {"type": "string", "minLength": 1, "title": "Its description"}}}
    code = validation._generate(schema)
    assert "A thing." not in code and "Its description" not in code and "definition=" not in code
    fast = validation._fast_validator(schema)
    fast({"description": "x"})
    for bad in ({}, {"description": ""}, {"description": 1}, {"description": "x", "other": 1}):
        with pytest.raises(ValueError):
            fast(bad)
