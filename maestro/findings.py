"""Findings: what a check reports, with a stable rule code, severity, place and fix hint."""
from __future__ import annotations

from dataclasses import asdict, dataclass

TO_FILL = "TO FILL"  # the marker `maestro migrate` writes where a value of an older format could not be derived (MC116)
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


def summary(findings: list[Finding], checked: list[str]) -> dict:
    """The machine-readable result of a check, as `maestro check --json` prints it and the MCP tool returns it."""
    count = {sev: sum(1 for f in findings if f.severity == sev) for sev in SEVERITIES}
    return {"ok": not count["error"], "errors": count["error"], "warnings": count["warning"], "pending": count["pending"],
            "checked": checked, "findings": [f.as_dict() for f in findings]}
