"""The phase-file format: Markdown with exactly one structured record block.

A record block opens with a line that is exactly three backticks followed by ``yaml maestro``
and closes with a line of three backticks. Anything that looks like an attempt at one (other
fences, tildes, a typo in the info string, a plain YAML block holding record keys) is reported,
never silently skipped: a checker must not pass what it did not read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import yaml

from . import yamlio

OPENER = "```yaml maestro"
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*?)[ \t]*$")

# Which threat-model keys each phase file's record block holds.
PHASE_KEYS = {
    1: ["business_context", "assumptions", "scope"],
    2: ["components", "system_type", "uses_mcp"],
    3: ["threat_actors"],
    4: ["trust_zones", "trust_boundaries"],
    5: ["assets", "data_flows"],
    6: ["threats", "attack_chains", "not_applicable"],
    7: ["mitigations"],
    8: ["code_validation"],
    9: ["residual_risks"],
    10: ["roadmap", "summary"],
}
RECORD_KEYS = {k for keys in PHASE_KEYS.values() for k in keys}


@dataclass
class Block:
    line: int          # line of the opener
    body_line: int     # first line of the YAML body
    end_line: int      # line of the closing fence (0 when unclosed)
    body: str


@dataclass
class NearMiss:
    line: int
    opener: str
    why: str
    read: bool = False  # whether the checker still read what follows (an indented fence inside a record block)


@dataclass
class Parsed:
    blocks: list = field(default_factory=list)
    near_misses: list = field(default_factory=list)


def _looks_like_record_opener(info: str) -> bool:
    low = info.strip().lower()
    if "maestro" in low or "maestr" in low:
        return True
    return SequenceMatcher(None, low, "yaml maestro").ratio() >= 0.75


def _holds_record_keys(body: str) -> bool:
    try:
        doc = yamlio.load_bounded(body)
    except yaml.YAMLError:
        return bool(re.search(r"^(%s)\s*:" % "|".join(sorted(RECORD_KEYS)), body, re.M))
    return isinstance(doc, dict) and bool(RECORD_KEYS & set(doc))


def _classify(indent, fence, info, body) -> str | None:
    """Why a fenced block is a malformed record block, or None when it is not one at all."""
    exact = not indent and fence == "```" and info == "yaml maestro"
    if exact:
        return None
    if _looks_like_record_opener(info):
        return f"record block opened with {(indent + fence + info).strip()!r}"
    if info.strip().lower() in ("yaml", "yml", "") and _holds_record_keys(body):
        return f"record keys inside a block opened with {(fence + info).strip()!r}"
    return None


def _fences(lines: list[str]):
    """(opener index, closer index or None, indent, fence, info) of every fenced block, in order; linear in the lines."""
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = m.group("indent"), m.group("fence"), m.group("info")
        # a record block closes only on an unindented ```: an indented one is text of a YAML block scalar
        lead = "" if _is_record_opener(indent, fence, info) else r"[ \t]*"
        close = re.compile("^" + lead + re.escape(fence[0]) + "{%d,}[ \t]*$" % len(fence))
        j = next((k for k in range(i + 1, len(lines)) if close.match(lines[k])), None)
        yield i, j, indent, fence, info
        i = (j + 1) if j is not None else len(lines)


def _is_record_opener(indent: str, fence: str, info: str) -> bool:
    return not indent and fence == "```" and info == "yaml maestro"


_INDENTED_CLOSER = re.compile(r"^[ \t]+`{3,}[ \t]*$")


def fenced_lines(text: str) -> list[tuple[int, int]]:
    """(first, last) 1-based lines of every fenced block, fences included; an unclosed one runs to the end."""
    lines = text.split("\n")
    return [(i + 1, (j + 1) if j is not None else len(lines)) for i, j, *_ in _fences(lines)]


def parse(text: str) -> Parsed:
    """Find the record blocks and the near misses of a phase file."""
    out = Parsed()
    lines = text.split("\n")
    for i, j, indent, fence, info in _fences(lines):
        body = "\n".join(lines[i + 1: j if j is not None else len(lines)])
        if _is_record_opener(indent, fence, info):
            if j is None:
                out.near_misses.append(NearMiss(i + 1, lines[i], "record block is never closed with ```"))
            out.near_misses += [NearMiss(k + 1, lines[k], "an indented ``` inside the record block: a Markdown viewer may end the "
                                         "block here while the checker reads on; keep fences out of record text", True)
                                for k in range(i + 1, j if j is not None else len(lines)) if _INDENTED_CLOSER.match(lines[k])]
            out.blocks.append(Block(i + 1, i + 2, (j + 1) if j is not None else 0, body + "\n"))
        else:
            why = _classify(indent, fence, info, body)
            if why:
                out.near_misses.append(NearMiss(i + 1, lines[i], why))
    return out


# ------------------------------------------------------------------ rewriting records in place
class _Dumper(yaml.SafeDumper):
    """Writes records as an agent would: text with line breaks as literal blocks, short lists and {id, name} pairs inline."""


def _scalar(value) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _represent_str(dumper, value):
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


def _represent_list(dumper, items):
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=bool(items) and all(_scalar(i) for i in items))


def _represent_dict(dumper, mapping):
    inline = len(mapping) <= 2 and all(_scalar(v) for v in mapping.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", mapping, flow_style=inline)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(dict, _represent_dict)


def dump(value, indent: str = "") -> list[str]:
    """``value`` as YAML lines, each prefixed with ``indent``."""
    text = yaml.dump(value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
    return [indent + line for line in text.rstrip("\n").split("\n")]


def _trim(lines: list[str], first: int, last: int, indent: int) -> int:
    """``last`` moved up past blank lines and comments at or left of ``indent`` (they belong to what follows)."""
    while last > first and (not lines[last - 1].strip() or
                            (lines[last - 1].lstrip().startswith("#") and len(lines[last - 1]) - len(lines[last - 1].lstrip()) <= indent)):
        last -= 1
    return last


def _key_spans(record, block: Block) -> dict:
    """Top-level key -> (first line, last line) of its text inside the record block."""
    ordered = sorted(record.key_lines.items(), key=lambda kv: kv[1])
    ends = [line - 1 for _, line in ordered[1:]] + [block.end_line - 1]
    return {key: (line, end) for (key, line), end in zip(ordered, ends)}


def _item_start(lines: list[str], n: int) -> tuple[int, str] | None:
    """(line, dash indent) where the list item whose content starts on line ``n`` begins, or None if it is not block style."""
    m = re.match(r"^(\s*)-\s", lines[n - 1])
    if m:
        return n, m.group(1)
    m = re.match(r"^(\s*)-\s*$", lines[n - 2]) if n >= 2 else None
    return (n - 1, m.group(1)) if m else None


def _item_spans(lines: list[str], items, key_span: tuple[int, int]) -> list[tuple[int, int, str]] | None:
    """(first line, last line, dash indent) of each item of a block-style list, or None when its items share lines."""
    starts = [_item_start(lines, n) for n in items.item_lines]
    if None in starts:
        return None
    firsts = [s for s, _ in starts]
    if firsts != sorted(set(firsts)) or (firsts and firsts[0] <= key_span[0]):
        return None
    ends = [s - 1 for s in firsts[1:]] + [key_span[1]]
    return [(s, _trim(lines, s, e, len(ind)), ind) for (s, ind), e in zip(starts, ends)]


def _edits_for_key(lines, key, old, new, span) -> list[tuple[int, int, list[str]]]:
    """(first, last, new lines) replacing the changed items of one key, or the whole key when items cannot be told apart."""
    spans = _item_spans(lines, old, span) if isinstance(old, list) and isinstance(new, list) and len(old) == len(new) else None
    if spans is None:
        return [(span[0], _trim(lines, span[0], span[1], 0), dump({key: new}))]
    return [(first, last, dump([n], ind)) for (first, last, ind), o, n in zip(spans, yamlio.plain(old), new) if o != n]


def rewrite_records(text: str, block: Block, record, new_values: dict) -> str:
    """``text`` with the record block's keys in ``new_values`` written anew; a changed list item is rewritten on its own
    lines, and every other line of the file (the prose around the block, the unchanged records) stays as it was."""
    lines = text.split("\n")
    spans = _key_spans(record, block)
    edits = []
    for key, new in new_values.items():
        edits += _edits_for_key(lines, key, record[key], new, spans[key])
    for first, last, new_lines in sorted(edits, reverse=True):
        lines[first - 1:last] = new_lines
    return "\n".join(lines)
