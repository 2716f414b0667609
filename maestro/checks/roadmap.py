"""MC5xx: the Phase 10 roadmap schedules every open High and Critical gap in time."""
from __future__ import annotations

from .. import assessment, scoring
from .registry import Hit, rule


def _items_by_threat(ctx):
    out: dict = {}
    for item in ctx.records("roadmap"):
        for tid in item["threats"]:
            out.setdefault(tid, []).append(item)
    return out


@rule("MC501", "roadmap-gap", phase=10, summary="A High or Critical threat without full control credit is not on the roadmap.",
      hint="Add a roadmap item (REM<n>) for it in the bucket `maestro score PATH` gives (decision D21, ruling R02).")
def roadmap_gap(ctx):
    scheduled = _items_by_threat(ctx)
    for tid, p in ctx.postures.items():
        if p.level in ("High", "Critical") and p.credit < 1 and tid not in scheduled:
            yield Hit(*ctx.at(ctx.threats[tid], "id"), tid, f"{p.level} threat with open gaps is on no roadmap item; it belongs in {p.bucket}")


@rule("MC502", "roadmap-too-late", phase=10, summary="An open High or Critical threat is scheduled later than its bucket, without a recorded exception.",
      hint="Move it to the bucket named, or record an 'exception' (reason, approved_by) on the roadmap item.")
def roadmap_too_late(ctx):
    kb = ctx.kb
    scheduled = _items_by_threat(ctx)
    for tid, p in ctx.postures.items():
        if p.level not in ("High", "Critical") or p.credit >= 1 or tid not in scheduled:
            continue
        items = scheduled[tid]
        best = min(items, key=lambda i: scoring.bucket_rank(kb, i["phase"]))
        if scoring.bucket_rank(kb, best["phase"]) > scoring.bucket_rank(kb, p.bucket) and not best.get("exception"):
            days = next(b["days"] for b in kb.scoring["remediation_buckets"] if b["bucket"] == p.bucket)
            why = (f"credit {p.credit:g}" if assessment.built_preventive(p.controls)
                   else f"credit {p.credit:g} and no built, verified preventive control (ruling R25)")
            yield Hit(*ctx.at(best, "phase"), best["id"], f"{tid} is {p.level} with {why}: due {p.bucket} ({days} days), not {best['phase']}")


@rule("MC503", "summary-unknown-risk", phase=10, summary="The executive summary's top risks name something that is not a local threat.",
      hint="List local threat IDs (PREFIX-T<n>) in summary.top_risks.")
def summary_unknown_risk(ctx):
    summary = ctx.doc.get("summary")
    if not isinstance(summary, dict) or "summary" in ctx.broken_keys:
        return
    for j, tid in enumerate(summary.get("top_risks", []) or []):
        if tid not in ctx.threats:
            yield Hit(*ctx.at(summary["top_risks"], j), str(tid), f"top risk {tid} is not a local threat")
