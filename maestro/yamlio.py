"""Line-aware, bounded YAML loading.

Every mapping and sequence loaded here remembers the line it starts on, and every
mapping remembers the line of each of its keys, so that validation errors can name
the file and line a reader has to open.

Every document is screened before it is built (``screen``): anchors and aliases are refused (a
few hundred bytes of aliases can expand to gigabytes) and nesting deeper than ``MAX_DEPTH`` is
refused before any recursive code sees it. The screen reads libyaml's event stream, which is
produced without recursion, so a hostile file fails fast with its line instead of hanging or
crashing the interpreter.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from . import safeio


class Node:
    """Mixin carrying source positions (1-based lines)."""

    line: int = 0
    key_lines: dict


class LDict(dict, Node):
    pass


class LList(list, Node):
    pass


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser when available
    """Safe loader that records positions and refuses duplicate keys."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LDict:
    loader.flatten_mapping(node)
    out = LDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LList:
    out = LList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
# Dates stay strings: the knowledge base is exported to JSON as written.
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


MAX_DEPTH = 64  # mappings and sequences inside each other; real data and engagements use fewer than 10


class Refused(yaml.MarkedYAMLError):
    """A shape refused before it is built (anchors, aliases, deep nesting): hostile input, not a typing mistake."""


def _refused(problem: str, event) -> Refused:
    return Refused(problem=problem, problem_mark=event.start_mark)


def screen(text: str) -> None:
    """Raise yaml.YAMLError (with the line) for an anchor, an alias or nesting deeper than MAX_DEPTH."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            raise _refused(f"aliases (*{event.anchor}) are not allowed; write the value out", event)
        if getattr(event, "anchor", None):
            raise _refused(f"anchors (&{event.anchor}) are not allowed; write the value out", event)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _refused(f"nested deeper than {MAX_DEPTH} levels", event)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def load_bounded(text: str):
    """``text`` loaded with positions counted from its first line, after ``screen`` has passed it."""
    screen(text)
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass


def load(path: Path, limit: int = safeio.MAX_FILE_BYTES):
    """Load one YAML file (regular, at most ``limit`` bytes, UTF-8) with positions.

    Raises yaml.YAMLError on bad syntax or a refused shape, safeio.Unusable when the file cannot be read.
    """
    return load_bounded(safeio.read_text(path, limit, what="data file"))


def line_of(root, path) -> int:
    """Best line for a JSON path (sequence of keys/indexes) inside a loaded document."""
    node, best = root, getattr(root, "line", 0) or 1
    for step in path:
        if isinstance(node, LDict) and step in node:
            best = node.key_lines.get(step, best)
            node = node[step]
        elif isinstance(node, LList) and isinstance(step, int) and 0 <= step < len(node):
            best = node.item_lines[step]
            node = node[step]
        else:
            break
        if isinstance(node, Node) and getattr(node, "line", 0):
            best = max(best, node.line) if isinstance(node, LDict) else best
    return best


def plain(obj):
    """Strip position bookkeeping: plain dicts and lists for export."""
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [plain(v) for v in obj]
    return obj


def load_text(text: str, src: str | None = None, first_line: int = 1):
    """Load YAML from a string; positions are shifted so line 1 of ``text`` is ``first_line``.

    Every mapping and sequence also records ``src`` (the file it came from), so findings on a
    document merged from several files can still name the right file.
    """
    doc = load_bounded(text)
    shift = first_line - 1

    def walk(node):
        if isinstance(node, Node):
            node.line = getattr(node, "line", 1) + shift
            node.src = src
            if isinstance(node, LDict):
                node.key_lines = {k: v + shift for k, v in node.key_lines.items()}
                for v in node.values():
                    walk(v)
            else:
                node.item_lines = [v + shift for v in node.item_lines]
                for v in node:
                    walk(v)

    walk(doc)
    return doc
