"""MC4xx: Phase 8 verification and Phase 9 residual risk, computed from the controls, not trusted."""
from __future__ import annotations

from .. import scoring
from .registry import Hit, rule

_ORDER = ["None", "Low", "Medium", "High", "Critical"]


@rule("MC401", "status-above-verified", phase=8, summary="A mitigation claims a better status than its Phase 8 code validation found.",
      hint="Set the card's status to the verified one and keep the claim in the code-validation record (AGENTS.md, Phase 8).")
def status_above_verified(ctx):
    kb = ctx.kb
    for cv in ctx.records("code_validation"):
        m = ctx.mitigations.get(cv["mitigation"])
        if m is None and cv["mitigation"] in ctx.ids_of("mitigations"):
            continue
        if m is None:
            yield Hit(*ctx.at(cv, "mitigation"), cv["id"], f"validates {cv['mitigation']}, which has no mitigation card")
            continue
        if scoring.status(kb, m["status"])["value"] > scoring.status(kb, cv["verified_status"])["value"]:
            yield Hit(*ctx.at(m, "status"), m["id"], f"status {m['status']} is above what {cv['id']} verified ({cv['verified_status']})")


@rule("MC402", "status-unverified", phase=9, severity="warning",
      summary="A control claimed as built was neither verified in Phase 8 nor backed by cited evidence, so it scores as Not Implemented.",
      hint="Verify it in Phase 8 (a code_validation record), or cite an attestation, audit or test report in the card's 'evidence'.")
def status_unverified(ctx):
    for p in ctx.postures.values():
        for c in p.controls:
            if c.basis == "unverified" and c.claimed != "Not Implemented":
                m = ctx.mitigations[c.id]
                yield Hit(*ctx.at(m, "status"), c.id, f"claimed {c.claimed} but unverified: scored as Not Implemented (ruling R01)")


@rule("MC403", "residual-missing", phase=9, summary="A High or Critical threat has no residual-risk record.",
      hint="Add a residual_risks record (RR<n>) for the threat in the Phase 9 file.")
def residual_missing(ctx):
    covered = {r["threat"] for r in ctx.all_records("residual_risks")}
    for tid, p in ctx.postures.items():
        if tid not in covered:
            t = ctx.threats[tid]
            severe = p.level in ("High", "Critical")
            yield Hit(*ctx.at(t, "id"), tid, f"{p.level} threat has no residual-risk record", severity=None if severe else "warning")


def _residual_pairs(ctx):
    for r in ctx.records("residual_risks"):
        p = ctx.postures.get(r["threat"])
        if p is not None:
            yield r, p


@rule("MC404", "effective-risk-wrong", phase=9, summary="A residual record's effective risk or inherent level is not what the controls give.",
      hint="Use `maestro score PATH`: risk value x (1 - control credit), with verified statuses (rulings R01, R02).")
def effective_risk_wrong(ctx):
    for r, p in _residual_pairs(ctx):
        if abs(r["effective_risk"] - p.effective) > 0.005:
            yield Hit(*ctx.at(r, "effective_risk"), r["id"], f"effective risk {r['effective_risk']:g} should be {p.effective:g} "
                      f"({p.level} x (1 - credit {p.credit:g}); {_explain(p)})")
        if "inherent" in r and r["inherent"] != p.level:
            yield Hit(*ctx.at(r, "inherent"), r["id"], f"inherent risk {r['inherent']} does not match the matrix for {p.threat}: {p.level}")


def _explain(p) -> str:
    return ", ".join(f"{c.id} {c.type} {c.status}" + (" (partial coverage)" if c.coverage == "partial" else "") for c in p.controls) or "no controls"


@rule("MC405", "residual-below-effective", phase=9, summary="A residual level is lower than the effective risk of the controls as verified.",
      hint="Residual risk is the current verified state (Phase 9): raise it, or build and verify the controls first.")
def residual_below_effective(ctx):
    for r, p in _residual_pairs(ctx):
        floor = p.effective_level
        if _ORDER.index(r["residual"]) < _ORDER.index(floor):
            yield Hit(*ctx.at(r, "residual"), r["id"], f"residual {r['residual']} is below the effective risk {p.effective:g} ({floor}) of {p.threat}")


@rule("MC406", "mitigated-without-control", phase=9, summary="A residual risk is 'Mitigated' but no fully built, verified control covers the whole threat.",
      hint="Use Accepted, Transferred or Deferred until a control is Implemented, verified and covers the threat fully.")
def mitigated_without_control(ctx):
    for r, p in _residual_pairs(ctx):
        if r["disposition"] == "Mitigated" and not p.fully_mitigated:
            yield Hit(*ctx.at(r, "disposition"), r["id"], f"Mitigated, but no Implemented, verified, full-coverage control addresses {p.threat}")


@rule("MC407", "disposition-incomplete", phase=9, summary="An Accepted, Transferred or Deferred residual risk lacks an owner, or a Deferred one a target date.",
      hint="Name the person who owns the decision; give a Deferred risk its target date.")
def disposition_incomplete(ctx):
    for r in ctx.records("residual_risks"):
        if r["disposition"] in ("Accepted", "Deferred", "Transferred") and not str(r.get("owner", "")).strip():
            yield Hit(*ctx.at(r, "disposition"), r["id"], f"{r['disposition']} residual risk needs an owner")
        if r["disposition"] == "Deferred" and not str(r.get("target_date", "")).strip():
            yield Hit(*ctx.at(r, "disposition"), r["id"], "a Deferred residual risk needs a target date")
