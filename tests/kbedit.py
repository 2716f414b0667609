"""Edits of a copy of data/ and the table rows that say which problem an edit must raise.

A plain module (not a fixture) because the rows are built at collection, for parametrisation:
tests/test_validation.py and tests/test_hostile_data.py import it (pytest's ``pythonpath`` has tests/).
The copy of data/ itself is the ``data`` fixture of tests/conftest.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from maestro import KBError, load_kb


# ------------------------------------------------------------------ edits
@dataclass(frozen=True)
class Edit:
    """One text edit of data/<file>.yaml. mode "replace": the first ``old`` after ``after`` becomes
    ``new``; "regex": every match of the pattern ``old`` (DOTALL) becomes ``new``; "cut": delete from
    ``old`` up to (not including) the next ``new``, both after ``after``; "delete": remove the file."""
    file: str
    old: str = ""
    new: object = ""
    after: str = ""
    mode: str = "replace"

    def apply(self, data_dir):
        path = data_dir / f"{self.file}.yaml"
        if self.mode == "delete":
            path.unlink()
            return
        text = path.read_text()
        if self.mode == "regex":
            out, n = re.subn(self.old, self.new, text, flags=re.DOTALL)
            assert n, f"pattern not found in {self.file}: {self.old!r}"
        else:
            i = text.index(self.old, text.index(self.after) if self.after else 0)
            j = text.index(self.new, i + len(self.old)) if self.mode == "cut" else i + len(self.old)
            out = text[:i] + ("" if self.mode == "cut" else self.new) + text[j:]
        path.write_text(out)


def E(file, old, new, after=""):
    return Edit(file, old, new, after)


def R(file, pattern, repl):
    return Edit(file, pattern, repl, mode="regex")


def cut(file, after, start, end):
    """Delete from ``start`` up to ``end`` (kept), both searched after ``after``."""
    return Edit(file, start, end, after, mode="cut")


def drop_tail(file, start):
    """Delete from the line ``start`` to the end of the file."""
    return R(file, "\n" + re.escape(start) + ".*", "\n")


def drop_item(file, item):
    """Remove ``item`` from every flow list ``[..]`` in the file."""
    return R(file, r"(, )?" + re.escape(item) + r"(, )?", lambda m: ", " if m.group(1) and m.group(2) else "")


def line_in(text, needle, after="", nth=1):
    i = (text.index(after) if after else 0) - 1
    for _ in range(nth):
        i = text.index(needle, i + 1)
    return text.count("\n", 0, i) + 1


# ------------------------------------------------------------------ the table
@dataclass(frozen=True)
class Case:
    rule: str            # crossref rule function name, or "yaml" / "schema" / "files"
    file: str            # data file the problem must name
    ident: str           # ID the problem must name ("" for none)
    message: str         # the exact message, or its start when it ends with "..."
    at: tuple            # (needle, after[, nth]): the line holding the nth needle after `after` (default: first)
    edits: tuple = field(default=())

    @property
    def name(self):
        return f"{self.rule}:{self.message[:50]}"


def case(rule, file, ident, message, at, *edits):
    return Case(rule, file, ident, message, at if isinstance(at, tuple) else (at, ""), edits)


def _matches(p, c: Case, line: int) -> bool:
    msg_ok = p.message.startswith(c.message[:-3]) if c.message.endswith("...") else p.message == c.message
    return msg_ok and p.file == f"data/{c.file}.yaml" and p.line == line and p.id == c.ident


def assert_refused(data, c: Case):
    """Apply the row's edits to ``data`` (a copy of data/), load it, and find the row's problem among those listed."""
    for e in c.edits:
        e.apply(data)
    with pytest.raises(KBError) as exc:
        load_kb(data)
    probs = exc.value.problems
    path = data / f"{c.file}.yaml"
    line = line_in(path.read_text(), *c.at) if path.exists() and c.at[0] else 1
    assert any(_matches(p, c, line) for p in probs), \
        f"no problem {c.file}.yaml:{line} [{c.ident}] {c.message}; got:\n" + "\n".join(map(str, probs[:15]))
