"""Line-aware YAML loading.

Every mapping and sequence loaded here remembers the line it starts on, and every
mapping remembers the line of each of its keys, so that validation errors can name
the file and line a reader has to open.
"""
from __future__ import annotations

from pathlib import Path

import yaml


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


def load(path: Path):
    """Load one YAML file with positions; raise yaml.YAMLError on bad syntax."""
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_Loader)  # noqa: S506 - SafeLoader subclass


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
    doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
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
