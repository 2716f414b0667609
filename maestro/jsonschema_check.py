"""JSON Schema validation with positions: one routine for data files and engagement files.

``schema_errors`` lists every violation of a Draft 2020-12 schema with line and nearest ID, using jsonschema's
``Draft202012Validator`` as its documentation shows (``iter_errors``, ``best_match`` for the branches of ``oneOf`` and
``anyOf``). ``is_valid`` answers yes or no with the same validator. jsonschema is imported where it is used, so the
commands that validate nothing (`maestro verify`, `maestro manifest`) do not load it.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import yamlio

ID_KEYS = ("id", "key", "threat", "term", "acronym", "n")


def ident_along(doc, path, keys=ID_KEYS) -> str:
    """Nearest enclosing identifier (id, key, ...) along a JSON path, for messages."""
    node, found = doc, ""
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict):
            for k in keys:
                if k in node and isinstance(node[k], (str, int)) and not isinstance(node[k], bool):
                    found = str(node[k])
                    break
    return found


def _holder_src(doc, path):
    holder = doc
    for step in path[:-1]:
        try:
            holder = holder[step]
        except (KeyError, IndexError, TypeError):
            break
    return getattr(holder, "src", None) or getattr(doc, "src", None)


@dataclass(frozen=True)
class SchemaError:
    path: tuple
    line: int
    ident: str
    message: str
    src: str | None


def schema_errors(doc, schema, keys=ID_KEYS) -> list[SchemaError]:
    """Every violation of ``schema`` in ``doc``, in document order, with line and nearest ID."""
    import jsonschema

    out = []
    for err in sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path]):
        path = list(err.absolute_path)
        msg = err.message
        if err.validator in ("oneOf", "anyOf") and err.context:
            best = jsonschema.exceptions.best_match(err.context)
            msg = best.message if best else msg
        where = "/".join(str(p) for p in path) or "(top)"
        out.append(SchemaError(tuple(path), yamlio.line_of(doc, path), ident_along(doc, path, keys), f"{where}: {msg}", _holder_src(doc, path)))
    return out


def is_valid(doc, schema) -> bool:
    """True when ``doc`` satisfies ``schema`` (Draft 2020-12), i.e. ``schema_errors`` is empty."""
    import jsonschema

    return jsonschema.Draft202012Validator(schema).is_valid(doc)
