"""MC14x: what a reviewer reads agrees with what the checker reads.

A phase file is read twice: a person reads its Markdown tables and prose, the checker reads its record block. A table
that shows a threat as Low and Mitigated while the record says Critical and Deferred passes every record rule and
misleads the reader, so the tables are compared with the records they summarise.
"""
from __future__ import annotations

import re

from .. import phasefile
from .registry import Hit, rule

_CELL = re.compile(r"[*_`]+")
# Column header -> (which records, field). The first matching word wins: "Residual risk" is residual, not risk.
_COLUMNS = (("residual", "residual_risks", "residual"), ("disposition", "residual_risks", "disposition"),
            ("inherent", "residual_risks", "inherent"), ("severity", "threats", "severity"),
            ("likelihood", "threats", "likelihood"), ("risk", "threats", "risk"))


def _cells(line: str) -> list[str]:
    return [_CELL.sub("", c).strip() for c in line.strip().strip("|").split("|")]


def tables(text: str):
    """(header cells, [(line number, cells)]) of every Markdown table outside fenced blocks."""
    fenced = phasefile.fenced_lines(text)
    lines = text.split("\n")
    i = 0
    while i < len(lines) - 1:
        inside = any(a <= i + 1 <= b for a, b in fenced)
        if not inside and lines[i].lstrip().startswith("|") and re.fullmatch(r"\s*\|?[\s:|-]+\|?\s*", lines[i + 1]) and "-" in lines[i + 1]:
            header, rows, k = _cells(lines[i]), [], i + 2
            while k < len(lines) and lines[k].lstrip().startswith("|"):
                rows.append((k + 1, _cells(lines[k])))
                k += 1
            yield header, rows
            i = k
        else:
            i += 1


def _column_fields(header: list[str]) -> dict[int, tuple[str, str]]:
    out = {}
    for n, h in enumerate(header):
        low = h.lower()
        hit = next(((key, field) for word, key, field in _COLUMNS if word in low), None)
        if hit and "effective" not in low and "target" not in low:
            out[n] = hit
    return out


def _records_by_id(ctx) -> dict[str, dict]:
    """Each record a table row may stand for, by the ID in its first cell: threats and residual records by their
    own IDs, and a threat's residual record also by the threat's ID."""
    out = {"threats": {t["id"]: t for t in ctx.records("threats")}, "residual_risks": {}}
    for r in ctx.records("residual_risks"):
        out["residual_risks"][r["id"]] = r
        out["residual_risks"].setdefault(r["threat"], r)
    return out


@rule("MC141", "table-disagrees-with-record", summary="A Markdown table in a phase file shows a different severity, likelihood, risk, "
      "residual level or disposition than the record block holds for the same ID.",
      hint="Tables are for readers and records for the checker: make the table say what the record says (or regenerate it from the record).")
def table_disagrees_with_record(ctx):
    if ctx.mode != "project":
        return
    records = _records_by_id(ctx)
    vocab = {v.lower() for k in ("severity", "likelihood") for v in (s["level"] for s in ctx.kb.scoring[k])}
    vocab |= {d.lower() for d in ctx.kb.scoring["dispositions"]}
    for pf in ctx.files:
        for header, rows in tables(pf.text):
            yield from _row_disagreements(pf, rows, _column_fields(header), records, vocab)
            yield from _column_disagreements(pf, header, rows, records, vocab)


def _known(records, cell: str) -> bool:
    return cell in records["threats"] or cell in records["residual_risks"]


def _row_disagreements(pf, rows, columns, records, vocab):
    """A table with one record per row: the ID in a cell, the fields in columns named by the header."""
    for line, cells in rows:
        ident = next((c for c in cells if _known(records, c)), None)
        if ident is not None:
            for n, (key, field) in columns.items():
                yield from _compare(pf.label, line, ident, cells[n] if n < len(cells) else "", records[key].get(ident), field, vocab)


def _column_disagreements(pf, header, rows, records, vocab):
    """A table with one record per column (the template's layout): the IDs in the header, a field per row."""
    idents = {n: c for n, c in enumerate(header) if _known(records, c)}
    if not idents:
        return
    for line, cells in rows:
        hit = _column_fields(cells[:1]).get(0)
        if hit:
            for n, ident in idents.items():
                yield from _compare(pf.label, line, ident, cells[n] if n < len(cells) else "", records[hit[0]].get(ident), hit[1], vocab)


def _compare(label, line, ident, cell, rec, field, vocab):
    shown = cell.split()[0].strip(".,;:()") if cell.split() else ""
    if rec is not None and field in rec and shown.lower() in vocab and shown.lower() != str(rec[field]).lower():
        yield Hit(label, line, ident, f"the table shows {field} {shown} for {ident}, the record block says {rec[field]}")
