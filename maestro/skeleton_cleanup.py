"""Removing the blank template tables that `maestro new` used to copy into every phase skeleton.

Older skeletons carry, under each template heading, a table whose header is ``| Field | Allowed values / guidance |
Value |`` (or one column per record) with every value cell empty. The templates live on the site and in the
workshop kit; in a project file such an empty table is only noise. ``blank_template_tables`` drops a table of that
header only when every value cell is empty, so a table somebody filled in (even one cell) stays as it was, and so
does anything inside a fenced code block. `maestro migrate` can call it on each phase file.
"""
from __future__ import annotations

import re

HEADER = ("field", "allowed values / guidance")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def cells(line: str) -> list[str]:
    """The cells of a Markdown table row, trimmed; an escaped pipe stays inside its cell."""
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [c.strip() for c in re.split(r"(?<!\\)\|", body)]


def is_template_header(line: str) -> bool:
    """Whether ``line`` heads a template table: Field, the guidance column, then at least one value column."""
    row = [c.lower() for c in cells(line)]
    return line.lstrip().startswith("|") and len(row) >= 3 and tuple(row[:2]) == HEADER


def table_end(lines: list[str], start: int) -> int:
    """The index just past the table whose header is ``lines[start]``."""
    end = start + 1
    while end < len(lines) and lines[end].lstrip().startswith("|"):
        end += 1
    return end


def is_blank_table(rows: list[str]) -> bool:
    """Whether a template table (header, separator, rows) has a separator and no value in any value column."""
    if len(rows) < 2 or not _SEPARATOR.match(rows[1]):
        return False
    values = len(cells(rows[0])) - 2
    return all(not any(cells(r)[-values:]) for r in rows[2:])


def blank_template_tables(text: str) -> str:
    """``text`` without the template tables whose value cells are all empty (and the blank line after each)."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    fence = None
    i = 0
    while i < len(lines):
        line = lines[i]
        m = _FENCE.match(line)
        if m and (fence is None or m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence)):
            fence = m.group(1) if fence is None else None
        if fence is None and not m and is_template_header(line):
            end = table_end(lines, i)
            if is_blank_table(lines[i:end]):
                i = end + (1 if end < len(lines) and not lines[end].strip() else 0)
                continue
        out.append(line)
        i += 1
    return "".join(out)
