"""MC7xx: external IDs by edition. What a newer edition renumbered, retired or renamed, named with its successor."""
from __future__ import annotations

from .. import crosswalk
from ..crosswalk import LLM_TOP10
from .registry import Hit, rule


def bare_llm(token: str) -> bool:
    return token.startswith("LLM") and ":" not in token


def llm_readings(kb, token: str) -> str:
    """What a bare LLM Top 10 ID means in each edition: 'LLM03:2025 Supply Chain or LLM03:2026 Excessive Agency'."""
    return " or ".join(f"{token}:{e['edition']} {kb.llm[token + ':' + e['edition']]['name']}"
                       for e in crosswalk.data_at(kb, LLM_TOP10.edition_from) if f"{token}:{e['edition']}" in kb.llm)


def former_names(kb) -> dict:
    """Former name -> (ID, current name), for the ATLAS and Agentic Top 10 entries renamed since the first release."""
    out = {}
    for r in kb.atlas_renamed.values():
        current = (kb.atlas_techniques.get(r["id"]) or kb.atlas_mitigations.get(r["id"]))["name"]
        out[r["former_name"]] = (r["id"], current)
    for item in kb.asi.values():
        for old in item.get("former_names", []):
            out[old] = (item["id"], item["name"])
    return out


@rule("MC701", "edition-missing", severity="warning",
      summary="An OWASP LLM Top 10 ID is written without its edition; since the 2026 edition the same number can mean another entry.",
      hint="Write the edition as OWASP does (LLM03:2025); `maestro migrate` does it for models made before v1.1.0, which used the 2025 list.")
def edition_missing(ctx):
    kb = ctx.kb
    for file, line, _, m in ctx.each_mention({"llm"}):
        if bare_llm(m.token) and f"{m.token}:2025" in kb.llm:
            yield Hit(file, line, m.token, f"{m.token} without its edition means {llm_readings(kb, m.token)}")


@rule("MC702", "retired-id", summary="An external ID that a newer edition retired (MITRE ATLAS merged three techniques into AML.T0115 in 2026.07).",
      hint="Use the successor named; `maestro migrate` replaces retired IDs everywhere.")
def retired_id(ctx):
    kb = ctx.kb
    for file, line, _, m in ctx.each_mention({"atlas"}):
        r = kb.atlas_retired.get(m.token)
        if r:
            yield Hit(file, line, m.token, f"{m.token} ({r['name']}) was retired in ATLAS {r['retired_in']}; use {r['replaced_by']}")


@rule("MC703", "former-name", severity="warning",
      summary="An external entry is written under a name its publisher has since changed.",
      hint="Write the current name; `maestro migrate` renames them.")
def former_name(ctx):
    renamed = former_names(ctx.kb)
    for file, line, text, found in ctx.mentions:
        tokens = {m.token.split(":")[0] for m in found}
        for old, (ident, new) in renamed.items():
            if old in text and ident in tokens and new not in text:
                yield Hit(file, line, ident, f"{ident} is now named {new!r}, not {old!r}")




@rule("MC704", "retired-maestro-id", summary="A MAESTRO ID that a later release deprecated (warning) or revoked (error, with its replacement).",
      hint="Use the replacement a revoked ID names (`maestro migrate` does it); keep a deprecated ID only where you mean exactly it.")
def retired_maestro_id(ctx):
    kb = ctx.kb
    for file, line, _, m in ctx.each_mention({"threat", "blindspot", "mitigation"}):
        status = kb.status_of(m.token)
        if status in ("deprecated", "revoked"):
            info = (kb.threats.get(m.token) or kb.blindspots.get(m.token) or kb.mitigations.get(m.token))[status]
            yield (Hit(file, line, m.token, f"{m.token} is deprecated since v{info['version']}: {info['reason']}", severity="warning")
                   if status == "deprecated" else Hit(file, line, m.token, f"{m.token} was revoked in v{info['version']}; use {info['replaced_by']}"))
