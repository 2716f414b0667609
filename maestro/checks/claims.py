"""MC42x: claims that earn control credit are checked, not trusted.

Evidence must name something a reviewer can open; a control earns credit only on threats the catalog links
it to, at a layer in play; a Phase 8 citation must stay inside the source tree and, when the tree is given
(`maestro check NAME --source DIR`), point at a file and line that exist and hold the cited snippet.
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath, PureWindowsPath

from .. import assessment, safeio
from .registry import Hit, rule


@rule("MC421", "evidence-placeholder", phase=7, summary="A control claims to be built on evidence that names nothing a reviewer can open.",
      hint="Cite the attestation, audit or test report itself (what, who, when), or verify the control in Phase 8.")
def evidence_placeholder(ctx):
    verified = {cv.get("mitigation") for cv in ctx.records("code_validation")}
    for mid, m in ctx.mitigations.items():
        if m["status"] == "Not Implemented" or mid in verified or "evidence" not in m:
            continue
        if not assessment.substantive_evidence(m["evidence"]):
            yield Hit(*ctx.at(m, "evidence"), mid, f"evidence {str(m['evidence'])[:40]!r} names nothing a reviewer can open; "
                      f"the claimed {m['status']} scores as Not Implemented")


@rule("MC422", "control-does-not-fit", phase=7,
      summary="A control is linked to a threat the catalog does not link it to, or acts at a layer outside the threat's layers and the scope.",
      hint="Link controls whose catalog entry addresses a taxonomy threat (or suggests itself for a blindspot) the local threat maps "
           "to; `maestro mcp` lookup_id or the threat's page lists them by type.")
def control_does_not_fit(ctx):
    for tid, p in ctx.postures.items():
        t = ctx.threats[tid]
        for c in p.controls:
            if c.basis == "unfit":
                yield Hit(*ctx.at(t, "mitigations"), tid, f"{c.id} earns no credit on {tid}: {c.unfit}")


# ------------------------------------------------------------------ Phase 8 citations
_LINE = re.compile(r"\s*([1-9][0-9]*)\s*(?:[-\u2013]\s*([1-9][0-9]*))?\s*")


def cited_lines(value) -> tuple[int, int] | None:
    """(first, last) line of a citation's ``line`` (27, "27", "27-31"), or None when it is not a line number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (value, value) if value > 0 else None
    m = _LINE.fullmatch(str(value))
    if not m:
        return None
    first, last = int(m.group(1)), int(m.group(2) or m.group(1))
    return (first, last) if last >= first else None


def leaves_tree(path: str) -> bool:
    """Whether a cited path is absolute, starts at a home folder or climbs out with ``..``."""
    p = str(path).strip()
    return (not p or p.startswith(("~", "/", "\\")) or PureWindowsPath(p).drive != ""
            or ".." in PurePosixPath(p.replace("\\", "/")).parts)


def _citations(ctx):
    for cv in ctx.records("code_validation"):
        if str(cv.get("file", "")).strip():
            yield cv


@rule("MC423", "citation-outside-source", phase=8, summary="A Phase 8 record cites a path outside the source tree or a line that is no line.",
      hint="Cite the file relative to the root of the repository under review (src/agent/tools.py) and a line number or range (27 or 27-31).")
def citation_outside_source(ctx):
    for cv in _citations(ctx):
        if leaves_tree(cv["file"]):
            yield Hit(*ctx.at(cv, "file"), cv["id"], f"{cv['file']!r} is not a path inside the source tree")
        elif "line" in cv and cited_lines(cv["line"]) is None:
            yield Hit(*ctx.at(cv, "line"), cv["id"], f"line {cv['line']!r} is not a line number or range")


@rule("MC424", "citation-unverified", phase=8, severity="warning",
      summary="Phase 8 cites source files, but the check was not given the source tree to verify them.",
      hint="Run `maestro check NAME --source DIR` with the repository under review; every cited file and line is then checked.")
def citation_unverified(ctx):
    if ctx.source is not None:
        return
    cited = list(_citations(ctx))
    if cited:
        yield Hit(*ctx.at(cited[0], "file"), cited[0]["id"], f"{len(cited)} Phase 8 citation(s) not verified against a source tree")


@rule("MC425", "citation-not-found", phase=8, summary="A Phase 8 citation does not match the source tree: no such file, no such line, or a different snippet.",
      hint="Open the file at the cited line in the tree under review and correct the file, the line or the snippet.")
def citation_not_found(ctx):
    if ctx.source is None:
        return
    for cv in _citations(ctx):
        if leaves_tree(cv["file"]):
            continue  # MC423
        problem = _verify(ctx.source, cv)
        if problem:
            yield Hit(*ctx.at(cv, "file"), cv["id"], problem)


def _verify(source, cv) -> str:
    """Why the citation does not hold in ``source``, or ""."""
    rel = str(cv["file"]).strip().replace("\\", "/")
    path = source / rel
    if not safeio.inside(path, source) or not safeio.is_regular(path):
        return f"{rel} is not a file in the source tree"
    try:
        lines = safeio.read_bytes(path, 64 * 1024 * 1024, what="source file").decode("utf-8", "replace").split("\n")
    except safeio.Unusable as exc:
        return str(exc)
    span = cited_lines(cv.get("line")) if "line" in cv else None
    if span and span[1] > len(lines):
        return f"{rel} has {len(lines)} lines; line {span[1]} does not exist"
    snippet = " ".join(str(cv.get("snippet", "")).split())
    if snippet:
        lo, hi = (span[0] - 1, span[1]) if span else (0, len(lines))
        window = " ".join(" ".join(lines[max(0, lo - 2):hi + 2]).split())
        if snippet not in window:
            return f"the snippet is not in {rel}" + (f" near line {span[0]}" if span else "")
    return ""
