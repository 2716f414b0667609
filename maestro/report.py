"""`maestro report`: what goes into the report a security lead hands on, as plain data.

``load_model`` reads an engagement the way `maestro check` does (a project folder or a threat-model.json) and runs
the same checks; ``report_data`` turns the validated records into one dict of plain values that the Jinja2
templates in ``maestro/templates/report/`` lay out (``report_render.py``). Nothing here writes HTML or Markdown,
and nothing reads the prose of the phase files: a project's report comes from its threat-model.json, or, when
that export is missing or stale, from the phase records assembled in memory as `maestro export` would.
``executive_summary`` is the summary section alone, for `maestro mcp`'s ``report_summary`` tool.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import checks, engagement, ids, project, scoring, urls, yamlio
from .checks.context import file_context
from .checks.structure import stale_files
from .crosswalk import RECORD_FIELDS, STRIDE
from .kb import KB

VERSION_RX = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")
TOP_RISKS = 5
DECISIONS = ("Accepted", "Deferred", "Transferred")   # dispositions someone has to sign off
OPEN_PHASE = ("pending", "in_progress", "error")


@dataclass
class Model:
    """One engagement as the report reads it: the records (in a checks Context), what `maestro check` found, and notes
    on where the records came from."""
    path: Path
    ctx: object
    findings: list
    checked: list
    notes: list = field(default_factory=list)

    @property
    def doc(self) -> dict:
        return self.ctx.doc

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


@dataclass
class Checked:
    """What `maestro check PATH` found, with the context its rules read (None when state.json is invalid)."""
    path: Path
    findings: list
    checked: list
    ctx: object

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")


# ------------------------------------------------------------------ reading
def run_checks(kb: KB, path: Path) -> Checked:
    """The checks of `maestro check PATH` on a project folder or a threat-model.json (the same rules, run once, so the
    report reads the very records they judged); Unusable for any other path."""
    if path.is_dir():
        return Checked(path, *checks.project_findings(kb, path))
    if path.suffix.lower() != ".json":
        raise engagement.Unusable(f"{path}: give a project folder or a threat-model.json; a report is not made from this kind of file")
    ctx = file_context(kb, path)  # what checks.check_file does, keeping the context
    return Checked(path, checks.run(ctx), [str(path)], ctx)


def read_model(kb: KB, checked: Checked) -> Model:
    """The records a report is made from: a threat-model.json as it is; for a project, its export when that matches the
    phase files, else the phase records assembled in memory (what `maestro export` would write), with a note."""
    if checked.ctx is None:
        raise project.ProjectError(f"{checked.path / 'state.json'} is invalid; run `maestro check {checked.path}` and fix it first")
    ctx, note = checked.ctx, None
    if ctx.mode == "project":
        ctx, note = _current_records(kb, ctx)
    return Model(checked.path, ctx, checked.findings, checked.checked, [note] if note else [])


def load_model(kb: KB, path: Path) -> Model:
    """``run_checks`` and ``read_model`` in one step."""
    return read_model(kb, run_checks(kb, path))


def _current_records(kb: KB, ctx) -> tuple[object, str | None]:
    """The project's export (in a context of its own) when it matches the phase files, else the phase records."""
    changed = stale_files(ctx)
    if changed is None:
        return ctx, "No usable threat-model.json was found, so this report was assembled from the phase records (run `maestro export`)."
    if changed:
        return ctx, (f"threat-model.json is older than {', '.join(changed)}, so this report was assembled from the current "
                     "phase records (run `maestro export` to refresh it).")
    return checks.Context(kb, ctx.export_doc, str(ctx.export_path), "export"), None


# ------------------------------------------------------------------ small helpers
def text(value) -> str:
    """Any recorded value as one line of text ('' for nothing); lists joined with commas."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(t for t in (text(v) for v in value) if t)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {text(v)}" for k, v in value.items() if text(v))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return " ".join(str(value).split())


def listed(value) -> list:
    """A recorded list as a list (a lone value becomes a list of one, nothing an empty list)."""
    if value in (None, "", [], {}):
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def ident(value) -> str:
    """A reference written as an ID or as {id, name}: the ID."""
    return text(value.get("id")) if isinstance(value, dict) else text(value)


def anchor(prefix: str, key) -> str:
    """An in-page fragment for a record: its ID with anything outside [A-Za-z0-9_-] replaced."""
    return prefix + "-" + re.sub(r"[^A-Za-z0-9_-]", "-", text(key) or "x")


def a_date(value) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(text(value)[:10])
    except ValueError:
        return None


class Links:
    """Versioned links to the knowledge-base pages of the release an engagement cites (the URL contract in urls.py)."""

    def __init__(self, kb: KB, version: str):
        self.kb, self.version = kb, version
        self.known = kb.all_ids()

    def url(self, key: str) -> str | None:
        kind = ids.kind_of(key)
        if kind is None or key not in self.known:
            return None
        return urls.versioned_url(kind, key, self.version)

    def ref(self, key) -> dict:
        key = ident(key)
        return {"id": key, "name": self.kb.name_of(key) or "", "url": self.url(key)}


def kb_version(kb: KB, doc: dict) -> tuple[str, str | None]:
    """The knowledge-base version the engagement used, and a note when it is unusable in a link."""
    given = text(doc.get("kb_version"))
    if VERSION_RX.fullmatch(given):
        return given, None
    return kb.version, (f"The records name no usable knowledge-base version ({given or 'none'}); links point at v{kb.version}, "
                        "the release that rendered this report.")


def level_order(kb: KB) -> list[str]:
    """Risk levels from the highest to the lowest."""
    return [r["level"] for r in reversed(kb.scoring["risk_levels"])]


NO_RISK = "None"  # the level scoring.equivalent_level gives an effective risk of 0


def effective_levels(kb: KB) -> list[str]:
    """The levels an effective risk can have: the risk levels, highest first, then None."""
    return level_order(kb) + [NO_RISK]


def level_class(kb: KB, level) -> str:
    """A fixed CSS class for a known level ('' for anything else)."""
    return f"lv-{level.lower()}" if level in effective_levels(kb) else ""


def rank(kb: KB, level) -> int:
    order = level_order(kb)[::-1]
    return order.index(level) if level in order else -1


# ------------------------------------------------------------------ the report
def report_data(kb: KB, model: Model, today: _dt.date | None = None) -> dict:
    """Everything the report shows, as plain data in reading order."""
    doc, ctx = model.doc, model.ctx
    version, note = kb_version(kb, doc)
    links = Links(kb, version)
    register = threat_register(kb, ctx, links)
    residuals = residual_risks(kb, ctx)
    roadmap = remediation_roadmap(kb, ctx, links, register, assessment_date(doc))
    return {
        "title": title_block(kb, doc, model, version, today),
        "check": check_status(model),
        "notes": model.notes + ([note] if note else []),
        "summary": summary_section(kb, doc, ctx, register, residuals, roadmap),
        "heatmap": heatmaps(kb, register),
        "architecture": architecture(kb, ctx, links),
        "roadmap": roadmap,
        "register": register,
        "residuals": residuals,
        "validation": code_validation(ctx),
        "scope": assumptions_and_gaps(kb, doc, ctx, register),
        "appendix": appendix(kb, doc, model),
        "disclaimer": engagement.DISCLAIMER,
    }


def executive_summary(kb: KB, model: Model, today: _dt.date | None = None) -> dict:
    """The title block, check status and executive summary of ``model``'s report (for `maestro mcp`)."""
    data = report_data(kb, model, today)
    return {k: data[k] for k in ("title", "check", "notes", "summary")}


# ------------------------------------------------------------------ title and status
def assessment_date(doc: dict) -> _dt.date | None:
    summary = doc.get("summary") if isinstance(doc.get("summary"), dict) else {}
    return a_date(summary.get("assessment_date")) or a_date(doc.get("generated"))


def system_name(doc: dict) -> str:
    context = doc.get("business_context") if isinstance(doc.get("business_context"), dict) else {}
    summary = doc.get("summary") if isinstance(doc.get("summary"), dict) else {}
    return text(context.get("application_name")) or text(summary.get("system")) or text(doc.get("project")) or "Unnamed system"


def layer_scope(kb: KB, doc: dict) -> tuple[list[str], bool]:
    """The layers in scope and whether the records state them (else they follow from the depth)."""
    stated = [text(x) for x in listed(doc.get("layer_scope"))]
    if stated:
        return stated, True
    depth = next((d for d in kb.depth["depths"] if d["key"] == doc.get("analysis_depth")), None)
    return (list(depth["layers"]) if depth else []), False


def title_block(kb: KB, doc: dict, model: Model, version: str, today: _dt.date | None) -> dict:
    summary = doc.get("summary") if isinstance(doc.get("summary"), dict) else {}
    depth = next((d for d in kb.depth["depths"] if d["key"] == doc.get("analysis_depth")), None)
    layers, stated = layer_scope(kb, doc)
    when = assessment_date(doc)
    return {
        "system": system_name(doc), "project": text(doc.get("project")), "prefix": text(doc.get("prefix")),
        "date": when.isoformat() if when else "not recorded",
        "analysts": text(summary.get("analysts")) or text(doc.get("analyst")) or "not recorded",
        "depth": depth["name"] if depth else text(doc.get("analysis_depth")) or "not recorded",
        "layers": [{"id": lid, "name": kb.layers[lid]["name"] if lid in kb.layers else ""} for lid in layers],
        "layers_stated": stated,
        "kb_version": version, "rendered_with": kb.version, "site_url": urls.site_url(),
        "system_type": text(doc.get("system_type")), "uses_mcp": doc.get("uses_mcp") is True,
        "scope": text(doc.get("scope")),
        "written": (today or _dt.date.today()).isoformat(),
        "source": str(model.path),
    }


def unfinished_phases(doc: dict) -> list[dict]:
    recorded = doc.get("phase_status") if isinstance(doc.get("phase_status"), dict) else {}
    return [{"n": text(n), "status": text(s).replace("_", " ")} for n, s in recorded.items() if s in OPEN_PHASE]


def check_status(model: Model) -> dict:
    """What `maestro check` found, and whether the report is a draft (errors, unfinished phases or pending work)."""
    errors, warnings, pending = model.count("error"), model.count("warning"), model.count("pending")
    unfinished = unfinished_phases(model.doc)
    return {"errors": errors, "warnings": warnings, "pending": pending, "passes": errors == 0,
            "open": errors + pending, "unfinished": unfinished, "draft": bool(errors or pending or unfinished),
            "files": len(model.checked)}


# ------------------------------------------------------------------ threats
def threat_register(kb: KB, ctx, links: Links) -> list[dict]:
    """Every threat record, highest effective risk first, with its controls as scoring counts them."""
    mitigations = {m["id"]: m for m in ctx.all_records("mitigations") if isinstance(m.get("id"), str)}
    residual = {text(r.get("threat")): r for r in ctx.all_records("residual_risks")}
    rows = [threat_row(kb, t, ctx.postures.get(text(t.get("id"))), mitigations, residual, links) for t in ctx.all_records("threats")]
    return sorted(rows, key=lambda r: scoring.rank_key(kb, r["effective"] if r["scored"] else -1, r["vector"] or None, r["complexity"] or None))


def threat_row(kb: KB, t: dict, posture, mitigations: dict, residual: dict, links: Links) -> dict:
    key = text(t.get("id"))
    rr = residual.get(key)
    return {
        "id": key, "anchor": anchor("threat", key), "name": text(t.get("name")),
        "what": text(t.get("description")), "impact": text(t.get("impact")), "prerequisites": text(t.get("prerequisites")),
        "vector": text(t.get("attack_vector")), "complexity": text(t.get("attack_complexity")),
        "layers": [{"id": text(l), "name": kb.layers[l]["name"] if l in kb.layers else "", "url": links.url(text(l))} for l in listed(t.get("layers"))],
        "maps_to": [links.ref(r) for r in listed(t.get("maps_to"))],
        "blindspots": [links.ref(r) for r in listed(t.get("blindspots"))],
        "gap": text(t.get("gap")),
        "external": [{"label": label, "ids": [text(x) for x in listed(t.get(k))]} for k, label in EXTERNAL if listed(t.get(k))],
        STRIDE.name: [text(x) for x in listed(t.get(STRIDE.name))],
        "factors": [text(x) for x in listed(t.get("agentic_factors"))],
        "components": [text(x) for x in listed(t.get("affected_components"))],
        "severity": text(t.get("severity")), "likelihood": text(t.get("likelihood")),
        **scores(kb, t, posture),
        "controls": controls(kb, t, posture, mitigations, links),
        "residual": {"id": text(rr.get("id")), "anchor": anchor("rr", rr.get("id")), "level": text(rr.get("residual")),
                     "disposition": text(rr.get("disposition"))} if rr else None,
    }


EXTERNAL = tuple((f.name, f.label) for f in RECORD_FIELDS)
"""The crosswalk fields a threat record may carry, in the order the register lists them, with their labels."""


def scores(kb: KB, t: dict, posture) -> dict:
    """Inherent level, effective risk and bucket; a threat that failed the schema is shown unscored."""
    if posture is None:
        level = text(t.get("risk"))
        return {"scored": False, "level": level, "level_class": level_class(kb, level), "effective": 0.0, "effective_level": "",
                "effective_class": "", "credit": 0.0, "bucket": ""}
    return {"scored": True, "level": posture.level, "level_class": level_class(kb, posture.level), "effective": posture.effective,
            "effective_level": posture.effective_level, "effective_class": level_class(kb, posture.effective_level),
            "credit": posture.credit, "bucket": posture.bucket}


BASIS = {"evidence": "cited evidence", "unverified": "not verified: counts as not implemented", "unfit": "earns no credit on this threat"}


def basis(c) -> str:
    """Why a control counts at the status it does: the Phase 8 record, cited evidence, nothing, or the catalog's say."""
    if c.basis == "unfit":
        return f"{BASIS['unfit']}: {c.unfit}" if c.unfit else BASIS["unfit"]
    return c.basis if c.basis.startswith("code validation") else BASIS.get(c.basis, c.basis)


def controls(kb: KB, t: dict, posture, mitigations: dict, links: Links) -> list[dict]:
    scored = {c.id: c for c in posture.controls} if posture else {}
    out = []
    for mid in dict.fromkeys(text(m) for m in listed(t.get("mitigations"))):
        m = mitigations.get(mid, {})
        c = scored.get(mid)
        out.append({"id": mid, "url": links.url(mid), "name": text(m.get("name")) or kb.name_of(mid) or "",
                    "type": text(m.get("type")), "owner": text(m.get("owner")), "claimed": text(m.get("status")),
                    "counted": c.status if c else "", "coverage": c.coverage if c else text(m.get("coverage")),
                    "basis": basis(c) if c else "no card recorded",
                    "implements": [links.ref(x) for x in listed(m.get("implements"))]})
    return out


# ------------------------------------------------------------------ executive summary
def summary_section(kb: KB, doc: dict, ctx, register: list, residuals: list, roadmap: dict) -> dict:
    stated = doc.get("summary") if isinstance(doc.get("summary"), dict) else {}
    return {
        "posture": posture(kb, stated, register, residuals),
        "counts": level_counts(kb, register, residuals),
        "top": [brief(t) for t in top_risks(stated, register)],
        "appetite": appetite(kb, doc, register),
        "decisions": [r for r in residuals if r["disposition"] in DECISIONS],
        "exceptions": [i for b in roadmap["buckets"] for i in b["items"] if i["exception"]],
        "recommendations": [text(x) for x in listed(stated.get("key_recommendations") or stated.get("recommendations"))],
        "next_review": text(stated.get("next_review")),
        "triggers": [text(x) for x in listed(stated.get("update_triggers"))],
        "threats": len(register), "mitigations": len(ctx.all_records("mitigations")),
    }


def posture(kb: KB, stated: dict, register: list, residuals: list) -> dict:
    """The posture the summary states and the one the records give: the highest residual level, else the highest effective level."""
    levels = [r["residual"] for r in residuals if r["residual"]] or [t["effective_level"] for t in register if t["scored"]]
    computed = max(levels, key=lambda lv: rank(kb, lv), default="")
    said = text(stated.get("overall_posture") or stated.get("posture"))
    return {"stated": said, "computed": computed, "computed_class": level_class(kb, computed),
            "basis": "residual" if any(r["residual"] for r in residuals) else "effective",
            "rationale": text(stated.get("posture_rationale")), "expected": text(stated.get("expected_posture"))}


def level_counts(kb: KB, register: list, residuals: list) -> list[dict]:
    return [{"level": lv, "class": level_class(kb, lv),
             "inherent": sum(1 for t in register if t["level"] == lv),
             "effective": sum(1 for t in register if t["scored"] and t["effective_level"] == lv),
             "residual": sum(1 for r in residuals if r["residual"] == lv)} for lv in effective_levels(kb)]


def top_risks(stated: dict, register: list) -> list[dict]:
    """The summary's top risks when it names threats the register holds, else the highest effective risks."""
    by_id = {t["id"]: t for t in register}
    named = [by_id[ident(x)] for x in listed(stated.get("top_risks")) if ident(x) in by_id]
    return named[:TOP_RISKS] if named else register[:TOP_RISKS]


def appetite(kb: KB, doc: dict, register: list) -> dict:
    """The Phase 1 risk appetite (fields whose name holds 'appetite' or 'toleran') and what lies above it.

    When a statement names a risk level, every threat whose residual (else effective) level is above it exceeds it;
    a statement in words cannot be compared mechanically, so the threats still High or Critical are listed for the
    reader to weigh against it."""
    context = doc.get("business_context") if isinstance(doc.get("business_context"), dict) else {}
    fields = [{"name": text(k).replace("_", " "), "value": text(v)} for k, v in context.items()
              if re.search(r"appetite|toleran", text(k), re.I) and text(v)]
    threshold = next((f["value"] for f in fields if f["value"] in level_order(kb)), "")
    limit = rank(kb, threshold) if threshold else rank(kb, "Medium")
    above = [brief(t) for t in register if rank(kb, current_level(t)) > limit]
    return {"stated": bool(fields), "fields": fields, "threshold": threshold, "above": above}


BRIEF = ("id", "anchor", "name", "scored", "level", "level_class", "effective", "effective_level", "effective_class", "bucket", "residual")


def brief(t: dict) -> dict:
    """A register row cut to what the summary says about a threat."""
    return {k: t[k] for k in BRIEF}


def current_level(t: dict) -> str:
    """A threat's level as it stands: the residual level Phase 9 set, else its effective level."""
    return (t["residual"] or {}).get("level") or t["effective_level"]


# ------------------------------------------------------------------ heatmaps
def heatmaps(kb: KB, register: list) -> dict:
    """Severity by likelihood with each threat in its cell (the matrix of data/scoring.yaml), and inherent level by effective level."""
    severities = [s["level"] for s in reversed(kb.scoring["severity"])]
    likelihoods = [s["level"] for s in kb.scoring["likelihood"]]
    matrix = kb.scoring["matrix"]
    grid = [{"severity": sev, "cells": [{"level": matrix[sev][lik], "class": level_class(kb, matrix[sev][lik]),
                                         "threats": [cell_entry(t) for t in register if t["severity"] == sev and t["likelihood"] == lik]}
                                        for lik in likelihoods]} for sev in severities]
    levels = effective_levels(kb)
    shift = [{"inherent": a, "class": level_class(kb, a),
              "cells": [{"effective": b, "class": level_class(kb, b),
                         "threats": [cell_entry(t) for t in register if t["scored"] and t["level"] == a and t["effective_level"] == b]}
                        for b in levels]} for a in level_order(kb)]
    unplaced = [cell_entry(t) for t in register if t["severity"] not in severities or t["likelihood"] not in likelihoods]
    return {"likelihoods": likelihoods, "grid": grid, "levels": levels, "shift": shift, "unplaced": unplaced}


def cell_entry(t: dict) -> dict:
    return {"id": t["id"], "anchor": t["anchor"], "effective_level": t["effective_level"], "effective_class": t["effective_class"]}


# ------------------------------------------------------------------ architecture
def architecture(kb: KB, ctx, links: Links) -> dict:
    """The drawing `maestro diagram` makes (from maestro/diagrams.py) and its content as tables."""
    from markupsafe import Markup

    from . import diagrams

    plain = yamlio.plain(ctx.doc)
    assets = {a.get("id"): a for a in ctx.all_records("assets") if isinstance(a.get("id"), str)}
    zones = diagrams._zones(plain) if _drawable(ctx) else []
    svg = Markup(diagrams.architecture(kb, plain, links.url)) if zones else None  # diagrams.py escapes every value it draws
    return {
        "svg": svg,
        "zones": [{"name": text(z.get("name")), "trust": text(z.get("trust")), "components": [text(c) for c in listed(z.get("components"))]}
                  for z in zones],
        "boundaries": [{"id": text(b.get("id")), "name": text(b.get("name")), "from": text(diagrams._ends(b)[0]), "to": text(diagrams._ends(b)[1]),
                        "strength": text(b.get("strength")), "authentication": text(b.get("authentication"))}
                       for b in listed(plain.get("trust_boundaries")) if isinstance(b, dict)],
        "flows": [data_flow(f, assets) for f in listed(plain.get("data_flows")) if isinstance(f, dict)],
        "components": len(listed(plain.get("components"))),
    }


def data_flow(f: dict, assets: dict) -> dict:
    """A data flow as the report lists it: what moves (its name, else its asset), between what, across which
    boundaries, how sensitive and how protected."""
    asset = assets.get(f.get("asset") if isinstance(f.get("asset"), str) else None, {})
    moved = [text(a) for a in listed(f.get("assets"))]
    return {"id": text(f.get("id")), "name": text(f.get("name")) or text(asset.get("name")) or ", ".join(moved),
            "from": text(f.get("from")), "to": text(f.get("to")), "crosses": text(f.get("crosses") or f.get("boundaries")),
            "classification": text(f.get("sensitivity") or f.get("classification") or asset.get("classification")),
            "protection": text(f.get("protection"))}


DRAWN = ("trust_zones", "components", "trust_boundaries", "data_flows")


def _drawable(ctx) -> bool:
    """Whether the records can be drawn: some zones or components, and none of the drawn records breaks the schema."""
    return bool(ctx.all_records("trust_zones") or ctx.all_records("components")) and \
        not any(e.path and e.path[0] in DRAWN for e in ctx.schema_errors)


# ------------------------------------------------------------------ roadmap, residual risks, code validation
def remediation_roadmap(kb: KB, ctx, links: Links, register: list, start: _dt.date | None) -> dict:
    """Roadmap items by bucket, in the order of data/scoring.yaml, each bucket with its window and the date it closes."""
    names = {t["id"]: t["name"] for t in register}
    owners = {m.get("id"): text(m.get("owner")) for m in ctx.all_records("mitigations")}
    items = [roadmap_item(i, names, owners, links) for i in ctx.all_records("roadmap")]
    buckets = []
    for b in kb.scoring["remediation_buckets"]:
        buckets.append({"name": b["bucket"], "days": b["days"], "rule": b["rule"], "due": due_date(start, b["days"]),
                        "items": [i for i in items if i["phase"] == b["bucket"]]})
    known = {b["bucket"] for b in kb.scoring["remediation_buckets"]}
    loose = [i for i in items if i["phase"] not in known]
    if loose:
        buckets.append({"name": "Not in a known bucket", "days": "", "rule": "", "due": "", "items": loose})
    return {"buckets": buckets, "count": len(items), "start": start.isoformat() if start else ""}


def due_date(start: _dt.date | None, days: str) -> str:
    """The last day of a bucket's window counted from the assessment date ('' when open-ended or undated)."""
    m = re.fullmatch(r"\s*[0-9]+\s*-\s*([0-9]+)\s*", days or "")
    return (start + _dt.timedelta(days=int(m.group(1)))).isoformat() if start and m else ""


def roadmap_item(i: dict, names: dict, owners: dict, links: Links) -> dict:
    exc = i.get("exception") if isinstance(i.get("exception"), dict) else None
    mids = [text(m) for m in listed(i.get("mitigations"))]
    return {"id": text(i.get("id")), "anchor": anchor("rem", i.get("id")), "title": text(i.get("title")), "phase": text(i.get("phase")),
            "description": text(i.get("description")), "team": text(i.get("team")), "effort": text(i.get("effort")),
            "status": text(i.get("status")), "dependencies": text(i.get("dependencies")), "recurring": i.get("recurring") is True,
            "threats": [{"id": text(t), "name": names.get(text(t), ""), "anchor": anchor("threat", t)} for t in listed(i.get("threats"))],
            "mitigations": [{"id": m, "url": links.url(m), "owner": owners.get(m, "")} for m in mids],
            "exception": {"reason": text(exc.get("reason")), "approved_by": text(exc.get("approved_by")), "date": text(exc.get("date"))} if exc else None}


def residual_risks(kb: KB, ctx) -> list[dict]:
    names = {text(t.get("id")): text(t.get("name")) for t in ctx.all_records("threats")}
    return [{"id": text(r.get("id")), "anchor": anchor("rr", r.get("id")), "threat": text(r.get("threat")),
             "threat_name": names.get(text(r.get("threat")), ""), "threat_anchor": anchor("threat", r.get("threat")),
             "inherent": text(r.get("inherent")), "inherent_class": level_class(kb, r.get("inherent")),
             "effective": text(r.get("effective_risk")), "residual": text(r.get("residual")), "residual_class": level_class(kb, r.get("residual")),
             "disposition": text(r.get("disposition")), "owner": text(r.get("owner")), "review": text(r.get("review")),
             "target_date": text(r.get("target_date")), "triggers": [text(x) for x in listed(r.get("triggers"))],
             "justification": text(r.get("justification"))} for r in ctx.all_records("residual_risks")]


def code_validation(ctx) -> list[dict]:
    names = {m.get("id"): text(m.get("name")) for m in ctx.all_records("mitigations")}
    return [{"id": text(cv.get("id")), "mitigation": text(cv.get("mitigation")), "mitigation_name": names.get(cv.get("mitigation"), ""),
             "artifact": text(cv.get("artifact")), "where": text(cv.get("file")) + (f":{text(cv.get('line'))}" if text(cv.get("line")) else ""),
             "status": text(cv.get("verified_status")), "evidence": text(cv.get("evidence")), "gaps": text(cv.get("gaps")),
             "tests": text(cv.get("tests")), "anti_patterns": text(cv.get("anti_patterns"))} for cv in ctx.all_records("code_validation")]


# ------------------------------------------------------------------ assumptions, scope gaps, appendix
def assumptions_and_gaps(kb: KB, doc: dict, ctx, register: list) -> dict:
    layers, _ = layer_scope(kb, doc)
    recorded = doc.get("phase_status") if isinstance(doc.get("phase_status"), dict) else {}
    not_applicable = doc.get("not_applicable") if isinstance(doc.get("not_applicable"), dict) else {}
    return {
        "assumptions": [{"id": text(a.get("id")), "description": text(a.get("description")), "status": text(a.get("status")),
                         "impact": text(a.get("impact_if_wrong")), "validation": text(a.get("validation_method") or a.get("validation"))}
                        for a in ctx.all_records("assumptions")],
        "scope": text(doc.get("scope")),
        "layers_out": [{"id": lid, "name": kb.layers[lid]["name"]} for lid in kb.layers if lid not in layers],
        "skipped": [{"n": text(n), "name": kb.phases[int(n)]["name"] if text(n).isdigit() and int(n) in kb.phases else ""}
                    for n, s in recorded.items() if s == "skipped"],
        "gaps": [{"id": t["id"], "anchor": t["anchor"], "gap": t["gap"]} for t in register if t["gap"]],
        "not_applicable": [{"id": text(k), "reason": text(v)} for k, v in not_applicable.items()],
        "unverified": [{"threat": t["id"], "control": c["id"], "claimed": c["claimed"]} for t in register for c in t["controls"]
                       if c["basis"] == BASIS["unverified"] and c["claimed"] not in ("", "Not Implemented")],
    }


def appendix(kb: KB, doc: dict, model: Model) -> dict:
    """The method's phases with this engagement's status, and every check rule by what it found."""
    recorded = doc.get("phase_status") if isinstance(doc.get("phase_status"), dict) else {}
    phases = [{"n": n, "name": p["name"], "objective": p["objective"], "status": text(recorded.get(str(n))).replace("_", " ")}
              for n, p in sorted(kb.phases.items())]
    worst: dict[str, str] = {}
    order = {"error": 3, "warning": 2, "pending": 1}
    for f in model.findings:
        if order.get(f.severity, 0) > order.get(worst.get(f.rule, ""), 0):
            worst[f.rule] = f.severity
    rules = [{"code": code, "name": r.name, "summary": r.summary, "result": worst.get(code, "passed")} for code, r in sorted(checks.RULES.items())]
    return {"phases": phases, "rules": rules,
            "passed": sum(1 for r in rules if r["result"] == "passed"), "total": len(rules)}
