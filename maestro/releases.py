"""Release history: the ids.json and the engagement schemas of every release, kept in releases/<version>/, and what
changed between them.

Published IDs never disappear, change type or change meaning; `tests/test_releases.py` holds every kept
release to that, and the changelog's per-release lists are computed here rather than typed. The engagement
schemas (threat-model.schema.json, state.schema.json) say which record format each release wrote; `maestro
migrate` reads them to tell which release a saved engagement follows (maestro/formats.py).
"""
from __future__ import annotations

import json
from pathlib import Path

from . import engagement, exports, paths, safeio
from .kb import KB

ROOT = paths.releases_dir()
SCHEMA_FILES = {"threat-model": "threat-model.schema.json", "state": "state.schema.json"}


def _key(version: str) -> tuple:
    return tuple(int(x) for x in version.split("."))


def kept(root: Path = ROOT) -> dict[str, dict]:
    """{version: ids.json} of every kept release, oldest first; editions.json fills in a release whose ids.json predates 'editions'."""
    out = {}
    for d in sorted((p for p in root.iterdir() if (p / "ids.json").exists()), key=lambda p: _key(p.name)) if root.is_dir() else []:
        doc = _read_json(d / "ids.json")
        if "editions" not in doc and (d / "editions.json").exists():
            doc["editions"] = _read_json(d / "editions.json")
        out[d.name] = doc
    return out


def _read_json(path: Path):
    return json.loads(safeio.read_text(path, 64 * 1024 * 1024, "release file"))


def _key_or_none(name: str):
    try:
        return _key(name)
    except ValueError:
        return None


def current_schemas(kb: KB) -> dict:
    """The engagement schemas this code writes: {"threat-model": ..., "state": ...}."""
    return {"threat-model": engagement.threat_model_schema(kb), "state": engagement.state_schema(kb)}


def schemas(kb: KB, root: Path = ROOT) -> dict[str, dict]:
    """{version: {"threat-model": schema, "state": schema}} of every kept release that kept its engagement schemas,
    oldest first, ending with the current release (as this code writes it, whether kept yet or not)."""
    out = {}
    folders = [p for p in root.iterdir() if _key_or_none(p.name)] if root.is_dir() else []
    for d in sorted(folders, key=lambda p: _key(p.name)):
        if d.name != kb.version and all((d / f).exists() for f in SCHEMA_FILES.values()):
            out[d.name] = {kind: _read_json(d / f) for kind, f in SCHEMA_FILES.items()}
    out[kb.version] = current_schemas(kb)
    return out


def history(kb: KB, root: Path = ROOT) -> dict[str, dict]:
    """Every kept release plus the current knowledge base, if its version is not kept yet."""
    out = kept(root)
    out.setdefault(kb.version, exports.ids_json(kb))
    return out


def changes(old: dict, new: dict) -> dict:
    """What one release changed in the ID space and the external editions it cites."""
    a, b = old["ids"], new["ids"]
    moved = lambda status: sorted(i for i in b if b[i]["status"] == status and a.get(i, {}).get("status") != status)  # noqa: E731
    eds_a, eds_b = old.get("editions", {}), new.get("editions", {})
    return {
        "added": [i for i in b if i not in a],
        "renamed": [(i, a[i]["name"], b[i]["name"]) for i in b if i in a and a[i]["name"] != b[i]["name"]],
        "deprecated": moved("deprecated"),
        "revoked": [(i, b[i].get("replaced_by")) for i in moved("revoked")],
        "removed": [i for i in a if i not in b],
        "editions": [(k, eds_a.get(k), eds_b.get(k)) for k in sorted(set(eds_a) | set(eds_b)) if eds_a.get(k) != eds_b.get(k)],
    }


def _release_files(kb: KB) -> dict[str, str]:
    """File name -> text of everything a release keeps: its ids.json and its engagement schemas."""
    docs = {"ids.json": exports.ids_json(kb), **{SCHEMA_FILES[k]: v for k, v in current_schemas(kb).items()}}
    return {name: json.dumps(doc, indent=2, ensure_ascii=False) + "\n" for name, doc in docs.items()}


def snapshot(kb: KB, root: Path = ROOT) -> Path:
    """Keep the current ids.json and engagement schemas as the release's; refuse to change a release already kept
    (nothing is written then). Returns the ids.json path."""
    folder = root / kb.version
    files = _release_files(kb)
    for name, text in files.items():
        target = folder / name
        if target.exists() and safeio.read_text(target, 64 * 1024 * 1024, "release file") != text:
            raise ValueError(f"{target} already holds release {kb.version} with other content; a release is never rewritten")
    for name, text in files.items():
        safeio.write_atomic(folder / name, text, backup=False)
    return folder / "ids.json"
