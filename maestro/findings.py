"""Findings: what a check reports, with a stable rule code, severity, place and fix hint."""
from __future__ import annotations

from dataclasses import asdict, dataclass

SEVERITIES = ("error", "warning", "pending")  # pending: a rule of a phase that has not started yet


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    id: str
    message: str
    severity: str = "error"
    rule: str = ""
    hint: str = ""

    def __str__(self):
        tag = "" if self.severity == "error" else f"{self.severity}: "
        code = f"{self.rule} " if self.rule else ""
        where = f"{self.file}:{self.line}: "
        ident = f"[{self.id}] " if self.id else ""
        return f"{where}{code}{ident}{tag}{self.message}"

    def as_dict(self):
        return asdict(self)
