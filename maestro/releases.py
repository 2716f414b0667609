"""Release history: the ids.json of every release, kept in releases/<version>/, and what changed between them.

Published IDs never disappear, change type or change meaning; `tests/test_releases.py` holds every kept
release to that, and the changelog's per-release lists are computed here rather than typed.
"""
from __future__ import annotations

import json
from pathlib import Path

from . import exports, paths
from .kb import KB

ROOT = paths.releases_dir()


def _key(version: str) -> tuple:
    return tuple(int(x) for x in version.split("."))


def kept(root: Path = ROOT) -> dict[str, dict]:
    """{version: ids.json} of every kept release, oldest first; editions.json fills in a release whose ids.json predates 'editions'."""
    out = {}
    for d in sorted((p for p in root.iterdir() if (p / "ids.json").exists()), key=lambda p: _key(p.name)) if root.is_dir() else []:
        doc = json.loads((d / "ids.json").read_text(encoding="utf-8"))
        if "editions" not in doc and (d / "editions.json").exists():
            doc["editions"] = json.loads((d / "editions.json").read_text(encoding="utf-8"))
        out[d.name] = doc
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


def snapshot(kb: KB, root: Path = ROOT) -> Path:
    """Keep the current ids.json as the release's; refuse to change a release already kept."""
    target = root / kb.version / "ids.json"
    text = json.dumps(exports.ids_json(kb), indent=2, ensure_ascii=False) + "\n"
    if target.exists() and target.read_text(encoding="utf-8") != text:
        raise ValueError(f"{target} already holds release {kb.version} with other content; a release is never rewritten")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target
