"""Record formats of every release: which one a saved engagement follows, and how to bring it to the current one.

A release's format is the pair of engagement schemas it kept beside its ids.json (releases/<version>/; the current
release's come from maestro/engagement.py). ``detect`` names the release whose format a file follows: the oldest
release that accepts what the file declares and whose schema its records pass, else the oldest that accepts the
declaration. ``convert`` then applies, release by release, the conversions in ``CONVERSIONS`` (one small function
per change, keyed by the release whose format they leave), and, for any file older than the current format, the
schema-driven steps in ``FINAL``: a value spelled another way becomes the allowed spelling, a missing record ID
gets the next free number, a field the current schema has no place for moves into a text field of the same record
with a note, and a required value that cannot be derived becomes a ``TO FILL`` marker that `maestro check` reports
(MC116). Every change is a ``Note`` with its JSON path; no record and no field's content is dropped.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from . import assessment, jsonschema_check, project, releases
from .findings import TO_FILL
from .kb import KB
from .phasefile import RECORD_KEYS
# The field of a record that takes the text of a field the current format has no place for.
TEXT_FIELD = {"threats": "description", "mitigations": "description", "code_validation": "gaps", "residual_risks": "justification",
              "roadmap": "description", "components": "notes"}


@dataclass(frozen=True)
class Note:
    """One change: where (a JSON path into the document as read), what, and the old and new values as text."""
    path: tuple
    what: str
    old: str
    new: str


@dataclass
class Job:
    """One document being converted: the knowledge base, the plain document, the current schema and the notes so far."""
    kb: KB
    doc: dict
    origin: str
    schema: dict
    notes: list = field(default_factory=list)

    def note(self, path: tuple, what: str, old, new) -> None:
        self.notes.append(Note(tuple(path), what, _text(old), _text(new)))

    def records(self, key: str):
        """(index, record) of every mapping in the list ``key``."""
        value = self.doc.get(key)
        return [(i, r) for i, r in enumerate(value) if isinstance(r, dict)] if isinstance(value, list) else []

    def item_schema(self, key: str) -> dict:
        return self.schema["properties"].get(key, {}).get("items", {})


def _text(value) -> str:
    if value is None:
        return "(none)"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


# ------------------------------------------------------------------ which format
def _accepts(schema: dict, key: str, value) -> bool:
    sub = schema.get("properties", {}).get(key)
    return sub is not None and value is not None and jsonschema_check.is_valid(value, sub)


def records_schema(schema: dict) -> dict:
    """``schema`` narrowed to the record keys a project's phase files hold (the header comes from state.json)."""
    props = schema.get("properties", {})
    return {"type": "object", "properties": {k: props[k] for k in sorted(RECORD_KEYS) if k in props}}


def _first_valid(candidates: list[str], formats: dict, kind: str, doc: dict) -> str | None:
    return next((v for v in candidates if jsonschema_check.is_valid(doc, formats[v][kind])), None)


def detect_doc(kb: KB, doc: dict, formats: dict | None = None) -> str | None:
    """The release whose format a threat-model.json follows, or None when no release wrote its schema_version."""
    formats = formats or releases.schemas(kb)
    declared = doc.get("schema_version")
    candidates = [v for v in formats if _accepts(formats[v]["threat-model"], "schema_version", declared)]
    return _first_valid(candidates, formats, "threat-model", doc) or (candidates[0] if candidates else None)


def detect_records(kb: KB, doc: dict, declared: str, formats: dict | None = None) -> str:
    """The release whose format a project's records follow, from the knowledge-base version its state.json records on."""
    formats = formats or releases.schemas(kb)
    candidates = _from_release(list(formats), declared)
    narrowed = {v: {"records": records_schema(formats[v]["threat-model"])} for v in candidates}
    return _first_valid(candidates, narrowed, "records", doc) or candidates[0]


def detect_state(kb: KB, state: dict, formats: dict | None = None) -> str:
    """The release whose state.json format ``state`` follows (its recorded knowledge-base version, then validation)."""
    formats = formats or releases.schemas(kb)
    declared = str(state.get("version_metadata", {}).get("playbook_version", "0"))
    candidates = _from_release(list(formats), declared)
    return _first_valid(candidates, formats, "state", state) or candidates[0]


def _from_release(versions: list[str], declared: str) -> list[str]:
    """The releases from the newest one not later than ``declared`` on (all of them when it is older than every one)."""
    key = _version(declared)
    start = max((i for i, v in enumerate(versions) if _version(v) <= key), default=0)
    return versions[start:]


def _version(text) -> tuple:
    try:
        return tuple(int(x) for x in str(text).split(".")[:3])
    except ValueError:
        return (0, 0, 0)


# ------------------------------------------------------------------ conversions of release 1.0.0
# Release 1.0.0 left Phase 8 and Phase 10 records free-form; the templates' field names were the guide.
RENAMED_1_0_0 = {
    "code_validation": {"status": "verified_status", "implementation_status": "verified_status", "test_coverage": "tests",
                        "code_evidence": "evidence", "gaps_found": "gaps", "anti_patterns_detected": "anti_patterns",
                        "remediation_priority": "priority", "expected_code_artifact": "artifact", "mitigation_id": "mitigation",
                        "validation_id": "id", "location": "file", "code_location": "file", "path": "file"},
    "roadmap": {"bucket": "phase", "priority_phase": "phase", "threats_addressed": "threats", "responsible_team": "team",
                "remediation_id": "id"},
}


def replace_field(rec: dict, old: str, new: dict) -> None:
    """Put the fields ``new`` where ``old`` stood in ``rec``, keeping the order of the others."""
    items = list(rec.items())
    at = [k for k, _ in items].index(old)
    rec.clear()
    rec.update(items[:at] + list(new.items()) + [(k, v) for k, v in items[at + 1:] if k not in new])


def template_field_names(job: Job) -> None:
    """Phase 8 and 10 fields named after the 1.0.0 templates take the current names (bucket -> phase, status -> verified_status)."""
    for key, names in RENAMED_1_0_0.items():
        for i, rec in job.records(key):
            for old, new in names.items():
                if old in rec and new not in rec:
                    replace_field(rec, old, {new: rec[old]})
                    job.note((key, i, old), f"field renamed ({rec.get('id', key)})", old, new)


def file_and_line(job: Job) -> None:
    """A code-validation location written as 'path:line' in one field gives its file and its line."""
    for i, rec in job.records("code_validation"):
        m = re.fullmatch(r"(.+?):([1-9][0-9]*)", str(rec.get("file", "")))
        if m and "line" not in rec:
            replace_field(rec, "file", {"file": m.group(1), "line": int(m.group(2))})
            job.note(("code_validation", i, "file"), f"location split into file and line ({rec.get('id', '?')})", m.group(0),
                     f"file {m.group(1)}, line {m.group(2)}")


def five_top_risks(job: Job) -> None:
    """The summary names at most five top risks since 1.1.0; the others move to summary.other_risks, in order."""
    summary = job.doc.get("summary")
    top = summary.get("top_risks") if isinstance(summary, dict) else None
    if isinstance(top, list) and len(top) > 5:
        summary["top_risks"], rest = top[:5], top[5:]
        summary["other_risks"] = list(summary.get("other_risks") or []) + rest
        job.note(("summary", "top_risks"), "top risks beyond the fifth moved to summary.other_risks", top,
                 {"top_risks": summary["top_risks"], "other_risks": summary["other_risks"]})


def layer_scope(job: Job) -> None:
    """A 1.0.0 state.json gets the layer scope its depth (and depth answers) give, as `maestro new` records it now."""
    state = job.doc
    if "layer_scope" in state:
        return
    answers = state.get("depth_answers")
    depth = next((d for d in job.kb.depth["depths"] if d["key"] == state.get("analysis_depth")), None)
    if depth is None:
        return
    scope = list(depth["layers"])
    if isinstance(answers, dict) and len(answers) == len(job.kb.depth["questions"]):
        scope = project.resolve_depth(job.kb, depth["key"], [bool(answers[k]) for k in sorted(answers, key=int)], "migrated")[1]
    state["layer_scope"] = scope
    job.note(("layer_scope",), "layer scope recorded (from the depth)", None, scope)


@dataclass(frozen=True)
class Steps:
    """The conversions that take one release's format to the next release's: records, state.json, phase-file text."""
    records: tuple = ()
    state: tuple = ()
    text: tuple = ()


def yml_opener(text: str) -> tuple[str, list[tuple[int, str, str]]]:
    """Release 1.0.0 also read record blocks opened with ```yml maestro; the format now has one opener."""
    lines, found = text.split("\n"), []
    for n, line in enumerate(lines, 1):
        if re.fullmatch(r"```yml maestro[ \t]*", line):
            lines[n - 1] = "```yaml maestro"
            found.append((n, line, lines[n - 1]))
    return "\n".join(lines), found


CONVERSIONS = {
    "1.0.0": Steps(records=(template_field_names, file_and_line, five_top_risks), state=(layer_scope,), text=(yml_opener,)),
}


# ------------------------------------------------------------------ schema-driven steps for any older format
def _norm(value: str) -> str:
    return re.sub(r"[\s_-]+", " ", re.sub(r"\s*\(.*\)\s*$", "", value)).strip().lower()


def _fields(job: Job, key: str):
    """(index, record, field, value, field schema) of every field of every record of ``key``."""
    props = job.item_schema(key).get("properties", {})
    for i, rec in job.records(key):
        for name, value in list(rec.items()):
            yield i, rec, name, value, props.get(name, {})


def _list_keys(job: Job) -> list[str]:
    return [k for k, v in job.schema["properties"].items() if v.get("type") == "array" and "properties" in v.get("items", {})]


def allowed_spelling(job: Job) -> None:
    """A value written in another spelling of an allowed one ('Immediate (0-30d)', 'partially implemented') takes the allowed one."""
    for key in _list_keys(job):
        for i, rec, name, value, sub in _fields(job, key):
            allowed = sub.get("enum") or []
            if isinstance(value, str) and value not in allowed:
                match = [a for a in allowed if isinstance(a, str) and _norm(a) == _norm(value)]
                if len(match) == 1:
                    rec[name] = match[0]
                    job.note((key, i, name), f"value spelled as the format allows ({rec.get('id', key)})", value, match[0])


def id_lists(job: Job) -> None:
    """A list of IDs written as one comma-separated string ('PAY-T1, PAY-T2') becomes a list."""
    for key in _list_keys(job):
        for i, rec, name, value, sub in _fields(job, key):
            if isinstance(value, str) and sub.get("type") == "array" and sub.get("items", {}).get("type") == "string":
                rec[name] = [part.strip() for part in re.split(r"[,;]", value) if part.strip()]
                job.note((key, i, name), f"text turned into a list ({rec.get('id', key)})", value, rec[name])


def _numbering(item_schema: dict) -> str | None:
    """The ID prefix a record list numbers with (A, TA, CV, REM...), read from its schema's id pattern."""
    m = re.fullmatch(r"\^([A-Z]+)\[(?:1-9|0-9)\].*", item_schema.get("properties", {}).get("id", {}).get("pattern", ""))
    return m.group(1) if m else None


def record_ids(job: Job) -> None:
    """A numbered record written without an ID gets the next free number of its list (A3, CV7, REM2)."""
    for key in _list_keys(job):
        prefix = _numbering(job.item_schema(key))
        if prefix is None:
            continue
        used = [int(m.group(1)) for _, r in job.records(key) if (m := re.fullmatch(prefix + r"([0-9]+)", str(r.get("id", ""))))]
        for i, rec in job.records(key):
            if "id" not in rec:
                used.append(max(used, default=0) + 1)
                rec["id"] = f"{prefix}{used[-1]}"
                job.note((key, i), f"record numbered ({key})", None, rec["id"])


def effective_risk(job: Job) -> None:
    """A residual record gets the effective risk its threat's controls give (required since 1.1.0, ruling R02)."""
    postures = assessment.assess(job.kb, job.doc)
    for i, rec in job.records("residual_risks"):
        if "effective_risk" not in rec and rec.get("threat") in postures:
            rec["effective_risk"] = postures[rec["threat"]].effective
            job.note(("residual_risks", i), f"effective risk of {rec.get('id', '?')} (was missing)", None, f"{rec['effective_risk']:g}")


def unknown_fields(job: Job) -> None:
    """A field the current format has no place for moves, with its name, to the end of the record's text field."""
    for key in _list_keys(job):
        item, target = job.item_schema(key), TEXT_FIELD.get(key)
        if item.get("additionalProperties") is not False or target is None:
            continue  # an open record keeps every field; a closed one without a text field is left for MC108
        for i, rec, name, value, _ in _fields(job, key):
            if name not in item["properties"]:
                moved = f"[{name} in release {job.origin}: {_text(value)}]"
                rec[target] = f"{rec[target]} {moved}" if isinstance(rec.get(target), str) and rec[target].strip() else moved
                del rec[name]
                job.note((key, i, name), f"field kept in '{target}' ({rec.get('id', key)})", name, moved)


def to_fill(job: Job) -> None:
    """A required value that nothing above could derive becomes a TO FILL marker, reported by `maestro check` (MC116)."""
    for key in _list_keys(job):
        item = job.item_schema(key)
        for i, rec in job.records(key):
            for name in item.get("required", []):
                if name not in rec:
                    marker = f"{TO_FILL}: {name} (release {job.origin} recorded none; maestro migrate could not derive it)"
                    rec[name] = [marker] if item["properties"].get(name, {}).get("type") == "array" else marker
                    job.note((key, i), f"required field to fill ({rec.get('id', key)})", None, f"{name}: {TO_FILL}")


FINAL = (allowed_spelling, id_lists, record_ids, effective_risk, unknown_fields, to_fill)


# ------------------------------------------------------------------ entry points
def convert(kb: KB, doc: dict, origin: str, kind: str = "records", formats: dict | None = None) -> list[Note]:
    """Bring ``doc`` (plain records or a threat-model.json, or a state.json when ``kind`` is "state") from the format
    of release ``origin`` to the current one, in place; the notes of every change."""
    formats = formats or releases.schemas(kb)
    versions = list(formats)
    job = Job(kb, doc, origin, formats[versions[-1]]["state" if kind == "state" else "threat-model"])
    for version in versions[versions.index(origin):-1]:
        for step in getattr(CONVERSIONS.get(version, Steps()), kind):
            step(job)
    if kind == "records" and origin != versions[-1]:
        for step in FINAL:
            step(job)
    return job.notes


def convert_text(text: str, origin: str, formats: dict) -> tuple[str, list[tuple[int, str, str]]]:
    """A phase file's text with the text conversions from release ``origin`` on; (line, old, new) of each change."""
    versions, found = list(formats), []
    for version in versions[versions.index(origin):-1]:
        for step in CONVERSIONS.get(version, Steps()).text:
            text, more = step(text)
            found += more
    return text, found
