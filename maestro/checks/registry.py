"""The rule registry: every engagement rule has a stable code, a severity, a phase and a fix hint.

A rule is one function that takes the engagement context and yields ``Hit``s; ``run`` turns them
into findings. Rules of a phase that has not started report ``pending`` instead of failing, so
`maestro check` during Phase 6 does not fail on what Phase 7 will do.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from ..findings import Finding


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str          # error | warning
    phase: int | None      # the phase whose work the rule judges; None: always applies
    summary: str
    hint: str
    func: Callable


@dataclass(frozen=True)
class Hit:
    file: str
    line: int
    id: str
    message: str
    severity: str | None = None   # overrides the rule's severity for this hit
    hint: str | None = None


RULES: dict[str, Rule] = {}


def rule(code: str, name: str, *, summary: str, hint: str, severity: str = "error", phase: int | None = None):
    """Register the decorated function as rule ``code``."""
    def register(func):
        if code in RULES:
            raise ValueError(f"rule code {code} registered twice")
        RULES[code] = Rule(code, name, severity, phase, summary, hint, func)
        return func
    return register


def run(ctx, codes: Iterable[str] | None = None) -> list[Finding]:
    """Run the rules (all, or ``codes``) over ``ctx``; findings in file and line order, each once."""
    out, seen = [], set()
    for code in sorted(codes or RULES):
        r = RULES[code]
        for hit in r.func(ctx) or ():
            severity = hit.severity or r.severity
            if ctx.pending(r.phase):
                severity = "pending"
            key = (r.code, hit.file, hit.line, hit.id, hit.message)
            if key in seen:
                continue
            seen.add(key)
            out.append(Finding(hit.file, hit.line, hit.id, hit.message, severity, r.code, hit.hint or r.hint))
    return sorted(out, key=lambda f: (f.file, f.line, f.rule))
