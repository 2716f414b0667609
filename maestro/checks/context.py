"""What the rules look at: one engagement, read once.

``project_context`` reads a project folder (state.json, every phase file, the export if any);
``file_context`` reads a single threat-model.json. Both give the rules the same view: the
threat-model document with positions, the records that passed the schema, every string to scan
with its file and line, and which phases have started.
"""
from __future__ import annotations

import math
from functools import cached_property
from pathlib import Path

from .. import assessment, engagement, jsonschema_check as validation, project, textscan, yamlio
from ..kb import KB

LIST_KEYS = ("assumptions", "components", "threat_actors", "trust_zones", "trust_boundaries", "assets", "data_flows",
             "threats", "attack_chains", "mitigations", "code_validation", "residual_risks", "roadmap")


def walk_strings(node, file: str, line: int = 1):
    """(file, line, text) for every string inside a loaded document, keys excluded."""
    src = getattr(node, "src", None) or file
    if isinstance(node, str):
        yield src, line, node
    elif isinstance(node, dict):
        lines = getattr(node, "key_lines", {})
        srcs = getattr(node, "key_srcs", {})
        for k, v in node.items():
            yield from walk_strings(v, srcs.get(k, src), lines.get(k, getattr(node, "line", line) or line))
    elif isinstance(node, list):
        lines = getattr(node, "item_lines", [])
        for i, v in enumerate(node):
            yield from walk_strings(v, src, lines[i] if i < len(lines) else (getattr(node, "line", line) or line))


class Context:
    def __init__(self, kb: KB, doc: dict, doc_file: str, mode: str, state=None, state_file: str = "",
                 folder: Path | None = None, files: list | None = None, export_path: Path | None = None):
        self.kb, self.doc, self.doc_file, self.mode = kb, doc, doc_file, mode
        self.state, self.state_file, self.folder = state, state_file, folder
        self.files = files or []
        self.export_path = export_path
        self.text_file: Path | None = None   # mode "text": one Markdown file, for the identifier rules only
        self.source: Path | None = None      # the source tree Phase 8 cites (`maestro check --source DIR`), resolved

    @cached_property
    def schema_errors(self) -> list:
        if self.mode == "text":
            return []
        return document_errors(self.kb, self.doc)

    @cached_property
    def export_schema_errors(self) -> list:
        """Schema problems of a project's threat-model.json (folder mode), which the phase files do not vouch for."""
        exp = self.export_doc if self.mode == "project" and self.export_path is not None else None
        if exp is None or isinstance(exp, engagement.Unusable) or not document_errors(self.kb, exp):
            return []
        return document_errors(self.kb, engagement.read_doc(self.export_path))  # read again with every line, to name them

    @cached_property
    def broken(self) -> set:
        """(list key, index) of every record that failed the schema."""
        return {(e.path[0], e.path[1]) for e in self.schema_errors
                if len(e.path) >= 2 and e.path[0] in LIST_KEYS and isinstance(e.path[1], int)}

    @cached_property
    def broken_keys(self) -> set:
        """Top-level keys whose value as a whole failed the schema."""
        return {e.path[0] for e in self.schema_errors
                if e.path and not (len(e.path) >= 2 and e.path[0] in LIST_KEYS and isinstance(e.path[1], int))}

    # ------------------------------------------------------------ phases
    @cached_property
    def recorded_statuses(self) -> dict:
        """Phase number (as a string) -> status: from state.json, or from an export's phase_status (ruling R08)."""
        if self.state:
            return {k: v.get("status") for k, v in self.state["phases"].items()}
        recorded = self.doc.get("phase_status")
        if self.mode == "export" and isinstance(recorded, dict) and "phase_status" not in self.broken_keys:
            return dict(recorded)
        return {}

    def phase_status(self, n: int) -> str | None:
        """The phase's recorded status; None when nothing records it (an export without phase_status is finished)."""
        return self.recorded_statuses.get(str(n))

    def pending(self, phase: int | None) -> bool:
        """A rule of a phase that has not started (or was skipped) reports, but does not fail."""
        return phase is not None and self.phase_status(phase) in ("pending", "skipped")

    # ------------------------------------------------------------ places
    def at(self, node, key=None) -> tuple[str, int]:
        """(file, line) of ``node[key]``, or of ``node``."""
        file = getattr(node, "src", None) or self.doc_file
        if isinstance(node, dict) and key in getattr(node, "key_lines", {}):
            return getattr(node, "key_srcs", {}).get(key, file), node.key_lines[key]
        if isinstance(node, list) and isinstance(key, int) and key < len(getattr(node, "item_lines", [])):
            return file, node.item_lines[key]
        return file, getattr(node, "line", 1) or 1

    def at_state(self, node, key=None) -> tuple[str, int]:
        """(file, line) of ``node[key]`` inside state.json."""
        return self.state_file or self.doc_file, self.at(node, key)[1]

    # ------------------------------------------------------------ records
    def records(self, key: str) -> list:
        """Records of one list that passed the schema (broken ones are reported by MC108 alone)."""
        value = self.doc.get(key) or []
        if key in self.broken_keys or not isinstance(value, list):
            return []
        return [r for i, r in enumerate(value) if isinstance(r, dict) and (key, i) not in self.broken]

    def all_records(self, key: str) -> list:
        value = self.doc.get(key) or []
        return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []

    @cached_property
    def threats(self) -> dict:
        return {t["id"]: t for t in self.records("threats")}

    @cached_property
    def mitigations(self) -> dict:
        return {m["id"]: m for m in self.records("mitigations")}

    def ids_of(self, key: str) -> set:
        """IDs of every record of a list, those that failed the schema included (so references to them do not cascade)."""
        return {r["id"] for r in self.all_records(key) if isinstance(r.get("id"), str)}

    @cached_property
    def prefix(self) -> str:
        p = self.doc.get("prefix")
        return p if isinstance(p, str) and "prefix" not in self.broken_keys else "PROJ"

    @cached_property
    def postures(self) -> dict:
        view = {"threats": self.records("threats"), "mitigations": self.records("mitigations"),
                "code_validation": self.records("code_validation"), "layer_scope": self.doc.get("layer_scope"),
                "analysis_depth": self.doc.get("analysis_depth")}
        return assessment.assess(self.kb, view)

    @cached_property
    def mentions(self) -> list:
        """(file, line, text, mentions) for every text, computed once for all the identifier rules."""
        return [(f, n, t, textscan.mentions(t)) for f, n, t in self.texts]

    def each_mention(self, kinds=None):
        """(file, line, text, mention) for every ID-shaped token of the given kinds (all when None)."""
        for file, line, text, found in self.mentions:
            for m in found:
                if kinds is None or m.kind in kinds:
                    yield file, line, text, m

    @cached_property
    def export_doc(self):
        """The project's threat-model.json as loaded (top-level lines only: read_json_fast), or the Unusable that stopped it."""
        try:
            return engagement.read_json_fast(self.export_path)
        except engagement.Unusable as exc:
            return exc

    @cached_property
    def defined_local_ids(self) -> set:
        out = set()
        for key in LIST_KEYS:
            for r in self.all_records(key):
                if isinstance(r.get("id"), str):
                    out.add(r["id"])
        return out

    # ------------------------------------------------------------ text
    @cached_property
    def raw_texts(self) -> list:
        """(file, line, text as written) of every string a reader sees: phase-file lines, state.json, the export."""
        if self.mode == "text":
            return [(self.doc_file, n, line) for n, line in enumerate(engagement.read_text(self.text_file).split("\n"), 1)]
        out = []
        if self.mode == "project":
            for pf in self.files:
                out += [(pf.label, n, line) for n, line in enumerate(pf.text.split("\n"), 1) if line.strip()]
            if self.state is not None:
                out += list(walk_strings(self.state, self.state_file))
        else:
            out += list(walk_strings(self.doc, self.doc_file))
        return out

    @cached_property
    def texts(self) -> list:
        """``raw_texts`` normalised (textscan.normalise), as the identifier rules read them."""
        return [(f, n, textscan.normalise(s)) for f, n, s in self.raw_texts]


def document_errors(kb: KB, doc) -> list:
    """A threat-model document's schema errors, plus every number that is not finite (.nan, .inf: not JSON) and every
    ID-bearing value with white space in or around it (an 'id: "PAY-T1\\n"' passes a pattern ending in $)."""
    out = list(validation.schema_errors(doc, engagement.threat_model_schema(kb), keys=("id",)))
    out += [validation.SchemaError(tuple(path), line, ident, msg, src) for path, line, ident, msg, src in _odd_values(doc)]
    return out


ID_FIELDS = {"id", "maps_to", "blindspots", "mitigations", "addresses", "implements", "threat", "threats", "mitigation"}


def _odd_values(node, path=(), line=1, src=None, ident="", key=None):
    """(path, line, nearest ID, message, file) of each non-finite number and each ID value holding white space."""
    src = getattr(node, "src", None) or src
    line = getattr(node, "line", 0) or line
    if isinstance(node, float) and not math.isfinite(node):
        yield path, line, ident, f"{'/'.join(map(str, path))}: {node!r} is not a number JSON can hold", src
    elif isinstance(node, str) and key in ID_FIELDS and (not node.strip() or any(c.isspace() for c in node)):
        yield path, line, ident, f"{'/'.join(map(str, path))}: ID {node!r} holds white space", src
    elif isinstance(node, dict):
        ident = node.get("id") if isinstance(node.get("id"), str) else ident
        for k, v in node.items():
            yield from _odd_values(v, (*path, k), getattr(node, "key_lines", {}).get(k, line), src, ident, k)
    elif isinstance(node, list):
        lines = getattr(node, "item_lines", [])
        for i, v in enumerate(node):
            yield from _odd_values(v, (*path, i), lines[i] if i < len(lines) else line, src, ident, key)


def project_context(kb: KB, folder: Path, state_doc) -> Context:
    """Context of a project folder whose state.json passed its schema."""
    state = yamlio.plain(state_doc)
    files = project.read_phase_files(kb, folder, state)
    doc = project.assemble(kb, state, files)
    tm = folder / "threat-model.json"
    return Context(kb, doc, str(folder / "(phase records)"), "project", state_doc, str(folder / "state.json"),
                   folder, files, tm if tm.exists() else None)


def file_context(kb: KB, path: Path) -> Context:
    doc = engagement.read_doc(path)
    return Context(kb, doc, str(path), "export")


def text_context(kb: KB, path: Path, label: str) -> Context:
    """Context of one Markdown file (a playbook page, AGENTS.md) for the identifier and name rules."""
    ctx = Context(kb, {}, label, "text")
    ctx.text_file = path
    return ctx
