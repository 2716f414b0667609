"""Load and validate the knowledge base in data/: ``load_kb`` is the one loader, and it always validates.

``load_kb(data_dir)`` reads every data file once (yamlio.py, which keeps line positions), checks it against its JSON
Schema (jsonschema_check.py), then runs the cross-reference rules a schema cannot express (crossref.py, in the order
they are registered). Every problem is reported with file, line and ID; if there is any, ``KBError`` is raised and
nothing downstream (site build, exports, CLI) runs. The result is a ``KB`` (knowledge.py).

``load_cached`` is the one in-process memo of ``load_kb``, for callers that ask for the same knowledge base more than
once in a process (the site build, several CLI commands run in one process); nothing is stored on disk.

The names other modules know from here (``KB``, ``KBError``, ``Problem``, ``LAYER_ORDER`` ...) are defined in
knowledge.py and problems.py, which the cross-reference rules import as well.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from . import crossref, integrity, jsonschema_check, safeio, schemas, yamlio
from .knowledge import CROSS_LAYER, KB, LAYER_ORDER, STACK_LAYERS, TYPE_ORDER
from .problems import Collector, KBError, Problem

__all__ = ["CROSS_LAYER", "DATA_FILE_BYTES", "FILES", "KB", "KBError", "LAYER_ORDER", "Problem", "STACK_LAYERS", "TYPE_ORDER",
           "load_cached", "load_kb"]

FILES = list(schemas.DATA)  # one data file per entry, data/<name>.yaml
DATA_FILE_BYTES = 16 * 1024 * 1024  # per data file; the largest today is under 200 kB (a 10x knowledge base fits)
_Collector = Collector  # the name tests/test_hostile_data.py imports


def load_kb(data_dir: str | Path) -> KB:
    """The validated knowledge base in ``data_dir``; KBError lists every problem."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise KBError([Problem(str(data_dir), 1, "", "data directory not found")])
    col = Collector(data_dir)
    docs = {name: doc for name in FILES if (doc := _read_valid_document(data_dir, name, col)) is not None}
    if col.problems:
        raise KBError(col.problems)
    kb = KB(docs, _fingerprint(data_dir))
    _cross_check(kb, col)
    if col.problems:
        raise KBError(col.problems)
    return kb


def _read_valid_document(data_dir: Path, name: str, col: Collector):
    """The document of data/<name>.yaml with its schema problems recorded in ``col``; None when it cannot be read."""
    doc = _read_document(data_dir / f"{name}.yaml", name, col)
    if doc is not None:
        for err in jsonschema_check.schema_errors(doc, schemas.DATA[name]):
            col.problems.append(Problem(col.rel(name), err.line, err.ident, err.message))
    return doc


def _read_document(path: Path, name: str, col: Collector):
    """One data file parsed with line positions; None (with the problem recorded) when missing, unusable or not YAML."""
    if not path.exists():
        col.add_file_problem(name, 1, "file missing")
        return None
    try:
        return yamlio.load(path, DATA_FILE_BYTES)
    except safeio.Unusable as exc:
        col.add_file_problem(name, 1, str(exc).removeprefix(f"{path}: "))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        what = getattr(exc, "problem", None) or str(exc)
        col.add_file_problem(name, mark.line + 1 if mark else 1, f"malformed YAML: {what}")
    return None


def _cross_check(kb: KB, col: Collector) -> None:
    """Run every cross-reference rule (crossref.RULES, in the order registered) on a schema-valid knowledge base."""
    for rule in crossref.RULES:
        rule(kb, col)


def _fingerprint(data_dir: Path) -> str:
    """SHA-256 over the names and bytes of the data files: the content version of a knowledge base."""
    h = hashlib.sha256()
    for name in FILES:
        h.update(name.encode())
        try:
            h.update(safeio.read_bytes(data_dir / f"{name}.yaml", integrity.COVERED_FILE_BYTES, what="data file"))
        except safeio.Unusable:  # missing or not a regular file: load_kb reports it as a problem of that file
            h.update(b"<unreadable>")
    return h.hexdigest()


_MEMO: dict[str, tuple[str, KB]] = {}


def load_cached(data_dir: str | Path) -> KB:
    """``load_kb`` memoised in this process on the content of the data files (``_fingerprint``).

    The site build asks for the knowledge base from more than one place, and the tests run many CLI commands in one
    process; each gets the same object, loaded and validated once per content version. Nothing is kept between
    processes.
    """
    key = str(Path(data_dir).resolve())
    fingerprint = _fingerprint(Path(data_dir))
    hit = _MEMO.get(key)
    if hit and hit[0] == fingerprint:
        return hit[1]
    kb = load_kb(data_dir)
    _MEMO[key] = (fingerprint, kb)
    return kb
