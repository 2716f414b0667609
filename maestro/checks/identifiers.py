"""MC2xx: every ID exists and means what it says, wherever it is written, with its canonical name."""
from __future__ import annotations

import re
from functools import lru_cache

from .. import crosswalk, engagement, ids, textscan
from ..crosswalk import ASI_TOP10, ATLAS, CWE, LLM_TOP10, RECORD_FIELDS
from .registry import Hit, rule

_KINDS = {"threat": "threat", "blindspot": "blindspot", "mitigation": "mitigation", "layer": "layer"}


@lru_cache(maxsize=4)
def _tables(kb):
    """Known IDs by kind, names by folded form, and words that are vocabulary rather than names."""
    known = {
        "threat": {t for t in kb.threats if kb.status_of(t) != "reserved"},  # deprecated and revoked: MC704
        "blindspot": set(kb.blindspots),
        "mitigation": set(kb.mitigations),
        "layer": set(kb.layers),
        "atlas": set(kb.atlas_techniques) | set(kb.atlas_tactics) | {m["id"] for m in kb.atlas["mitigations"]},
        "llm": set(kb.llm),  # cited forms, LLM01:2025
        "asi": set(kb.asi),
    }
    names = {}
    for table in (kb.active_threats(), kb.blindspots.values(), kb.mitigations.values()):
        for x in table:
            names.setdefault(textscan.fold(x["name"]), x["id"])
    sc = kb.scoring
    vocab = {textscan.fold(v) for v in [*(s["status"] for s in sc["implementation_status"]), *(r["level"] for r in sc["risk_levels"]),
                                         *sc["dispositions"], *(layer["name"] for layer in kb.layers.values()),
                                         *(t["name"] for t in kb.types.values()), *(f["name"] for f in kb.factors)]}
    return known, names, vocab


def _reserved(kb):
    return {t["id"] for t in kb.reserved_threats()}


def _unknown_message(kb, m) -> str | None:
    known, _, _ = _tables(kb)
    token = m.token
    if m.kind == "llm":
        if ":" in token:
            return None if token in kb.llm else f"{token} is not in any OWASP LLM Top 10 edition this knowledge base knows (v{kb.version})"
        if f"{token}:2025" in kb.llm:
            return None  # known, but without its edition: MC701
    if m.kind == "asi" and ":" in token:
        token = token.split(":")[0]
    if m.kind == "atlas" and token in kb.atlas_retired:
        return None  # MC702 names the successor
    if m.link and m.kind == "layer" and token.upper() != "CL" and not re.fullmatch(r"L[1-7]", token):
        return f"link to /layers/{m.token}/: no such layer page"
    if m.link:
        token = token.upper() if m.kind != "layer" else token
    if token in known[m.kind] or token in _reserved(kb):
        return None
    what = {"atlas": crosswalk.framework_title(kb, ATLAS, kb.atlas_edition), "llm": "the OWASP LLM Top 10",
            "asi": "the " + crosswalk.framework_title(kb, ASI_TOP10, crosswalk.editions(kb, ASI_TOP10)[0])}.get(m.kind, f"the knowledge base (v{kb.version})")
    where = f"link /{m.kind}s/{m.token}/ points to no page: " if m.link else ""
    return f"{where}{token} does not exist in {what}"


@rule("MC201", "unknown-id", summary="An ID that does not exist in the knowledge base or the cited framework edition.",
      hint="Cite only IDs listed in data/ (threats.yaml, blindspots.yaml, mitigations.yaml, layers.yaml, atlas.yaml, frameworks.yaml); "
           "a threat the taxonomy lacks gets a local ID and a 'gap' note.")
def unknown_id(ctx):
    for file, line, _, m in ctx.each_mention():
        msg = _unknown_message(ctx.kb, m)
        if msg:
            yield Hit(file, line, m.token, msg)
    yield from _unknown_in_fields(ctx)


# Frameworks far larger than what the knowledge base lists: a well-formed ID the knowledge base lacks is likely real
# (CWE-89, CWE-434), so it is a warning; the closed lists (LLM and Agentic Top 10) stay errors.
_OPEN_LISTS = {CWE.name: r"CWE-[1-9][0-9]{0,4}", ATLAS.name: r"AML\.T[0-9]{4}(?:\.[0-9]{3})?"}


def _unknown_in_fields(ctx):
    kb = ctx.kb
    tables = {f.name: (getattr(kb, f.index), f.entry) for f in RECORD_FIELDS}
    for t in ctx.records("threats"):
        for field, (table, what) in tables.items():
            for j, v in enumerate(t.get(field, [])):
                if v in table or (field == LLM_TOP10.name and f"{v}:2025" in kb.llm) or (field == ATLAS.name and v in kb.atlas_retired):
                    continue  # bare LLM IDs and retired ATLAS IDs are edition drift (MC701, MC702)
                if isinstance(v, str) and field in _OPEN_LISTS and re.fullmatch(_OPEN_LISTS[field], v):
                    yield Hit(*ctx.at(t[field], j), t["id"], f"{what} {v} is well formed but outside the knowledge base; "
                              "check it against the framework's own list", severity="warning")
                    continue
                yield Hit(*ctx.at(t[field], j), t["id"], f"unknown {what} {v}")
    for m in ctx.records("mitigations"):
        if re.fullmatch(ids.MITIGATION, m["id"]) and m["id"] not in kb.mitigations:
            yield Hit(*ctx.at(m, "id"), m["id"], f"{m['id']} is not in the mitigation catalog")
        for j, c in enumerate(m.get("implements", [])):
            if c not in kb.mitigations:
                yield Hit(*ctx.at(m["implements"], j), m["id"], f"implements {c}, which is not in the mitigation catalog")


@rule("MC202", "reserved-id", summary="A reserved ID (T26, T27) is cited.",
      hint="Reserved IDs have no meaning and are never cited; pick the threat that fits or record a gap.")
def reserved_id(ctx):
    reserved = _reserved(ctx.kb)
    for file, line, _, m in ctx.each_mention({"threat"}):
        if m.token.upper() in reserved:
            yield Hit(file, line, m.token, f"{m.token} is reserved and cannot be cited")


def judge_name(kb, token: str, written: str, notation: str, rest: str = "") -> str | None:
    """Why ``written`` is not the canonical name of ``token``, or None when it is (or is not a name at all)."""
    canon = kb.name_of(token)
    written = written.strip()
    if not canon or not written:
        return None
    if notation == "before":
        if written.endswith(canon) or not textscan.could_be_name(written, from_end=True):
            return None
        cand = textscan.best_span(written, canon, from_end=True)
    elif notation == "after":
        if written.startswith(canon) or rest.startswith(canon) or not textscan.could_be_name(written, from_end=False):
            return None
        cand = textscan.best_span(written, canon, from_end=False)
    else:
        if written == canon or (written.startswith(canon) and not written[len(canon):][:1].isalnum()):
            return None
        cand = written
    _, names, vocab = _tables(kb)
    named = textscan.looks_like_name(cand) and textscan.fold(cand) not in vocab
    other = names.get(textscan.fold(cand))
    if other and other != token and (named or notation in ("paren", "colon", "cell")):
        return f"{cand!r} is the name of {other}, not of {token} ({canon!r})"
    near = f"{cand!r} next to {token} is a near miss of its canonical name {canon!r}; write it exactly so"
    if notation in ("paren", "colon", "cell"):  # written as a label, in any case: it must be the name
        if textscan.fold(cand) == textscan.fold(canon) or textscan.similarity(cand, canon) >= 0.6:
            return near
        return f"{cand!r} next to {token} is not its canonical name {canon!r}" if named else None
    # running text before or after the ID: a title-case attempt at the name, not a lower-case description
    return near if named and textscan.similarity(cand, canon) >= 0.5 else None


MAX_NAMES_JUDGED = 5000  # IDs per file whose written names are judged; a real phase file has a few hundred


@rule("MC203", "wrong-name", summary="The name written next to an ID is not its canonical name.",
      hint="Copy the name exactly as data/ spells it (threats.yaml, blindspots.yaml, mitigations.yaml), '&' and case included.")
def wrong_name(ctx):
    kb = ctx.kb
    judged: dict[str, int] = {}
    for file, line, text, m in ctx.each_mention({"threat", "blindspot", "mitigation"}):
        judged[file] = judged.get(file, 0) + 1
        if judged[file] > MAX_NAMES_JUDGED:
            if judged[file] == MAX_NAMES_JUDGED + 1:  # said once per file; never a silent pass
                yield Hit(file, line, m.token, f"more than {MAX_NAMES_JUDGED} IDs in this file; the names next to the "
                          "rest were not checked: split the file")
            continue
        for nm in ([] if m.link else textscan.names_near(text, m)):
            msg = judge_name(kb, m.token, nm.written, nm.notation, nm.rest)
            if msg:
                yield Hit(file, line, m.token, msg)
    yield from _wrong_names_in_fields(ctx)


def _wrong_names_in_fields(ctx):
    kb = ctx.kb
    for t in ctx.records("threats"):
        for field in ("maps_to", "blindspots"):
            for j, ref in enumerate(t.get(field, [])):
                if isinstance(ref, dict) and ref.get("name") and kb.name_of(ref["id"]) and ref["name"] != kb.name_of(ref["id"]):
                    yield Hit(*ctx.at(t[field], j), t["id"], f"name {ref['name']!r} next to {ref['id']} is not its canonical name {kb.name_of(ref['id'])!r}")
    for m in ctx.records("mitigations"):
        if m["id"] in kb.mitigations and m["name"] != kb.mitigations[m["id"]]["name"]:
            yield Hit(*ctx.at(m, "name"), m["id"], f"name {m['name']!r} is not the canonical name of {m['id']}: {kb.mitigations[m['id']]['name']!r}")


@rule("MC204", "local-id-undefined", summary="A local ID (PREFIX-T7, PREFIX-M3, A1, TA2, TB3, AF4, DF1, CV5, RR6, REM7) is used but no record defines it.",
      hint="Define the record in its phase file, or correct the reference (another project's prefix counts as undefined).")
def local_id_undefined(ctx):
    defined = ctx.defined_local_ids
    for file, line, text in ctx.texts:
        for tok, _ in textscan.local_ids(text):
            if tok not in defined:
                later = ctx.pending(_defining_phase(tok))  # a forward reference to a phase not yet started
                yield Hit(file, line, tok, f"{tok} is referred to but no record defines it"
                          + (" yet (its phase has not started)" if later else ""), severity="pending" if later else None)


_DEFINED_IN = {"A": 1, "TA": 3, "TB": 4, "AF": 5, "DF": 5, "CV": 8, "RR": 9, "REM": 10, "T": 6, "M": 7}


def _defining_phase(tok: str) -> int:
    """The phase whose record block defines a local ID: PAY-T3 in Phase 6, CV2 in Phase 8..."""
    m = re.fullmatch(r"(?:[A-Z][A-Z0-9]*-(?P<lk>[TM])|(?P<k>[A-Z]+))[0-9]+", tok)
    return _DEFINED_IN[m.group("lk") or m.group("k")]


@rule("MC205", "local-id-format", summary="A local threat or mitigation ID has the wrong shape or prefix, or shadows a taxonomy ID.",
      hint="Number local threats PREFIX-T1, PREFIX-T2... and project controls PREFIX-M1...; cite catalog controls by their catalog ID.")
def local_id_format(ctx):
    prefix = ctx.prefix
    for i, t in enumerate(ctx.records("threats")):
        tid = t["id"]
        if re.fullmatch(ids.THREAT, tid) or re.fullmatch(ids.BLINDSPOT, tid) or re.fullmatch(ids.MITIGATION, tid):
            yield Hit(*ctx.at(t, "id"), tid, f"local threat ID {tid} shadows a taxonomy ID; name local threats {prefix}-T<n> (e.g. {prefix}-T{i + 1})")
        elif not re.fullmatch(engagement.LOCAL_THREAT, tid):
            yield Hit(*ctx.at(t, "id"), tid, f"local threat ID must look like {prefix}-T<n>")
        elif not tid.startswith(prefix + "-"):
            yield Hit(*ctx.at(t, "id"), tid, f"local threat ID must use the project prefix {prefix}")
    for m in ctx.records("mitigations"):
        mid = m["id"]
        if re.fullmatch(ids.MITIGATION, mid):
            continue
        if not re.fullmatch(engagement.LOCAL_MITIGATION, mid):
            yield Hit(*ctx.at(m, "id"), mid, f"mitigation ID must be a catalog ID (e.g. L3-D2) or {prefix}-M<n>")
        elif not mid.startswith(prefix + "-"):
            yield Hit(*ctx.at(m, "id"), mid, f"local mitigation ID must use the project prefix {prefix}")
        elif not m.get("implements"):
            yield Hit(*ctx.at(m, "id"), mid, "a project-specific mitigation must name the catalog IDs it implements ('implements')")


@rule("MC206", "wrong-kind-reference", summary="A field refers to an ID of the wrong kind (a blindspot in maps_to, a taxonomy ID in addresses...).",
      hint="maps_to takes threat IDs, blindspots takes BV IDs, addresses and residual or roadmap threats take local threat IDs.")
def wrong_kind_reference(ctx):
    kb = ctx.kb
    known, _, _ = _tables(kb)
    for t in ctx.records("threats"):
        for field, kind in (("maps_to", "threat"), ("blindspots", "blindspot")):
            for j, ref in enumerate(t.get(field, [])):
                rid = ref.get("id") if isinstance(ref, dict) else ref
                if rid not in known[kind] and rid not in _reserved(kb):
                    yield Hit(*ctx.at(t[field], j), t["id"], f"{rid} is not a {kind} ID in the knowledge base (v{kb.version})")
    threats = ctx.ids_of("threats")
    refs = [("mitigations", "addresses"), ("residual_risks", "threat"), ("roadmap", "threats")]
    for key, field in refs:
        for r in ctx.records(key):
            values = r.get(field) if isinstance(r.get(field), list) else [r.get(field)]
            for j, v in enumerate(values):
                if v in threats or not isinstance(v, str):
                    continue
                node, k = (r[field], j) if isinstance(r.get(field), list) else (r, field)
                if v in known["threat"] or v in _reserved(kb):
                    yield Hit(*ctx.at(node, k), r.get("id", ""), f"{field} lists taxonomy ID {v}; list the local threat ({ctx.prefix}-T<n>) instead")
                elif v in ctx.defined_local_ids:
                    yield Hit(*ctx.at(node, k), r.get("id", ""), f"{field} lists {v}, which is not a threat")
                else:
                    yield Hit(*ctx.at(node, k), r.get("id", ""), f"{field} lists unknown local threat {v}")


@rule("MC207", "hidden-characters", summary="Text holds invisible or bidirectional-control characters, or a word that mixes Latin "
      "letters with look-alikes from another script (Cyrillic 'Т12').",
      hint="Retype the text in plain characters; such characters make a reader and the checker see different IDs and names.")
def hidden_characters(ctx):
    for file, line, text in ctx.raw_texts:
        if text.isascii():
            continue
        hidden = textscan.hidden_characters(text)
        if hidden:
            yield Hit(file, line, "", f"invisible or direction-changing character(s): {', '.join(hidden)}")
        for word in textscan.mixed_script_words(text):
            odd = ", ".join(textscan.code_point(ch) for ch in dict.fromkeys(word) if ch.isalpha() and not ch.isascii())
            yield Hit(file, line, word, f"{word!r} mixes Latin letters with look-alikes from another script ({odd})")
