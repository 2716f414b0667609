"""MC431: every candidate finding of `maestro sweep` is read in the code and recorded before Phase 8 is done.

`maestro sweep SRC --project NAME` stores its findings in the project's sweep.json, each with ``"review": null``.
A finding is evidence to look at, never a verified control: the agent reads it in the code with the user and sets
its review to ``{"verdict": "confirmed", "record": <the Phase 8 record or threat that now carries it>}`` or
``{"verdict": "false_positive", "reason": <why the code is safe>}``. This rule reports every finding still open.
"""
from __future__ import annotations

import os

from .. import engagement, safeio
from ..sweep import RESULT_FILE, VERDICTS
from .registry import Hit, rule


def sweep_record(ctx):
    """(path, the loaded sweep.json or the Unusable that stopped it), or None when the project has none."""
    if ctx.mode != "project" or ctx.folder is None:
        return None
    path = ctx.folder / RESULT_FILE
    if not os.path.lexists(path):
        return None
    if os.path.islink(path) or not safeio.inside(path, ctx.folder):
        return path, safeio.Unusable(f"{path}: refused: it is a link; only files inside the project are read")
    try:
        return path, engagement.read_doc(path)
    except engagement.Unusable as exc:
        return path, exc


def review_problem(finding, carriers: set) -> str:
    """Why ``finding`` is not yet reviewed as the method asks, or ""."""
    if not isinstance(finding, dict):
        return "is not a finding record; run `maestro sweep` again"
    review = finding.get("review")
    if not review:
        return "is not reviewed yet: read it in the code, then record it as confirmed or as a false positive with the reason"
    verdict = review.get("verdict") if isinstance(review, dict) else None
    if verdict not in VERDICTS:
        return f"has review verdict {verdict!r}; use confirmed or false_positive"
    if verdict == "false_positive":
        return "" if str(review.get("reason") or "").strip() else "is dismissed as a false positive without a reason"
    record = str(review.get("record") or "").strip()
    if not record:
        return "is confirmed but names no Phase 8 record or threat that carries it"
    return "" if record in carriers else f"is confirmed in {record}, which is no Phase 8 record or threat of this project"


def _key(finding, i: int) -> str:
    if isinstance(finding, dict) and all(k in finding for k in ("rule", "file", "line")):
        return f"{finding['rule']}:{finding['file']}:{finding['line']}"
    return f"finding {i + 1}"


@rule("MC431", "sweep-unreviewed", phase=8,
      summary="A candidate finding of `maestro sweep` in the project's sweep.json is not yet confirmed, or dismissed with a reason.",
      hint='Read the finding in the code; in sweep.json set its review to {"verdict": "confirmed", "record": "CV3"} '
           '(the Phase 8 record or threat that carries it) or {"verdict": "false_positive", "reason": "..."}.')
def sweep_unreviewed(ctx):
    got = sweep_record(ctx)
    if got is None:
        return
    path, doc = got
    if isinstance(doc, Exception):
        yield Hit(str(path), 1, "sweep", f"{RESULT_FILE} cannot be read: {str(doc).removeprefix(f'{path}: ')}")
        return
    findings = doc.get("findings")
    if not isinstance(findings, list):
        yield Hit(str(path), getattr(doc, "key_lines", {}).get("findings", 1), "sweep", f"{RESULT_FILE} holds no findings list; run `maestro sweep` again")
        return
    carriers = {r["id"] for r in ctx.records("code_validation")} | set(ctx.threats)
    lines = getattr(findings, "item_lines", [])
    for i, f in enumerate(findings):
        problem = review_problem(f, carriers)
        if problem:
            yield Hit(str(path), lines[i] if i < len(lines) else 1, _key(f, i), f"sweep finding {problem}")
