"""`maestro mcp`: a Model Context Protocol server over stdio, read-only, over the local knowledge base.

The tools answer from the same validated knowledge base as the CLI and the site (``load_kb`` of the data
directory the CLI resolves) and reuse what the site and the CLI already compute: the page views
(views.py), the URL contract (urls.py), the kept releases (releases.py), scoring (scoring.py) and the
engagement checks (checks/). Nothing here opens a network connection or writes to the knowledge base or a
threat model; like `maestro check`, the checks only refresh the maestro cache directory (cachedir.py).

The query functions behind the seven tools (``lookup``, ``search_ids``, ``list_entries``, ``resolve``, ``risk``,
``check_path``, ``report_summary``) are plain functions of a KB that raise ``NotFound`` / ``ValueError`` and return
JSON-serialisable dicts. Each tool is one module-level function registered with ``@tool`` in ``TOOLS`` (its
docstring is the tool's description, its parameters the tool's arguments); ``build_server`` serves every registered
tool. Only ``build_server`` and ``serve`` need the ``mcp`` package (and pydantic), so this module imports without it.

Whoever sends the requests may be an agent that a web page or a document talked into asking for the wrong
thing, so the server trusts no argument:

- ``check_threat_model`` and ``report_summary`` read only engagement files inside one root folder (``maestro mcp --root DIR``,
  default ``./threat-models``), symlinks followed; anything else gets one fixed refusal that says nothing
  about the path (``engagement_target``).
- Every tool call has a time budget and size budgets: text arguments, each message of an answer, the number
  of findings and the whole answer are capped (``build_server``, ``bounded_report``).
- Every line on stdin that is not a JSON-RPC message the SDK can read gets a JSON-RPC error instead of
  silence, and the server goes on answering (``GuardedInput``).
"""

import difflib
import inspect
import json
import logging
import os
import re
import sys
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Callable, Literal
from urllib.parse import unquote, urlsplit

from . import checks, crosswalk, engagement, ids, project, releases, safeio, scoring, views, yamlio
from .crosswalk import ATLAS_CASE_STUDIES, ATLAS_MITIGATIONS, LLM_TOP10, STRIDE
from .findings import summary as findings_summary
from .kb import KB, LAYER_ORDER, TYPE_ORDER
from .urls import site_url, url_of

TYPES = ("threat", "blindspot", "mitigation", "layer", "checklist")
_MAPPED = crosswalk.MAPPINGS + (ATLAS_CASE_STUDIES,)  # the external IDs get_entry returns under "mappings", in this order
CHECKLISTS_PATH = "/playbook/08-checklists/"  # the page every checklist item is anchored on (maestro_site/render.py CHECKLISTS)
_STOPWORDS = {"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of", "on", "or",
              "that", "the", "this", "to", "with"}

# ---- budgets: what one request may cost and what one answer may carry
MAX_ARGUMENT_CHARS = 4096       # any text argument (an ID, a query, a citation, a path), and each key or value of an object
MAX_MESSAGE_CHARS = 1000        # any text field of a finding, and an error message
MAX_FINDINGS = 200              # findings returned by one check; the counts still cover all of them
MAX_RESPONSE_CHARS = 1_000_000  # one answer as JSON (the largest today, list_ids with no filter, is about 62 000)
MAX_LINE_BYTES = 16 * 1024 * 1024  # one JSON-RPC message on stdin
TIME_BUDGET_ENV = "MAESTRO_MCP_TIMEOUT"
TIME_BUDGET_SECONDS = 20.0
DEFAULT_ROOT = "threat-models"
REPORT_REFUSED = ("refused: report_summary reads only a project folder that holds state.json or a threat model saved as .json, "
                  "inside the folder the server was started with (maestro mcp --root DIR; default ./threat-models)")
REFUSED = ("refused: check_threat_model reads only a project folder that holds state.json, a threat model saved as .json, "
           "or a .md file, inside the folder the server was started with (maestro mcp --root DIR; default ./threat-models)")


class NotFound(ValueError):
    """An ID, citation or other name the knowledge base does not hold; the message says what and suggests near IDs."""


# ===================================================================== index
class Index:
    """Every citable ID of one KB (layers, threats, blindspots, mitigations, checklist items) in a stable order."""

    def __init__(self, kb: KB):
        self.kb = kb
        self.entries: dict[str, dict] = {}
        for ident, info in kb.all_ids().items():
            self.entries[ident] = {"id": ident, "type": info["type"], "name": info["name"], "status": info["status"]}
        for iid, item in kb.items.items():
            self.entries[iid] = {"id": iid, "type": "checklist", "name": item["text"], "status": "active"}
        self.order = {ident: n for n, ident in enumerate(self.entries)}
        self.by_upper = {ident.upper(): ident for ident in self.entries}
        self.by_name = {" ".join(e["name"].lower().split()): ident for ident, e in self.entries.items()}
        self.text = {ident: _words(" ".join([e["name"], _describe(kb, e["type"], ident) or ""])) for ident, e in self.entries.items()}


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text.lower()))


def _describe(kb: KB, kind: str, ident: str) -> str | None:
    """The description of an ID (a layer's summary, a checklist item's question, a reserved threat's note)."""
    if kind == "threat":
        t = kb.threats[ident]
        return t.get("description") or t.get("note")
    if kind == "blindspot":
        return kb.blindspots[ident]["description"]
    if kind == "mitigation":
        return kb.mitigations[ident]["description"]
    if kind == "layer":
        return kb.layers[ident].get("summary") or kb.layers[ident].get("description")
    return kb.items[ident]["text"]


def normalise(text: str) -> str:
    """' maestro l3-d2 ' -> 'L3-D2': spaces trimmed, upper case, a leading 'MAESTRO ' dropped."""
    s = " ".join(str(text).split()).upper()
    return s[len("MAESTRO "):].strip() if s.startswith("MAESTRO ") else s


def url(kind: str, ident: str) -> str:
    """The canonical public URL of an ID's page (a checklist item: its anchor on the checklists page)."""
    base = site_url()
    return base.rstrip("/") + path_of(kind, ident) if base else path_of(kind, ident)


def path_of(kind: str, ident: str) -> str:
    return f"{CHECKLISTS_PATH}#{ident}" if kind == "checklist" else url_of(kind, ident)


def _ref(idx: Index, ident: str) -> dict:
    e = idx.entries.get(ident)
    return {"id": ident, "type": e["type"], "name": e["name"], "status": e["status"]} if e else {"id": ident}


def _refs(idx: Index, idents) -> list[dict]:
    return [_ref(idx, i) for i in idents]


def _unknown(idx: Index, raw: str) -> NotFound:
    """The error for an ID the knowledge base does not hold, with the nearest IDs and, for another publisher's ID, what it is."""
    kb = idx.kb
    key = normalise(raw)
    shown = " ".join(str(raw).split()) or repr(raw)
    msg = f"{shown} is not an ID in the MAESTRO knowledge base v{kb.version}."
    m = re.fullmatch(r"OWASP\s+(T[0-9]+)", key)
    if m and m.group(1) in kb.external_threats:
        ext = kb.external_threats[m.group(1)]
        near = ", ".join(f"{t} ({kb.name_of(t)})" for t in ext["nearest"])
        return NotFound(f"{msg} OWASP {m.group(1)} is {ext['framework']} {ext['edition']}'s '{ext['name']}', not a MAESTRO ID; "
                        f"the nearest MAESTRO threats are {near}.")
    named = idx.by_name.get(" ".join(str(raw).lower().split()))
    if named:
        return NotFound(f"{msg} '{idx.entries[named]['name']}' is the name of {named}; look up {named}.")
    near = difflib.get_close_matches(key, list(idx.by_upper), n=5, cutoff=0.6)
    near = [idx.by_upper[n] for n in near]
    named_near = ", ".join(f"{n} ({idx.entries[n]['name'][:60]})" for n in near)
    hint = f" Did you mean: {named_near}?" if near else " Use search to find IDs."
    return NotFound(msg + hint)


def resolve_id(idx: Index, raw: str) -> str:
    """The canonical spelling of an ID given in any case with surrounding spaces; NotFound if the KB does not hold it."""
    hit = idx.by_upper.get(normalise(raw))
    if hit is None:
        raise _unknown(idx, raw)
    return hit


# ===================================================================== lookup_id
def lookup(idx: Index, raw: str) -> dict:
    kb = idx.kb
    ident = resolve_id(idx, raw)
    e = idx.entries[ident]
    kind = e["type"]
    out: dict[str, Any] = {"id": ident, "type": kind, "name": e["name"], "status": e["status"],
                           "description": _describe(kb, kind, ident), "layers": [], "related": {},
                           "url": url(kind, ident), "path": path_of(kind, ident), "citation": kb.citation(ident),
                           "kb_version": kb.version}
    out.update(_DETAILS[kind](idx, ident))
    info = kb.all_ids().get(ident, {})
    for k in ("deprecated", "revoked", "replaced_by"):
        if k in info:
            out[k] = info[k]
    if e["status"] == "reserved":
        out["note"] = "Reserved ID: never cite it. " + (kb.threats[ident].get("note") or "")
    elif e["status"] == "revoked":
        out["note"] = f"Revoked: cite {info.get('replaced_by')} instead."
    elif e["status"] == "deprecated":
        out["note"] = "Deprecated: kept for old threat models; do not cite it in new work."
    return yamlio.plain(out)


def _threat(idx: Index, tid: str) -> dict:
    kb = idx.kb
    v = views.threat_view(kb, tid)
    cells = kb.threat_layers.get(tid, {})
    out: dict[str, Any] = {"kind": v["kind"], "layers": [l for l in LAYER_ORDER if l in cells],
                           "layer_strength": {l: cells[l] for l in LAYER_ORDER if l in cells}}
    if v["kind"] == "reserved":
        return out
    t = kb.threats[tid]
    out.update({k: v.get(k) for k in ("origin", "short_label", "manifestation", "indicators", "example", STRIDE.name,
                                      "multi_agent_only", "mcp", "gap_note")})
    out["external"] = v["external"]  # the OWASP entry with the same number, when its name differs
    out["mappings"] = crosswalk.mapped_ids(t, _MAPPED)
    by_type = kb.mitigations_for(tid)
    out["related"] = {
        "mitigations": [dict(_ref(idx, m), layer=kb.mitigation_layer(m), control_type=kb.types[k]["key"], reason=row["reason"])
                        for group in v["mitigations"] for k in [group["letter"]] for m, row in zip(group["ids"], group["rows"])],
        "mitigations_by_type": {kb.types[k]["key"]: by_type[k] for k in TYPE_ORDER},
        "partial_mitigations": _refs(idx, v.get("partial_mitigations") or []),
        "coverage_missing": [kb.types[k]["key"] for k in v["coverage_missing"]],
        "blindspots": _refs(idx, v["blindspots"]),
        "checklist_items": _refs(idx, v["checklist_items"]),
        "patterns": [{"n": n, "name": kb.patterns[n]["name"]} for n in v["patterns"]],
        "considerations": [{"key": c, "name": kb.considerations[c]["name"]} for c in v["considerations"]],
        "case_studies": [{"id": c, "name": kb.cases[c]["name"]} for c in v["cases"]],
    }
    out["further_reading"] = v["reading"]
    return out


def _blindspot(idx: Index, bid: str) -> dict:
    kb = idx.kb
    v = views.blindspot_view(kb, bid)
    b = kb.blindspots[bid]
    return {"layers": list(v["layers"]), **{k: v.get(k) for k in ("manifestation", "indicators", "example")},
            "mappings": crosswalk.mapped_ids(b, _MAPPED),
            "related": {"threats": _refs(idx, v["related_threats"]), "suggested_mitigations": _refs(idx, v["suggested_mitigations"]),
                        "checklist_items": _refs(idx, v["checklist_items"])},
            "further_reading": v["reading"]}


def _mitigation(idx: Index, mid: str) -> dict:
    kb = idx.kb
    v = views.mitigation_view(kb, mid)
    return {"layers": [v["layer"]], "layer": v["layer"], "control_type": v["type"]["key"],
            **{k: v.get(k) for k in ("implementation", "scope")},
            "related": {"threats": [dict(_ref(idx, t["id"]), coverage=t["coverage"]) for t in v["threats"]],
                        "siblings": _refs(idx, v["siblings"]),
                        "suggested_by_blindspots": _refs(idx, [b for b, e in kb.blindspots.items() if mid in e["suggested_mitigations"]]),
                        "patterns": list(v["patterns"]), "considerations": list(v["considerations"]),
                        ATLAS_MITIGATIONS.name: list(v[ATLAS_MITIGATIONS.name])}}


def _layer(idx: Index, lid: str) -> dict:
    kb = idx.kb
    v = views.layer_view(kb, lid)
    lt = kb.layer_threats(lid)
    return {"layers": [lid], "cross_layer": v["cross_layer"], "summary": v.get("summary"), "long_description": v.get("description"),
            "components": v.get("components"), "key_questions": v.get("key_questions"),
            "related": {"primary_threats": _refs(idx, lt["primary"]), "secondary_threats": _refs(idx, lt["secondary"]),
                        "mitigations": {kb.types[g["letter"]]["key"]: list(g["ids"]) for g in v["mitigations"]},
                        "blindspots": _refs(idx, kb.layer_blindspots(lid)),
                        "checklist_items": list(v["checklist_items"]),
                        "considerations": list(v["considerations"])}}


def _checklist(idx: Index, iid: str) -> dict:
    kb = idx.kb
    item = kb.items[iid]
    section = kb.sections[item["section"]]
    return {"layers": [item["section"]] if item["section"] in LAYER_ORDER else [], "text": item["text"],
            "section": {"id": section["id"], "title": section["title"]}, "no_refs": item.get("no_refs"),
            "related": {"probes": _refs(idx, item["refs"]), LLM_TOP10.name: list(item.get(LLM_TOP10.name, []))}}


_DETAILS = {"threat": _threat, "blindspot": _blindspot, "mitigation": _mitigation, "layer": _layer, "checklist": _checklist}


# ===================================================================== search
MATCHES = ("id", "name", "name-prefix", "name-substring", "id-prefix", "description-all-words", "description-some-words")


def search_ids(idx: Index, query: str, limit: int = 10) -> dict:
    q = " ".join(str(query).split())
    if not q:
        raise ValueError("give a non-empty query: an ID, a name or some words")
    key, low = normalise(q), q.lower()
    words = sorted(w for w in _words(low) if w not in _STOPWORDS)
    scored: list[tuple] = []
    for ident, e in idx.entries.items():
        name = " ".join(e["name"].lower().split())
        if ident.upper() == key:
            tier, n = 0, 0
        elif name == low:
            tier, n = 1, 0
        elif name.startswith(low):
            tier, n = 2, 0
        elif low in name:
            tier, n = 3, 0
        elif " " not in key and ident.upper().startswith(key):
            tier, n = 4, 0
        else:
            n = sum(1 for w in words if w in idx.text[ident])
            if not n:
                continue
            tier = 5 if n == len(words) else 6
        scored.append((tier, -n, idx.order[ident], ident))
    scored.sort()
    limit = max(1, min(int(limit), 100))
    results = [{**idx.entries[i], "match": MATCHES[tier], "url": url(idx.entries[i]["type"], i)} for tier, _, _, i in scored[:limit]]
    return {"query": q, "count": len(results), "total": len(scored), "results": results, "kb_version": idx.kb.version}


# ===================================================================== list_ids
def list_entries(idx: Index, type: str | None = None, layer: str | None = None) -> dict:
    kb = idx.kb
    if type is not None:
        type = type.strip().lower()
        if type not in TYPES:
            raise ValueError(f"unknown type {type!r}; expected one of: {', '.join(TYPES)}")
    if layer is not None:
        layer = normalise(layer)
        if layer not in LAYER_ORDER:
            raise NotFound(f"unknown layer {layer!r}; expected one of: {', '.join(LAYER_ORDER)}")
    rows = []
    for ident, e in idx.entries.items():
        if type and e["type"] != type:
            continue
        row = {**e, "url": url(e["type"], ident)}
        if layer:
            if e["type"] == "threat":
                strength = kb.threat_layers.get(ident, {}).get(layer)
                if not strength:
                    continue
                row["strength"] = strength
            elif e["type"] == "blindspot" and layer not in kb.blindspots[ident]["layers"]:
                continue
            elif e["type"] == "mitigation" and kb.mitigation_layer(ident) != layer:
                continue
            elif e["type"] == "layer" and ident != layer:
                continue
            elif e["type"] == "checklist" and kb.items[ident]["section"] != layer:
                continue
        rows.append(row)
    return {"type": type, "layer": layer, "count": len(rows), "ids": rows, "kb_version": kb.version}


# ===================================================================== resolve_citation
_VERSION = re.compile(r"(?<![\w.])v?(\d+\.\d+\.\d+)(?![\w.])", re.I)
_ID_IN_TEXT = re.compile(rf"(?<![\w-])({ids.CHECK_ITEM}|{ids.MITIGATION}|{ids.BLINDSPOT}|{ids.THREAT}|{ids.LAYER})(?![\w-])", re.I)
_PAGE_DIRS = {"threats": "threat", "blindspots": "blindspot", "mitigations": "mitigation", "layers": "layer"}


def _vkey(version: str) -> tuple:
    return tuple(int(x) for x in version.split("."))


def _parse_url(text: str) -> tuple[str, str | None, str | None]:
    """(ID, version segment if any, host) of an ID page URL such as https://.../threats/T12/ or /1.0.0/mitigations/L3-D2/."""
    parts = urlsplit(text)
    segs = [unquote(s) for s in parts.path.split("/") if s]
    version = next((s.lstrip("vV") for s in segs if re.fullmatch(r"v?\d+\.\d+\.\d+", s, re.I)), None)
    for i, s in enumerate(segs[:-1]):
        if s in _PAGE_DIRS:
            page = segs[i + 1]
            return ("CL" if s == "layers" and page == "cross-layer" else page), version, parts.hostname
    if parts.fragment and re.fullmatch(ids.CHECK_ITEM, parts.fragment.upper()):
        return parts.fragment, version, parts.hostname
    raise NotFound(f"{text}: not the URL of an ID page (expected .../threats/T12/, .../mitigations/L3-D2/, .../layers/L3/, "
                   f".../blindspots/BV-1/ or the checklists page with #CK-...)")


def resolve(idx: Index, text: str, history: dict[str, dict] | None = None) -> dict:
    """What a citation or an ID page URL names, checked against the current knowledge base and the kept releases."""
    kb = idx.kb
    raw = " ".join(str(text).split())
    if not raw:
        raise ValueError("give a citation such as 'MAESTRO T12 (v1.1.0)' or the URL of an ID page")
    token, version, site, notes = _read_citation(idx, raw)
    ident = resolve_id(idx, token)
    e = idx.entries[ident]
    out: dict[str, Any] = {"input": raw, "id": ident, "type": e["type"], "cited_version": version, "current_version": kb.version,
                           "is_current_version": None if version is None else version == kb.version,
                           "name": e["name"], "status": e["status"], "url": url(e["type"], ident),
                           "citation": kb.citation(ident)}
    if site:
        out["site"] = site
    if version is None:
        notes.append(f"no version cited; the current knowledge base is v{kb.version}, cite it as {kb.citation(ident)}")
    else:
        out["cited_release"] = _cited_release(idx, ident, version, releases.history(kb) if history is None else history, notes)
    out["notes"] = notes + _status_notes(kb, ident, e["status"])
    return out


def _read_citation(idx: Index, raw: str) -> tuple[str, str | None, dict | None, list[str]]:
    """(ID as written, cited version, the site a URL points at, notes) of a citation or an ID page URL."""
    if "://" in raw or raw.startswith("/"):
        token, version, host = _parse_url(raw)
        official = site_url()
        site = {"host": host, "official": host is None or (official is not None and host == urlsplit(official).hostname)}
        notes = [] if site["official"] or not host else [
            f"{host} is not the site's configured address ({official or 'SITE_URL is not set'}); the ID is resolved "
            "against this knowledge base"]
        return token, version, site, notes
    m = re.search(r"\bOWASP\s+(T[0-9]+)\b", raw, re.I)
    if m:
        raise _unknown(idx, f"OWASP {m.group(1).upper()}")
    m = _ID_IN_TEXT.search(raw)
    if not m:
        raise NotFound(f"{raw!r} holds no MAESTRO ID (expected a citation such as 'MAESTRO T12 (v{idx.kb.version})')")
    v = _VERSION.search(raw[:m.start()] + " " + raw[m.end():])
    return m.group(1), (v.group(1) if v else None), None, []


def _cited_release(idx: Index, ident: str, version: str, history: dict[str, dict], notes: list[str]) -> dict:
    """What the kept release ``version`` says of ``ident``; what a reader should act on is added to ``notes``."""
    kb, e = idx.kb, idx.entries[ident]
    kept = version in history
    rel: dict[str, Any] = {"version": version, "kept": kept}
    if _vkey(version) > _vkey(kb.version):
        notes.append(f"v{version} is newer than this knowledge base (v{kb.version})")
    if not kept:
        notes.append(f"v{version} is not a kept release ({', '.join(history)} are); cannot check what {ident} meant in it")
    elif e["type"] == "checklist":
        rel.update(existed=None, same_name=None)
        notes.append("releases keep the ids.json of each release, which lists no checklist items; cannot check this item in it")
    else:
        old = history[version]["ids"].get(ident)
        rel.update(existed=old is not None, name=old and old["name"], status=old and old["status"],
                   same_name=None if old is None else old["name"] == e["name"])
        notes += _rename_notes(kb, ident, version, old, e["name"])
    return rel


def _rename_notes(kb: KB, ident: str, version: str, old: dict | None, name: str) -> list[str]:
    """Whether ``ident`` existed in the kept release ``version``, and under which name."""
    if old is None:
        return [f"{ident} did not exist in v{version}: the citation cannot be from that release"]
    if old["name"] != name:
        return [f"{ident} was named '{old['name']}' in v{version}; now '{name}'"]
    if version != kb.version:
        return [f"{ident} had the same name in v{version}; cite {kb.citation(ident)} in new work"]
    return []


def _status_notes(kb: KB, ident: str, status: str) -> list[str]:
    if status == "reserved":
        return [f"{ident} is reserved: it must never be cited"]
    if status == "revoked":
        return [f"{ident} is revoked; cite {kb.all_ids()[ident].get('replaced_by')} instead"]
    if status == "deprecated":
        return [f"{ident} is deprecated"]
    return []


# ===================================================================== score_risk
def risk(kb: KB, severity: str, likelihood: str, statuses: str | dict | None = None,
               vector: str | None = None, complexity: str | None = None) -> dict:
    """What `maestro score --json --severity S --likelihood L --status X [--vector V --complexity C]` prints."""
    if isinstance(statuses, dict):
        statuses = ",".join(f"{k}={v}" for k, v in statuses.items()) or "not"
    s = scoring.score(kb, severity, likelihood, statuses or "not", vector, complexity)
    return {**s.as_dict(), "required_controls": scoring.required_types(kb, s.level)}


# ===================================================================== check_threat_model
class Refused(ValueError):
    """A path check_threat_model will not read; always the same message (REFUSED), whatever lies at the path."""

    def __init__(self):
        super().__init__(REFUSED)


def root_folder(named: str | None) -> Path:
    """The folder check_threat_model is confined to, resolved once at start (symlinks followed).

    ``named`` is the folder given with --root and must be an existing folder; without it the root is
    ./threat-models, which may not exist yet (`maestro new` creates it) but must be a folder if it does.
    """
    given = named if named is not None else DEFAULT_ROOT
    root = Path(os.path.realpath(given))
    if root.is_dir() or (named is None and not os.path.lexists(given)):
        return root
    raise ValueError(f"--root {given}: not a folder; name an existing folder for the threat models the server may check")


def engagement_target(path: str, root: Path) -> Path:
    """The resolved project folder or file ``path`` names, if check_threat_model may read it; Refused otherwise.

    Accepted, once every symlink is followed and only inside ``root``: a folder holding a regular state.json,
    a regular .md file, or a regular .json file that reads as a threat model (``is_threat_model``). A relative
    path is relative to ``root``. Whether the path exists, and what it is, never changes the refusal.
    """
    text = str(path).strip()
    if not text:
        raise ValueError("give the path of a project folder, a threat model (.json) or a .md file, inside the server's root folder")
    try:
        target = safeio.confine(text, root)
        kind = engagement_kind(target)
    except (safeio.Unusable, OSError):
        kind = None
    if kind is None or (kind == "json" and not is_threat_model(target)):
        raise Refused()
    return target


def engagement_kind(target: Path) -> str | None:
    """What ``target`` is: "project" (a folder holding a regular state.json of its own), "md" or "json" (a regular
    file so named), or None for anything else."""
    if target.is_dir():
        return "project" if safeio.is_regular(safeio.confine(target / "state.json", target)) else None
    suffix = target.suffix.lower()
    return suffix[1:] if suffix in (".md", ".json") and safeio.is_regular(target) else None


def is_threat_model(path: Path) -> bool:
    """Whether a .json file is a threat model: a JSON object whose schema_version this release reads.

    A file that is not JSON raises Unusable, whose message gives a line number and the parser's complaint, never
    the file's text; a JSON file of any other shape is refused, so its keys and values are never quoted back.
    """
    return engagement.read_doc(path).get("schema_version") in engagement.READABLE_SCHEMA_VERSIONS


def check_path(kb: KB, path: str, root: Path) -> dict:
    """What `maestro check --json PATH` prints for an engagement inside ``root``, bounded by ``bounded_report``."""
    target = engagement_target(path, root)
    findings, checked = checks.check_path(kb, target)
    rules: dict[str, int] = {}
    for f in findings:
        rules[f.rule] = rules.get(f.rule, 0) + 1
    report = {**findings_summary(findings, checked), "rules": dict(sorted(rules.items())), "path": str(target),
              "kb_version": kb.version}
    return bounded_report(report)


def bounded_report(report: dict) -> dict:
    """``report`` with at most MAX_FINDINGS findings, each text field clipped to MAX_MESSAGE_CHARS.

    The counts (errors, warnings, pending, rules) still cover every finding; ``findings_left_off`` says how many
    were not returned. A file can thus never come back whole inside the messages about it.
    """
    findings = report["findings"]
    kept = [{k: clip(v) if isinstance(v, str) else v for k, v in f.items()} for f in findings[:MAX_FINDINGS]]
    return {**report, "findings": kept, "findings_left_off": len(findings) - len(kept)}


def clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, the cut marked."""
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


_ONE_CHECK_AT_A_TIME = threading.Lock()  # detect-secrets keeps its plugin settings in one global


def check_alone(kb: KB, path: str, root: Path, wait: float) -> dict:
    """``check_path``, never two at once; a ValueError when another check holds the lock for ``wait`` seconds."""
    if not _ONE_CHECK_AT_A_TIME.acquire(timeout=wait):
        raise ValueError("another check is still running; try again when it has finished")
    try:
        return check_path(kb, path, root)
    finally:
        _ONE_CHECK_AT_A_TIME.release()


# ===================================================================== report_summary
def report_summary(kb: KB, path: str, root: Path) -> dict:
    """The executive summary of `maestro report` for a project folder or threat-model.json inside ``root``, as data:
    the title block, what `maestro check` found (a model that fails it is marked draft, never refused), notes on
    where the records came from, and the summary section. Anything else, a .md file included, gets REPORT_REFUSED."""
    from . import report

    try:
        target = engagement_target(path, root)
    except Refused:
        raise ValueError(REPORT_REFUSED) from None
    if not (target.is_dir() or target.suffix.lower() == ".json"):
        raise ValueError(REPORT_REFUSED)
    return {**report.executive_summary(kb, report.load_model(kb, target)), "path": str(target), "kb_version": kb.version}


def report_summary_alone(kb: KB, path: str, root: Path, wait: float) -> dict:
    """``report_summary`` under the lock of ``check_alone``: it runs the same checks (detect-secrets included)."""
    if not _ONE_CHECK_AT_A_TIME.acquire(timeout=wait):
        raise ValueError("another check is still running; try again when it has finished")
    try:
        return report_summary(kb, path, root)
    finally:
        _ONE_CHECK_AT_A_TIME.release()


# ===================================================================== budgets
def argument_problem(value: Any) -> str | None:
    """Why an argument is over budget (text longer than MAX_ARGUMENT_CHARS, in an object too), or None."""
    if isinstance(value, str):
        return None if len(value) <= MAX_ARGUMENT_CHARS else f"a text argument is limited to {MAX_ARGUMENT_CHARS} characters"
    if isinstance(value, dict):
        return next(filter(None, (argument_problem(x) for kv in value.items() for x in kv)), None)
    return None


def answer_problem(answer: dict) -> str | None:
    """Why an answer is too large to send (over MAX_RESPONSE_CHARS as JSON), or None."""
    size = len(json.dumps(answer, ensure_ascii=False))
    return None if size <= MAX_RESPONSE_CHARS else f"the answer would be over {MAX_RESPONSE_CHARS} characters; narrow the request"


def time_budget() -> float:
    """Seconds one tool call may take: $MAESTRO_MCP_TIMEOUT, else TIME_BUDGET_SECONDS."""
    raw = os.environ.get(TIME_BUDGET_ENV)
    try:
        budget = TIME_BUDGET_SECONDS if raw is None else float(raw)
    except ValueError:
        budget = 0.0
    if not budget > 0:
        raise ValueError(f"${TIME_BUDGET_ENV} must be a number of seconds above 0, not {raw!r}")
    return budget


# ===================================================================== the MCP server
def instructions(kb: KB) -> str:
    return (f"This server is the MAESTRO Playbook's threat-modeling knowledge base, version {kb.version} "
            f"(released {kb.meta.get('released')}), read offline from the local data directory; every answer reflects knowledge "
            f"base v{kb.version} and nothing is written. Use lookup_id before citing any ID (threats T1.., blindspots BV-n, "
            "mitigations such as L3-D2, layers L1-L7 and CL, checklist items CK-...): write its canonical name exactly as "
            f"returned and cite it as '{kb.citation('T12')}'; never cite a reserved ID, and never invent one. Use search and "
            "list_ids to find IDs, resolve_citation to check a citation or an ID page URL against the current and kept "
            "releases, score_risk for the risk level and effective risk exactly as `maestro score` computes them, and "
            "check_threat_model to run the checks of `maestro check` on a project folder or threat-model.json inside the "
            "folder the server was started with (paths relative to that folder), and report_summary for the executive "
            "summary `maestro report` would write for one.")


# ---- the tools: one module-level function each, registered with @tool; build_server serves every one of TOOLS
@dataclass(frozen=True)
class Served:
    """What the tools answer from: one knowledge base, its index, the folder engagements are read in, the time budget."""
    kb: KB
    idx: Index
    root: Path
    budget: float


@dataclass(frozen=True)
class Tool:
    name: str
    title: str
    func: Callable[..., dict]     # func(served, **arguments), run in a worker thread by ``guarded``
    fields: dict[str, dict]       # argument -> pydantic Field arguments; a description may name a ``vocabulary`` key: {severities}


TOOLS: dict[str, Tool] = {}


def tool(name: str, title: str, **fields: dict):
    """Register the decorated function as the read-only MCP tool ``name``: its docstring is the tool's description, its
    parameters after ``served`` are the tool's arguments, each described by its entry in ``fields``."""
    def register(func):
        if name in TOOLS:
            raise ValueError(f"MCP tool {name} registered twice")
        TOOLS[name] = Tool(name, title, func, fields)
        return func
    return register


def vocabulary(kb: KB) -> dict[str, str]:
    """The values an argument description lists, from the knowledge base's scoring tables."""
    sc = kb.scoring
    return {"severities": ", ".join(s["level"] for s in sc["severity"]),
            "likelihoods": ", ".join(s["level"] for s in sc["likelihood"]),
            "status_keys": ", ".join(f"{s['key']} ({s['status']})" for s in sc["implementation_status"]),
            "control_types": ", ".join(t["key"] for t in kb.docs["mitigations"]["types"]),
            "vectors": ", ".join(v["value"] for v in sc["attack_vector"]),
            "complexities": ", ".join(v["value"] for v in sc["attack_complexity"])}


@tool("lookup_id", "Look up a MAESTRO ID",
      id={"description": "Any MAESTRO ID: threat T12, blindspot BV-3, mitigation L3-D2, layer L3 or CL, checklist item "
                         "CK-L1-01. Case-insensitive; spaces and a leading 'MAESTRO ' are ignored."})
def lookup_id_tool(served: Served, id: str) -> dict[str, Any]:
    """Everything the knowledge base holds on one ID: its type, canonical name (write it next to the ID exactly as given),
    status (active, reserved, deprecated, revoked), description, layers, related IDs (a threat's mitigations by
    control type, blindspots and checklist items; a mitigation's threats; a layer's threats, mitigations and
    blindspots; the threats a checklist item probes), framework mappings, its canonical URL and citation string.
    An unknown ID is an error that names the nearest IDs."""
    return lookup(served.idx, id)


@tool("search", "Search the MAESTRO knowledge base",
      query={"description": "An ID (T1, L3), a name or part of one, or words from a description."},
      limit={"ge": 1, "le": 100, "description": "Most results to return (1-100)."})
def search_tool(served: Served, query: str, limit: int = 10) -> dict[str, Any]:
    """Find IDs by ID, name or description, ranked: the exact ID first, then an exact name, then names starting with
    or containing the query, then IDs starting with it, then entries whose name or description holds all of the
    query's words, then some of them. Ties keep the knowledge base's order (layers, threats, blindspots,
    mitigations, checklist items). Each result has the ID, type, name, status, URL and how it matched."""
    return search_ids(served.idx, query, limit)


@tool("list_ids", "List MAESTRO IDs",
      type={"description": "Only IDs of this type; all types when omitted."},
      layer={"description": "Only IDs at this layer (L1-L7 or CL): threats mapped to it (primary or secondary, given as "
                            "strength), blindspots that name it, its mitigations, its checklist items."})
def list_ids_tool(served: Served, type: Literal["threat", "blindspot", "mitigation", "layer", "checklist"] | None = None,
                  layer: str | None = None) -> dict[str, Any]:
    """List IDs with their type, canonical name, status and URL, filtered by type and/or layer, in the knowledge
    base's order. Reserved, deprecated and revoked IDs are included with their status: cite only active ones."""
    return list_entries(served.idx, type, layer)


@tool("resolve_citation", "Resolve a MAESTRO citation",
      text={"description": "A citation such as 'MAESTRO T12 (v1.1.0)' or 'MAESTRO L3-D2', or the URL of an ID page such "
                           "as https://<site>/threats/T12/ or /threats/T12/."})
def resolve_citation_tool(served: Served, text: str) -> dict[str, Any]:
    """Parse a citation or an ID page URL: the ID, the version it cites, whether that is the current knowledge base
    version, the ID's current canonical name, status and URL, and, when the cited version is a kept release, whether
    the ID existed in it and under the same name. Notes explain anything a reader should act on."""
    return resolve(served.idx, text)


@tool("score_risk", "Score a risk",
      severity={"description": "Severity: {severities}."},
      likelihood={"description": "Likelihood: {likelihoods}."},
      statuses={"description": "Implementation status of the controls: one of {status_keys} for every control type, or per "
                               "type ({control_types}) as 'preventive=implemented,detective=partial' or an object "
                               "{\"preventive\": \"implemented\"}; types not named count as not implemented. Default: not "
                               "implemented."},
      vector={"description": "Attack vector, optional: {vectors}."},
      complexity={"description": "Attack complexity, optional: {complexities}."})
def score_risk_tool(served: Served, severity: str, likelihood: str, statuses: str | dict[str, str] | None = None,
                    vector: str | None = None, complexity: str | None = None) -> dict[str, Any]:
    """The risk level and value from the knowledge base's matrix, the required action and timeframe, the effective
    risk after the controls' credit and its level, and the control types the level requires: the same fields and
    numbers as `maestro score --json --severity ... --likelihood ... --status ...`."""
    return risk(served.kb, severity, likelihood, statuses, vector, complexity)


@tool("check_threat_model", "Check a threat model",
      path={"description": "A project folder (NAME, holding state.json), a threat model saved as .json, or a .md file, "
                           "inside the folder the server was started with (--root, default ./threat-models); relative to "
                           "that folder."})
def check_threat_model_tool(served: Served, path: str) -> dict[str, Any]:
    """Run the checks of `maestro check PATH` and return its findings (file, line, id, message, severity, rule code,
    fix hint) with the counts of errors, warnings and pending items, the files checked and the count per rule.
    ok is false when there is any error. A bounded number of findings is returned (findings_left_off counts the
    rest) and each text is cut at a bounded length. Any other path, or one outside the server's folder, is
    refused with one fixed message. It never changes the threat model; like `maestro check`, it only refreshes the
    maestro cache directory (secret scans)."""
    return check_alone(served.kb, path, served.root, served.budget)


@tool("report_summary", "Summarise a threat model",
      path={"description": "A project folder (NAME, holding state.json) or a threat model saved as .json, inside the "
                           "folder the server was started with (--root, default ./threat-models); relative to that folder."})
def report_summary_tool(served: Served, path: str) -> dict[str, Any]:
    """The executive summary that `maestro report` puts first, as data: the title block (system, date, analysts,
    depth, layer scope, knowledge-base version), the check status (errors, warnings, pending, and draft when the
    model fails `maestro check` or records unfinished phases), notes on where the records came from (a stale or
    missing export is rebuilt from the phase records), and the summary: overall posture, counts by risk level,
    the top risks, the Phase 1 risk appetite and the threats above it, the decisions the reader must take
    (accepted, deferred and transferred residual risks, roadmap exceptions), key recommendations and the next
    review. Any other path, or one outside the server's folder, is refused with one fixed message. It writes
    nothing."""
    return report_summary_alone(served.kb, path, served.root, served.budget)


# ---- serving the registered tools
def build_server(kb: KB, root: Path, budget: float | None = None):
    """The MCPServer with every tool of TOOLS over ``kb``; check_threat_model and report_summary read only inside ``root``.

    Each call runs in a worker thread under a time budget of ``budget`` seconds (default ``time_budget()``).
    """
    from mcp.server.mcpserver import MCPServer

    served = Served(kb, Index(kb), root, time_budget() if budget is None else budget)
    server = MCPServer("maestro", title="MAESTRO Playbook knowledge base", version=kb.version,
                       instructions=instructions(kb), website_url=site_url(), log_level="WARNING")
    words = vocabulary(kb)
    for t in TOOLS.values():
        serve_registered(server, t, served, words)
    return server


def serve_registered(server, t: Tool, served: Served, words: dict[str, str]) -> None:
    """Add one registered tool to ``server``, read-only, described by its docstring."""
    from mcp_types import ToolAnnotations

    hints = ToolAnnotations(title=t.title, read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
    server.add_tool(handler(t, served, words), name=t.name, title=t.title, description=inspect.cleandoc(t.func.__doc__),
                    annotations=hints)


def handler(t: Tool, served: Served, words: dict[str, str]):
    """The coroutine the SDK calls for tool ``t``: ``t.func`` bound to ``served`` and run by ``guarded``. Its signature
    is ``t.func``'s arguments, each annotated with its Field, which the SDK reads to build the input schema."""
    async def call(**arguments):
        return await guarded(partial(t.func, served, **arguments), arguments.values(), served.budget)
    call.__name__ = t.name
    call.__signature__ = tool_signature(t, words)
    return call


def tool_signature(t: Tool, words: dict[str, str]) -> inspect.Signature:
    """``t.func``'s signature without ``served``, every argument annotated with its Field (descriptions filled in)."""
    from pydantic import Field

    sig = inspect.signature(t.func)
    arguments = list(sig.parameters.values())[1:]
    return sig.replace(parameters=[p.replace(annotation=Annotated[p.annotation, Field(**described(t.fields[p.name], words))])
                                   for p in arguments])


def described(field: dict, words: dict[str, str]) -> dict:
    """Field arguments with every {key} of ``words`` in the description replaced by its value."""
    text = field.get("description", "")
    for key, value in words.items():
        text = text.replace("{" + key + "}", value)
    return {**field, "description": text}


async def guarded(call, arguments, budget: float) -> dict:
    """``call()`` in a worker thread within the budgets; every way it can fail is one bounded ToolError.

    A Python thread cannot be stopped from outside: when the time budget runs out the caller gets an
    error at once and the thread finishes on its own. Reads are bounded and never block (safeio), so
    it does finish, and the server goes on answering meanwhile.
    """
    import anyio
    from mcp.server.mcpserver.exceptions import ToolError

    problem = next(filter(None, map(argument_problem, arguments)), None)
    if problem:
        raise ToolError(problem)
    try:
        with anyio.fail_after(budget):
            answer = await anyio.to_thread.run_sync(call, abandon_on_cancel=True)
    except Exception as exc:  # noqa: BLE001 - each kind becomes one bounded message (tool_error)
        raise ToolError(tool_error(exc, budget)) from None
    problem = answer_problem(answer)
    if problem:
        raise ToolError(problem)
    return answer


def tool_error(exc: Exception, budget: float) -> str:
    """What the client is told when a tool call fails: the reason for a refusal or a bad argument, the kind of a bug."""
    if isinstance(exc, TimeoutError):
        return f"gave up after the time budget of {budget:g} s; try again or narrow the request"
    if isinstance(exc, (ValueError, engagement.Unusable, project.ProjectError)):  # NotFound and Refused are ValueErrors
        return clip(str(exc))
    logging.getLogger(__name__).error("tool call failed", exc_info=exc)  # a bug: the traceback goes to stderr only
    return f"internal error ({type(exc).__name__}); the server goes on answering"


# ===================================================================== stdio
# The SDK's stdio transport (mcp/server/stdio.py, 2.3.0) hands a line it cannot read as a JSON-RPC message to the
# session as an exception, and the session only logs it at debug level: the client waits for an answer that never
# comes. The documented way in is the transport's own ``stdin`` argument (``stdio_server(stdin=...)``): the
# transport iterates it line by line. ``GuardedInput`` is that iterable. It gives the SDK every line the SDK can
# read, and answers every other line itself with a JSON-RPC error sent through the transport's write stream, so
# all output still goes through the SDK's single writer (no two writers can tear a line) and stdout stays the
# SDK's, guarded from stray prints as it is by default. Nothing of the SDK is patched or replaced. One difference:
# given its own stdin, the SDK leaves fd 0 as it is instead of pointing it at /dev/null; nothing in this process
# but ``GuardedInput`` reads it, and the server starts no child process.
#
# MCPServer has no public method that serves given streams (``run`` builds its own transport), so ``serve_stdio``
# runs the server's low-level Server the way MCPServer.run_stdio_async does; tests/test_mcp_security.py drives
# the result over raw stdio, so a change of that attribute in a later SDK fails a test instead of going unnoticed.

def wire_error(line: str) -> tuple[int, str | int | None, str] | None:
    """The JSON-RPC error (code, id, message) owed for one line from the client, or None when the SDK should have it.

    None for a message the SDK reads as such, a blank line, and a malformed notification (a notification is
    never answered, not even with an error). The SDK reads a request whose id is null, a fraction or a boolean
    as a notification and would never answer it: that gets -32600 here.
    """
    from mcp_types import INVALID_REQUEST, JSONRPCNotification, jsonrpc_message_adapter
    from pydantic import ValidationError

    if not line.strip():
        return None
    try:
        message = jsonrpc_message_adapter.validate_json(line, by_name=False)  # exactly the SDK's own reading of a line
    except ValidationError:
        return envelope_error(line)
    if isinstance(message, JSONRPCNotification) and "id" in json.loads(line):
        return INVALID_REQUEST, None, "Invalid Request: the id of a request must be a string or an integer"
    return None


def envelope_error(line: str) -> tuple[int, str | int | None, str] | None:
    """The error for a line the SDK cannot read: -32700 for text that is not JSON (or nests too deep to read),
    -32602 for a request whose params is not an object, -32600 for any other JSON that is not a JSON-RPC 2.0
    message; the id is the request's when it has a usable one, else null. None for a malformed notification."""
    from mcp_types import INVALID_PARAMS, INVALID_REQUEST, PARSE_ERROR

    try:
        msg = json.loads(line)
    except (ValueError, RecursionError):
        return PARSE_ERROR, None, "Parse error: the line is not JSON"
    if not isinstance(msg, dict):
        return INVALID_REQUEST, None, "Invalid Request: a message is one JSON object (batches are not supported)"
    ident = msg.get("id")
    ident = ident if isinstance(ident, (str, int)) and not isinstance(ident, bool) else None
    request_like = msg.get("jsonrpc") == "2.0" and isinstance(msg.get("method"), str)
    if request_like and "id" not in msg:
        return None
    if request_like and ident is not None and "params" in msg and not isinstance(msg["params"], dict):
        return INVALID_PARAMS, ident, "Invalid params: params must be an object"
    return INVALID_REQUEST, ident, 'Invalid Request: not a JSON-RPC 2.0 message (jsonrpc "2.0", method, id a string or number)'


def read_line(wire, limit: int = MAX_LINE_BYTES) -> bytes | None:
    """The next line of ``wire`` (a binary file), b"" for a line over ``limit`` bytes (skipped to its end), None at the end."""
    line = wire.readline(limit + 1)
    if not line:
        return None
    if len(line) <= limit or line.endswith(b"\n"):
        return line
    while line and not line.endswith(b"\n"):  # the rest of the oversized line, read and dropped
        line = wire.readline(limit)
    return b""


class GuardedInput:
    """The client's lines for the SDK's stdio transport; a line the SDK could not read is answered here instead."""

    def __init__(self, wire, limit: int = MAX_LINE_BYTES):
        import anyio

        self.wire, self.limit = wire, limit
        self.replies = None              # the transport's write stream, given by ``attach``
        self.attached = anyio.Event()

    def attach(self, write_stream) -> None:
        self.replies = write_stream
        self.attached.set()

    def __aiter__(self):
        return self

    async def __anext__(self) -> str:
        import anyio
        from mcp_types import INVALID_REQUEST

        while True:
            raw = await anyio.to_thread.run_sync(read_line, self.wire, self.limit, abandon_on_cancel=True)
            if raw is None:
                raise StopAsyncIteration
            if raw == b"":
                error = (INVALID_REQUEST, None, f"Invalid Request: a message is limited to {self.limit} bytes")
            else:
                line = raw.decode("utf-8", errors="replace")  # as the SDK decodes stdin
                error = wire_error(line)
                if error is None:
                    return line
            if not await self.reply(*error):
                raise StopAsyncIteration

    async def reply(self, code: int, ident, message: str) -> bool:
        """Send one JSON-RPC error; False when the transport has closed."""
        import anyio
        from mcp.shared.message import SessionMessage
        from mcp_types import ErrorData, JSONRPCError

        await self.attached.wait()
        try:
            await self.replies.send(SessionMessage(JSONRPCError(jsonrpc="2.0", id=ident, error=ErrorData(code=code, message=message))))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            return False
        return True


async def serve_stdio(server) -> None:
    """Serve ``server`` (an MCPServer) over stdin and stdout, with ``GuardedInput`` between stdin and the SDK."""
    from mcp.server.stdio import stdio_server

    lowlevel = server._lowlevel_server  # see the comment above ``wire_error``
    guard = GuardedInput(sys.stdin.buffer)
    async with stdio_server(stdin=guard) as (read_stream, write_stream):
        guard.attach(write_stream)
        await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())


def serve(kb: KB, root: Path, budget: float | None = None) -> int:
    """Run the server over stdio until the client closes the connection; check_threat_model reads only inside
    ``root``, and each tool call has ``budget`` seconds (default ``time_budget()``)."""
    import anyio

    anyio.run(serve_stdio, build_server(kb, root, budget))
    return 0
