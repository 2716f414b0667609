"""MC8xx: the method as a careful analyst follows it, so that a hurried or careless draft does not pass.

People who own or approve decisions are people; dates are real days, judged against the engagement's own
date; review cycles, the executive summary and the roadmap agree with the register; each threat has one
residual record and one rating; references point at records of the right kind; an MCP system considers the
MCP threats; records carry substance; the project prefix does not pass for another ID family. Where the
upstream method leaves the reading open, rulings R14 to R18 in data/decisions.yaml fix it.
"""
from __future__ import annotations

import datetime as _dt
import re
from collections import Counter

from .. import assessment, engagement, ids, phasefile, scoring
from .context import LIST_KEYS
from .registry import Hit, rule

PHASE_OF = {k: n for n, keys in phasefile.PHASE_KEYS.items() for k in keys}   # record key -> the phase that writes it


# ================================================================== walking the records
def keyed_strings(ctx, wanted):
    """(node, key, value, ident) of every string, or string in a list, held under a key that ``wanted`` accepts,
    anywhere in the records. ``node[key]`` is where the value sits; ``ident`` is the nearest record ID, or the path."""
    for top in sorted(phasefile.RECORD_KEYS):
        if top in ctx.doc:
            yield from _walk(ctx.doc, top, top, wanted)


def _walk(parent, key, ident, wanted):
    node = parent[key]
    if isinstance(node, dict):
        own = isinstance(node.get("id"), str)
        ident = node["id"] if own else ident
        for k in node:
            if wanted(k):
                yield from _strings_at(node, k, ident)
            if isinstance(node[k], (dict, list)):
                yield from _walk(node, k, ident if own else f"{ident}.{k}", wanted)
    elif isinstance(node, list):
        for j, item in enumerate(node):
            if isinstance(item, (dict, list)):
                yield from _walk(node, j, ident, wanted)


def _strings_at(node, key, ident):
    value = node[key]
    if isinstance(value, str):
        yield node, key, value, ident
    elif isinstance(value, list):
        for j, v in enumerate(value):
            if isinstance(v, str):
                yield value, j, v, ident


def phase_severity(ctx, n: int | None):
    """None (the rule's own severity) once phase ``n`` is finished; "pending" while it may still change."""
    return None if n is None or ctx.phase_status(n) in (None, "complete") else "pending"


def _summary(ctx):
    summary = ctx.doc.get("summary")
    return summary if isinstance(summary, dict) and "summary" not in ctx.broken_keys else None


def _rank(kb, level) -> int:
    """Order of a risk level: None (an effective risk of 0) 0, Low 1 ... Critical 4; unknown -1."""
    values = {r["level"]: r["value"] for r in kb.scoring["risk_levels"]}
    return 0 if level == "None" else values.get(level, -1)


# ================================================================== placeholders
_PLACEHOLDER_WORDS = {"tbd", "tba", "tbc", "tbs", "todo", "fixme", "placeholder", "unknown", "unassigned", "unnamed",
                      "undecided", "undetermined", "pending", "yyyy", "mm", "dd", "lorem", "ipsum"}
_PLACEHOLDER_WHOLE = {"", "owner", "the owner", "someone", "somebody", "anyone", "anybody", "none", "nobody", "no one",
                      "n a", "na", "nil", "null", "name", "your name", "full name", "name and role", "name role",
                      "first last", "firstname lastname", "first name last name", "name surname", "john doe", "jane doe",
                      "max mustermann", "erika mustermann", "user", "the user", "me", "myself", "i", "we", "us", "self",
                      "same", "same as above", "see above", "as above", "various", "multiple", "ask the user", "the client",
                      "the customer", "client", "customer", "stakeholder", "stakeholders", "the business", "date"}
_TO_BE = re.compile(r"\bto be (?:decided|determined|defined|confirmed|assigned|named|agreed|appointed|identified|set)\b")
_TEMPLATE_SLOT = re.compile(r"<[^<>@]*>|\[[^\[\]]*\]|\{[^{}]*\}")   # <name>, [owner], {{approver}}


def plain_words(text: str) -> str:
    """``text`` lower-cased, with every run of characters other than letters and digits made one space."""
    return " ".join(re.findall(r"[^\W_]+(?:['\u2019][^\W_]+)*", text.casefold()))


def is_placeholder(text: str) -> bool:
    """Whether ``text`` stands in for a value nobody has given yet: TBD, n/a, '-', '?', xxx, <name>, 'to be decided'."""
    plain = plain_words(text)
    if plain in _PLACEHOLDER_WHOLE or set(plain.split()) & _PLACEHOLDER_WORDS or _TO_BE.search(plain):
        return True
    if any(re.fullmatch(r"x{2,}|\?+", w) for w in text.casefold().split()):
        return True
    return bool(_TEMPLATE_SLOT.search(text)) and not named_person(_TEMPLATE_SLOT.sub(" ", text))


# ================================================================== people
# Words that make a run of capitalised words an AI product, a team, a role or a stand-in rather than a person's name.
_AI_STRONG = {"assistant", "claude", "chatgpt", "gpt", "copilot", "gemini", "bard", "llm", "llms", "bot", "chatbot", "codex",
              "cursor", "openai", "anthropic", "llama", "mistral", "sonnet", "opus", "haiku", "grok", "deepseek", "qwen",
              "devin", "windsurf", "genai", "perplexity"}
_AI_WEAK = {"ai", "agent", "agents", "model", "models", "automation", "automated", "autonomous", "system", "code", "machine"}
_COLLECTIVE = {"team", "teams", "group", "squad", "department", "dept", "division", "unit", "org", "organisation",
               "organization", "guild", "chapter", "tribe", "crew", "staff", "committee", "board", "council", "pod", "channel",
               "list", "dl", "distro", "distribution", "mailbox", "mailing", "alias", "all", "everyone", "everybody", "folks",
               "people", "rota", "rotation"}
_FUNCTION = {"function", "office", "desk", "ops", "devops", "secops", "devsecops", "sre", "it", "security", "engineering",
             "infrastructure", "platform", "operations", "finance", "legal", "compliance", "privacy", "hr", "support",
             "product", "data", "ml", "mlops", "research", "sales", "marketing", "procurement", "risk", "audit", "facilities",
             "cloud", "network", "networking", "helpdesk", "servicedesk", "service", "services", "experience", "management"}
_TEAM = _COLLECTIVE | _FUNCTION
_ROLE = {"lead", "leader", "manager", "head", "director", "officer", "chief", "vp", "svp", "evp", "president", "engineer",
         "analyst", "architect", "administrator", "admin", "specialist", "coordinator", "supervisor", "counsel", "owner",
         "steward", "controller", "consultant", "sponsor", "representative", "rep", "principal", "ciso", "cso", "cto", "cio",
         "ceo", "cfo", "coo", "cpo", "dpo", "cmio", "cmo", "developer", "auditor", "reviewer", "approver", "operator",
         "maintainer", "oncall", "on-call", "expert", "advisor", "adviser", "nurse", "physician", "clinician", "founder"}
_NOT_A_NAME = (_AI_STRONG - {"claude", "devin"}) | _AI_WEAK | _TEAM | _ROLE | _PLACEHOLDER_WORDS   # Claude Dubois is a person
_TITLES = {"dr", "prof", "mr", "mrs", "ms", "mx", "sir", "dame"}
_PARTICLES = {"van", "von", "de", "da", "del", "della", "der", "den", "di", "du", "la", "le", "bin", "binti", "al", "el",
              "ter", "ten", "y", "dos", "das", "do", "af", "zu"}
_SEGMENT_BREAK = re.compile(r"[(),;:/|<>\[\]{}\u2013\u2014]| - | and | & ")


def _name_word(tok: str, first: bool, last: bool) -> bool:
    """Whether one word can be part of a person's name at that place."""
    if tok.rstrip(".").casefold() in _NOT_A_NAME:
        return False
    if re.fullmatch(r"[^\W\d_]\.?", tok):
        return not last                                   # an initial, as in "John F. Kennedy"
    if tok.casefold() in _PARTICLES:
        return not first and not last
    if not re.fullmatch(r"[^\W\d_]+(?:[-'\u2019][^\W\d_]+)*", tok):
        return False
    caseless = tok.upper() == tok.lower()                 # a script without letter case
    return caseless or (tok[0].isupper() and not (len(tok) > 1 and tok.isupper()))


def _is_name(segment: str) -> bool:
    """Whether one segment is a person's name: two to five name words, where a title may stand in for one."""
    toks = segment.split()
    titled = bool(toks) and toks[0].casefold().rstrip(".") in _TITLES
    core = toks[1:] if titled else toks
    if len(core) == 1 and core[0].upper() == core[0].lower() and len(core[0]) >= 2:
        return True                                       # a name in a caseless script, written without spaces
    if not 2 - titled <= len(core) <= 5:
        return False
    return all(_name_word(t, i == 0, i == len(core) - 1) for i, t in enumerate(core))


def named_person(text: str) -> bool:
    """Whether ``text`` names a person: some part of it, between brackets, commas or dashes, is a full name. An e-mail
    address or handle is a break, never part of the name (split on spaces, so a long hostile token costs one pass)."""
    plain = " ".join("|" if "@" in w else w for w in text.split())
    return any(_is_name(s.strip()) for s in _SEGMENT_BREAK.split(plain))


def not_a_person(text: str) -> str | None:
    """What ``text`` is instead of a person ("a placeholder", "an AI assistant"...), or None when it names someone."""
    if is_placeholder(text):
        return "a placeholder"
    if named_person(text):
        return None
    words = set(plain_words(text).split()) | ({"gpt"} if re.search(r"\bgpt", text, re.I) else set())
    if words & _AI_STRONG or (words & _AI_WEAK and not words & (_ROLE | _TEAM)):
        return "an AI assistant"
    if "@" in text or words & _COLLECTIVE or re.fullmatch(r"[a-z0-9]+(?:[-_.][a-z0-9]+)+", text.strip()):
        return "a team, mailbox or distribution list"
    if words & _ROLE:
        return "a role with no one named in it"
    if words & _FUNCTION:
        return "a team, mailbox or distribution list"
    return "not a person's full name"


_OWNER_KEYS = {"owner", "owners", "approved_by", "given_by", "accepted_by", "signed_off_by", "approver"}


@rule("MC801", "owner-not-a-person",
      summary="An owner, approver or consent-giver is an AI assistant, a placeholder, a team or mailbox, or a role with no one named.",
      hint="Ask the user who it is and write that person's name with their role ('Dana Ruiz, Head of Clinical Operations'); "
           "an AI, a team alias or a placeholder cannot answer for a decision (ruling R14).")
def owner_not_a_person(ctx):
    for node, key, value, ident in keyed_strings(ctx, lambda k: k in _OWNER_KEYS or str(k).endswith("_owner")):
        what = not_a_person(value) if value.strip() else None   # an empty owner is MC407's (or nobody's) finding
        if what:
            yield Hit(*ctx.at(node, key), ident, f"{key if isinstance(key, str) else 'owner'} {value!r} is {what}, not a named person")


# ================================================================== dates
STALE_DAYS = 30            # a target or review date this long before the engagement began had passed before work started
CONSENT_DAYS = 365         # consent older than this, counted back from the engagement's date, is asked for again
_DATE_KEYS = {"date", "next_review", "due", "deadline", "review_by"}
_TARGET_KEYS = {"target_date", "due_date", "next_review", "review_date", "next_review_date", "due", "deadline", "review_by"}
_VAGUE = re.compile(r"\b(?:q[1-4]|h[12]|soon|asap|later|never|next|end|eo[ymq]|sprint|quarter|month|week|year|ongoing|"
                    r"continuous|tomorrow|today|now|immediately)\b", re.I)


def is_date_key(key) -> bool:
    return isinstance(key, str) and (key in _DATE_KEYS or key.endswith("_date"))


def parse_day(text: str) -> _dt.date | None:
    """The day ``text`` names when it is a real date written YYYY-MM-DD, else None."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text.strip()):
        return None
    try:
        return _dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def date_problem(text: str) -> str | None:
    """Why ``text`` is not a usable date (impossible, a stand-in, or not written YYYY-MM-DD), or None."""
    s = text.strip()
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s):
        day = parse_day(s)
        if day is None:
            return f"{s} is not a day of the calendar"
        return None if 1900 < day.year < 2100 else f"{s} is a stand-in, not a planned day"
    if is_placeholder(s) or _VAGUE.search(s):
        return f"{s!r} is a placeholder, not a date"
    return f"{s!r} is not a date written YYYY-MM-DD"


def engagement_day(ctx) -> _dt.date | None:
    """The engagement's own 'today': state.json's creation date, or the export's date; never the wall clock."""
    raw = ctx.state.get("created") if ctx.state is not None else ctx.doc.get("generated")
    return parse_day(str(raw or "")[:10])


@rule("MC802", "date-malformed", summary="A date is impossible (2026-02-30), a placeholder (TBD, Q3, soon) or not written YYYY-MM-DD.",
      hint="Write the real day as YYYY-MM-DD; if nobody has decided it, ask the user rather than writing a stand-in (ruling R15).")
def date_malformed(ctx):
    for node, key, value, ident in keyed_strings(ctx, is_date_key):
        problem = date_problem(value) if value.strip() else None
        if problem:
            yield Hit(*ctx.at(node, key), ident, f"{key}: {problem}")


@rule("MC803", "date-stale", summary="A target or review date had passed before the engagement began, or the consent is over a year old.",
      hint="Dates are judged against the engagement's creation date (state.json 'created', or the export's 'generated'), not today; "
           "set a target ahead of it, and ask for consent again when it is older than a year (ruling R15).")
def date_stale(ctx):
    today = engagement_day(ctx)
    if today is None:
        return
    bc = ctx.doc.get("business_context")
    consent = bc.get("consent") if isinstance(bc, dict) else None
    for node, key, value, ident in keyed_strings(ctx, is_date_key):
        day = parse_day(value)
        if day is None:
            continue
        if node is consent and key == "date" and (today - day).days > CONSENT_DAYS:
            yield Hit(*ctx.at(node, key), ident, f"consent of {value} is more than a year older than the engagement ({today})")
        elif key in _TARGET_KEYS and (today - day).days > STALE_DAYS:
            yield Hit(*ctx.at(node, key), ident, f"{key} {value} is {(today - day).days} days before the engagement began ({today})")


# ================================================================== Phase 9 review cycle, one record per threat
@rule("MC804", "review-too-rare", phase=9, summary="A residual risk is reviewed less often than review_schedule asks for its level.",
      hint="Use the frequency data/scoring.yaml gives the residual level (review_schedule), or a more frequent one (ruling R16).")
def review_too_rare(ctx):
    schedule = ctx.kb.scoring["review_schedule"]
    order = [schedule[r["level"]] for r in sorted(ctx.kb.scoring["risk_levels"], key=lambda r: -r["value"])]  # most often first
    for r in ctx.records("residual_risks"):
        want, have = schedule.get(r["residual"]), r.get("review")
        if want in order and have in order and order.index(have) > order.index(want):
            yield Hit(*ctx.at(r, "review"), r["id"], f"{r['residual']} residual risk reviewed {have}; its level needs {want} or more often")


@rule("MC805", "residual-duplicate", phase=9, summary="Two residual-risk records describe the same threat.",
      hint="Keep one record per threat: merge the two, with one owner, disposition and review cycle.")
def residual_duplicate(ctx):
    first: dict = {}
    for r in ctx.all_records("residual_risks"):
        tid = r.get("threat")
        if not isinstance(tid, str):
            continue
        if tid in first:
            yield Hit(*ctx.at(r, "threat"), str(r.get("id", "")), f"{tid} already has residual record {first[tid]}")
        else:
            first[tid] = r.get("id", "?")


# ================================================================== Phase 6: twins rated apart
def _rating(kb, t) -> tuple:
    """(risk level, severity, likelihood) of a threat, each as its rank on its scale."""
    sev = [s["level"] for s in kb.scoring["severity"]]
    lik = [s["level"] for s in kb.scoring["likelihood"]]
    level = scoring.threat_level(kb, t)
    return (_rank(kb, level), sev.index(t["severity"]), lik.index(t["likelihood"]) if t.get("likelihood") in lik else -1)


def _twin_key(t) -> tuple:
    return tuple(" ".join(str(t.get(k) or "").casefold().split()) for k in ("name", "description"))


@rule("MC806", "duplicate-rated-lower", phase=6, summary="A threat repeats another word for word (name and description) but is rated lower.",
      hint="Merge the two into one threat with the higher rating; one root cause is one threat (AGENTS.md Phase 6, step 10).")
def duplicate_rated_lower(ctx):
    groups: dict = {}
    for t in ctx.records("threats"):
        groups.setdefault(_twin_key(t), []).append(t)
    for twins in groups.values():
        top = max(twins, key=lambda t: _rating(ctx.kb, t))
        for t in twins:
            if _rating(ctx.kb, t) < _rating(ctx.kb, top):
                yield Hit(*ctx.at(t, "severity"), t["id"], f"rated {_said(ctx.kb, t)} while its word-for-word twin {top['id']} "
                          f"is rated {_said(ctx.kb, top)}")


def _said(kb, t) -> str:
    return f"{scoring.threat_level(kb, t)} ({t['severity']} x {t.get('likelihood', 'no likelihood')})"


# ================================================================== Phase 10: the summary agrees with the register
@rule("MC807", "summary-top-risks-wrong", phase=10,
      summary="The executive summary's top risks are not the threats with the highest effective risk, or leave one out.",
      hint="List the five threats with the highest effective risk that `maestro score PATH` gives, highest first (ruling R17).")
def summary_top_risks_wrong(ctx):
    summary = _summary(ctx)
    listed = summary.get("top_risks") if summary else None
    if not isinstance(listed, list):
        return
    eff = {tid: p.effective for tid, p in ctx.postures.items()}
    left = sorted((t for t in eff if t not in listed), key=lambda t: -eff[t])
    if not left:
        return
    for j, tid in enumerate(listed):
        if tid in eff and eff[tid] < eff[left[0]]:
            yield Hit(*ctx.at(listed, j), tid, f"top risk {tid} (effective risk {eff[tid]:g}) is listed while {left[0]} "
                      f"({eff[left[0]]:g}) is not")
    shown = [t for t in listed if t in eff]
    if len(shown) < 5 and eff[left[0]] > 0 and all(eff[t] >= eff[left[0]] for t in shown):
        yield Hit(*ctx.at(summary, "top_risks"), left[0], f"{len(shown)} top risks listed; {left[0]} (effective risk "
                  f"{eff[left[0]]:g}) belongs among the five")


_THREAT_TOTAL = ("total_threats", "total_threats_identified", "threats_total")
_SEVERE_TOTAL = ("critical_high_threats", "critical_high")
_MITIGATION_TOTAL = ("total_mitigations", "mitigations_total")


def _count_claims(ctx, summary):
    """(node, key, what, claimed, actual) for every count the summary states that the register can recount."""
    levels = Counter(p.level for p in ctx.postures.values())
    statuses = Counter(m["status"] for m in ctx.mitigations.values())
    threats = {"total": len(ctx.postures), "critical_high": levels["Critical"] + levels["High"],
               **{lvl["level"].casefold(): levels[lvl["level"]] for lvl in ctx.kb.scoring["risk_levels"]}}
    mitigations = {"total": len(ctx.mitigations),
                   **{plain_words(s["status"]).replace(" ", "_"): statuses[s["status"]] for s in ctx.kb.scoring["implementation_status"]}}
    for block, actual in (("threat_counts", threats), ("mitigation_counts", mitigations)):
        node = summary.get(block)
        for k in node if isinstance(node, dict) else ():
            if str(k).casefold() in actual:
                yield node, k, f"{block}.{k}", node[k], actual[str(k).casefold()]
    for keys, actual in ((_THREAT_TOTAL, threats["total"]), (_SEVERE_TOTAL, threats["critical_high"]),
                         (_MITIGATION_TOTAL, mitigations["total"]), (("mitigations_implemented",), mitigations["implemented"])):
        for k in keys:
            if k in summary:
                yield summary, k, k, summary[k], actual


@rule("MC808", "summary-counts-wrong", phase=10,
      summary="A count in the executive summary (threats by risk level, mitigations by status) differs from the register.",
      hint="Recount from the records: threats by the risk level the matrix gives, mitigations by the status on their cards (ruling R17).")
def summary_counts_wrong(ctx):
    summary = _summary(ctx)
    whole = len(ctx.postures) == len(ctx.all_records("threats")) and len(ctx.mitigations) == len(ctx.all_records("mitigations"))
    if not summary or not whole or not ctx.postures:
        return  # a record that failed the schema is MC108's, an empty register MC107's; counting around them would blame the summary
    for node, key, what, claimed, actual in _count_claims(ctx, summary):
        if isinstance(claimed, int) and not isinstance(claimed, bool) and claimed != actual:
            yield Hit(*ctx.at(node, key), "summary", f"{what} is {claimed}, but the register holds {actual}")


_POSTURE_KEYS = ("overall_posture", "posture", "overall_risk_posture", "risk_posture")


def _worst_standing(ctx) -> tuple[str, str] | None:
    """(threat, level) of the worst level the register records: residual levels, and effective levels where no record is."""
    recorded = {r["threat"]: r["residual"] for r in ctx.records("residual_risks") if r["threat"] in ctx.postures}
    levels = {tid: recorded.get(tid, p.effective_level) for tid, p in ctx.postures.items()}
    return max(levels.items(), key=lambda kv: _rank(ctx.kb, kv[1])) if levels else None


@rule("MC809", "summary-posture-too-good", phase=10,
      summary="The executive summary states a better overall posture than the residual register supports.",
      hint="The posture is no better than the worst residual level in Phase 9 (ruling R17); say what will improve it in the recommendations.")
def summary_posture_too_good(ctx):
    summary = _summary(ctx)
    key = next((k for k in _POSTURE_KEYS if summary and isinstance(summary.get(k), str)), None)
    worst = _worst_standing(ctx)
    if key is None or worst is None:
        return
    levels = [r["level"] for r in ctx.kb.scoring["risk_levels"]]
    said = re.search(r"\b(" + "|".join(levels) + r")\b", summary[key], re.I)
    if said and _rank(ctx.kb, said.group(1).capitalize()) < _rank(ctx.kb, worst[1]):
        yield Hit(*ctx.at(summary, key), "summary", f"posture {said.group(1)} is better than the register supports: "
                  f"{worst[0]} stands at {worst[1]}")


# ================================================================== Phase 10: done means built
@rule("MC810", "roadmap-done-unbuilt", phase=10,
      summary="A roadmap item is Complete while a control it lists is not Implemented, or not shown to be.",
      hint="Keep the item In Progress until every control it lists is Implemented and verified in Phase 8 or backed by evidence (ruling R01).")
def roadmap_done_unbuilt(ctx):
    validations = ctx.records("code_validation")
    for item in ctx.records("roadmap"):
        if item.get("status") != "Complete":
            continue
        for j, mid in enumerate(item.get("mitigations", [])):
            m = ctx.mitigations.get(mid)
            if m is None:
                continue
            status, basis = assessment.scoring_status(ctx.kb, m, validations)
            if status == "Implemented":
                continue
            why = (f"is {m['status']}" if m["status"] != "Implemented" else
                   f"is claimed Implemented but {basis} found {status}" if basis.startswith("code validation") else
                   "is claimed Implemented with neither a Phase 8 record nor cited evidence")
            yield Hit(*ctx.at(item["mitigations"], j), item["id"], f"item is Complete but {mid} {why}")


# ================================================================== references of the wrong kind
_RECORD_KINDS = ((r"RR[1-9][0-9]*", "a residual-risk record"), (r"TA[1-9][0-9]*", "a threat actor"),
                 (r"TB[1-9][0-9]*", "a trust boundary"), (r"AF[1-9][0-9]*", "an asset"), (r"DF[1-9][0-9]*", "a data flow"),
                 (r"A[1-9][0-9]*", "an assumption"), (r"CV[1-9][0-9]*", "a code-validation record"),
                 (r"REM[1-9][0-9]*", "a roadmap item"), (ids.BLINDSPOT, "a blindspot"), (ids.LAYER, "a layer"),
                 (ids.THREAT, "a taxonomy threat"), (engagement.LOCAL_THREAT, "a local threat"),
                 (ids.MITIGATION, "a mitigation"), (engagement.LOCAL_MITIGATION, "a mitigation"))


def id_kind(token: str) -> str | None:
    """What kind of record or taxonomy entry an ID names ("an asset", "a mitigation"...), or None for no known shape."""
    return next((what for rx, what in _RECORD_KINDS if re.fullmatch(rx, token)), None)


def _slots(ctx):
    """(node, key, value, record ID, kind wanted) for every field that must name a mitigation, or a local threat
    where MC206 does not already judge it (attack chains)."""
    for key, field in (("threats", "mitigations"), ("roadmap", "mitigations"), ("code_validation", "mitigation"),
                       ("attack_chains", "threats")):
        wanted = "a local threat" if field == "threats" else "a mitigation"
        for r in ctx.records(key):
            ident = r.get("id") or r.get("name", key)
            yield from ((node, k, v, ident, wanted) for node, k, v, _ in _strings_at(r, field, ident))


@rule("MC811", "reference-wrong-kind", summary="A field that must name a mitigation names a residual risk, actor, boundary, asset, "
      "assumption, threat or other record instead; or an attack chain lists something other than a local threat.",
      hint="List mitigation IDs (a catalog control's ID, or PREFIX-M<n> for a project control) under 'mitigations' and 'mitigation', "
           "and local threats (PREFIX-T<n>) under an attack chain's 'threats'.")
def reference_wrong_kind(ctx):
    for node, key, value, ident, wanted in _slots(ctx):
        kind = id_kind(value)
        if kind and kind != wanted:
            where = "an attack chain" if wanted == "a local threat" else f"'{key if isinstance(key, str) else 'mitigations'}'"
            yield Hit(*ctx.at(node, key), str(ident), f"{where} lists {value}, which is {kind}, where {wanted} belongs")


# ================================================================== Phase 6: MCP systems consider the MCP threats
def mcp_threats(kb, role: str | None = None) -> list[str]:
    """Taxonomy threats the knowledge base marks as MCP threats (``role`` core or related; both when None), in order."""
    return sorted((t for t, x in kb.threats.items() if x.get("mcp") and role in (None, x["mcp"])), key=lambda t: int(t[1:]))


@rule("MC812", "mcp-threats-unconsidered", phase=6,
      summary="The system uses MCP, but no threat maps to an MCP threat and Phase 6 gives no reason why the core ones do not apply.",
      hint="Analyse T40, T42, T43 and T47 for every MCP server (AGENTS.md, MCP adjustments); for each core one that does not apply, "
           "write the reason under not_applicable in the Phase 6 record block ({T40: reason, ...}) (ruling R18).")
def mcp_threats_unconsidered(ctx):
    if ctx.doc.get("uses_mcp") is not True or "threats" not in ctx.doc:
        return
    mapped = {r.get("id") if isinstance(r, dict) else r for t in ctx.all_records("threats") for r in t.get("maps_to") or []}
    if mapped & set(mcp_threats(ctx.kb)):
        return
    reasons = ctx.doc.get("not_applicable") if isinstance(ctx.doc.get("not_applicable"), dict) else {}
    missing = [t for t in mcp_threats(ctx.kb, "core") if not (isinstance(reasons.get(t), str) and not is_placeholder(reasons[t]))]
    if missing:
        yield Hit(*ctx.at(ctx.doc, "threats"), "uses_mcp", f"uses_mcp is true, but no threat maps to {', '.join(mcp_threats(ctx.kb))} "
                  f"and not_applicable gives no reason for {', '.join(missing)}", severity=phase_severity(ctx, 6))


# ================================================================== records with substance
def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, (list, dict)) and not v)


@rule("MC813", "record-stub", summary="A record holds nothing but its ID (or its ID and name).",
      hint="Fill in what the phase's template asks for (data/templates.yaml), or remove the record and its references.")
def record_stub(ctx):
    for key in LIST_KEYS:
        for r in ctx.all_records(key):
            if all(_blank(v) for k, v in r.items() if k not in ("id", "name")):
                held = ", ".join(k for k in ("id", "name") if not _blank(r.get(k))) or "nothing"
                yield Hit(*ctx.at(r), str(r.get("id") or r.get("name") or key), f"{key} record holds only {held}",
                          severity=phase_severity(ctx, PHASE_OF[key]))


# ================================================================== the project prefix
@rule("MC814", "prefix-imitates-family", summary="The project prefix passes for an external or taxonomy ID family (CWE, T, AML, LLM, BV, L3...).",
      hint="Choose a prefix from the project's name (PAY, CLINIC) and renumber the local IDs; `maestro new` refuses such a prefix.")
def prefix_imitates_family(ctx):
    if ctx.state is not None:
        prefix, file, line = ctx.state.get("prefix"), ctx.state_file, getattr(ctx.state, "key_lines", {}).get("prefix", 1)
    else:
        prefix, (file, line) = ctx.doc.get("prefix"), ctx.at(ctx.doc, "prefix")
    family = engagement.foreign_prefix(prefix) if isinstance(prefix, str) else None
    if family:
        yield Hit(file, line, prefix, f"prefix {prefix} reads as {family}: {prefix}-T1 would pass for one of its IDs")
