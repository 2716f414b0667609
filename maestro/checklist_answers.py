"""Checklist answers exported from the site's interactive forms, written into a project's Phase 6 file.

The forms on /workshop/checklists/ and in the quickstart keep their answers in the browser and export
them as JSON (format ``maestro-checklist-answers``, version 1). ``maestro import NAME FILE`` validates
such a file against the knowledge base (item IDs, allowed results) and writes the answers as a Markdown
section of the Phase 6 file, between markers that name the form:

    <!-- maestro:checklist-answers:start form=checklists -->
    ## Checklist answers: threat identification checklists
    ...
    <!-- maestro:checklist-answers:end form=checklists -->

A new block goes before "## Structured record"; a later import of the same form replaces only its own
block, and every other byte of the file stays as it was. Every problem raises AnswersError, whose
message names the file and, where there is one, the item.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import engagement, phasefile, project, safeio
from . import crosswalk
from .kb import KB

FORMAT = "maestro-checklist-answers"
FORMAT_VERSION = 1
FORMS = ("checklists", "mvtm")
RESULTS = {"checklists": ("holds", "partial", "fails", "na"), "mvtm": ("done",)}
RESULT_LABELS = {"holds": "Holds", "partial": "Partial", "fails": "Fails", "na": "N/A", "done": "Done"}
FORM_TITLES = {"checklists": "threat identification checklists", "mvtm": "minimum viable threat model"}
HEADER_KEYS = {"format", "format_version", "form", "kb_version", "exported", "answers"}
ANSWER_KEYS = {"item", "result", "evidence", "finding"}
MARKER = "<!-- maestro:checklist-answers:{edge} form={form} -->"
ANY_MARKER = re.compile(r"<!-- maestro:checklist-answers:(?P<edge>start|end) form=(?P<form>[a-z]+) -->")
ANCHOR = re.compile(r"^## Structured record[ \t]*\r?$", re.M)
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+-]{0,39}")
_STAMP = re.compile(r"[0-9A-Za-z:.+ -]{1,40}")


class AnswersError(engagement.Unusable):
    """An answers file, or the Phase 6 file it goes into, cannot be used; nothing was written."""


@dataclass(frozen=True)
class Answer:
    item: str
    result: str | None
    evidence: str = ""
    finding: str = ""


@dataclass
class Export:
    source: str              # the file name the answers came from
    form: str
    kb_version: str
    exported: str
    answers: list = field(default_factory=list)


@dataclass
class Outcome:
    file: Path
    export: Export
    replaced: bool            # a block of this form was there before
    written: bool             # False when the file already held exactly these answers
    notes: list = field(default_factory=list)


# ------------------------------------------------------------------ the knowledge base's items
def mvtm_items(kb: KB) -> dict[str, str]:
    """The minimum viable threat model's steps by item ID, MVTM-1 onwards."""
    return {f"MVTM-{i}": text for i, text in enumerate(kb.depth["mvtm"], 1)}


def form_items(kb: KB, form: str) -> dict[str, tuple[str, str]]:
    """Item ID -> (group title, question with its references) for one form, in knowledge-base order."""
    if form == "mvtm":
        return {iid: ("", text) for iid, text in mvtm_items(kb).items()}
    out = {}
    for s in kb.sections.values():
        for item in s["items"]:
            refs = list(item.get("refs", [])) + list(item.get(crosswalk.LLM_TOP10.name, []))
            out[item["id"]] = (s["title"], item["text"] + (f" ({', '.join(refs)})" if refs else ""))
    return out


def form_of_item(kb: KB, item: str) -> str | None:
    return next((f for f in FORMS if item in form_items(kb, f)), None)


# ------------------------------------------------------------------ reading an export
def read_export(path: Path) -> dict:
    """The JSON object in ``path``; AnswersError when it cannot be read or is not a JSON object."""
    try:
        text = engagement.read_text(path)
    except engagement.Unusable as exc:
        raise AnswersError(str(exc)) from None
    try:
        doc = json.loads(text)
    except RecursionError:
        raise AnswersError(f"{path}: nested too deeply to be a checklist-answers export") from None
    except ValueError as exc:
        where = f" (line {exc.lineno}, column {exc.colno}: {exc.msg})" if hasattr(exc, "lineno") else ""
        raise AnswersError(f"{path}: not valid JSON{where}; export the answers again with the form's Export button") from None
    if not isinstance(doc, dict):
        raise AnswersError(f"{path}: expected a JSON object with \"format\": \"{FORMAT}\", got a JSON {type(doc).__name__}")
    return doc


def check_header(doc: dict, src: str) -> None:
    """format, format_version, form, kb_version and exported: present, of the right kind, known."""
    if doc.get("format") != FORMAT:
        raise AnswersError(f"{src}: format is {doc.get('format')!r}, expected {FORMAT!r} (a file from a checklist form's Export button)")
    version = doc.get("format_version")
    if type(version) is not int or version != FORMAT_VERSION:
        raise AnswersError(f"{src}: format_version {version!r} is not supported; this maestro reads version {FORMAT_VERSION}")
    unknown = sorted(set(doc) - HEADER_KEYS)
    if unknown:
        raise AnswersError(f"{src}: unknown key(s) {', '.join(unknown)}; an export holds only {', '.join(sorted(HEADER_KEYS))}")
    if doc.get("form") not in FORMS:
        raise AnswersError(f"{src}: form {doc.get('form')!r} is not one of {', '.join(FORMS)}")
    kbv = doc.get("kb_version")
    if not isinstance(kbv, str) or not _VERSION.fullmatch(kbv):
        raise AnswersError(f"{src}: kb_version {kbv!r} is not a knowledge-base version such as 1.1.0")
    stamp = doc.get("exported", "")
    if not isinstance(stamp, str) or (stamp and not _STAMP.fullmatch(stamp)):
        raise AnswersError(f"{src}: exported {stamp!r} is not a time such as 2026-12-01T15:00:00Z")
    if not isinstance(doc.get("answers"), list):
        raise AnswersError(f"{src}: answers must be a list of {{\"item\", \"result\", \"evidence\", \"finding\"}} objects")


def _text_field(entry: dict, key: str, where: str) -> str:
    value = entry.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise AnswersError(f"{where}: {key} must be text, got {json.dumps(value)}")
    return value.strip()


def check_answer(kb: KB, entry, n: int, form: str, src: str) -> Answer:
    """One entry of ``answers`` (the n-th, from 1): a known item of this form, an allowed result, text fields."""
    if not isinstance(entry, dict) or not isinstance(entry.get("item"), str):
        raise AnswersError(f"{src}: answer {n} must be an object with an \"item\" ID, got {json.dumps(entry)[:80]}")
    item = entry["item"]
    where = f"{src}: item {item} (answer {n})"
    if item not in form_items(kb, form):
        other = form_of_item(kb, item)
        raise AnswersError(f"{where} belongs to the {other} form, not {form}" if other else
                           f"{where} is not an item of the {form} form in knowledge base v{kb.version}")
    unknown = sorted(set(entry) - ANSWER_KEYS)
    if unknown:
        raise AnswersError(f"{where}: unknown key(s) {', '.join(unknown)}; an answer holds only {', '.join(sorted(ANSWER_KEYS))}")
    result = entry.get("result")
    if result is not None and result not in RESULTS[form]:
        raise AnswersError(f"{where}: result {json.dumps(result)} is not one of {', '.join(RESULTS[form])}")
    return Answer(item, result, _text_field(entry, "evidence", where), _text_field(entry, "finding", where))


def parse_export(kb: KB, doc: dict, src: str) -> Export:
    """The validated export; AnswersError at the first problem, naming the file and the item."""
    check_header(doc, src)
    form = doc["form"]
    answers, seen = [], {}
    for n, entry in enumerate(doc["answers"], 1):
        a = check_answer(kb, entry, n, form, src)
        if a.item in seen:
            raise AnswersError(f"{src}: item {a.item} is answered twice (answers {seen[a.item]} and {n})")
        seen[a.item] = n
        answers.append(a)
    return Export(Path(src).name, form, doc["kb_version"], doc.get("exported", ""), answers)


def load_export(kb: KB, path: Path) -> Export:
    return parse_export(kb, read_export(path), str(path))


# ------------------------------------------------------------------ the Markdown section
def cell(text: str) -> str:
    """Text safe in one Markdown table cell: no raw HTML (so no marker or comment), pipes escaped, lines joined."""
    text = text.replace("<", "&lt;").replace("|", "\\|")
    return "<br>".join(line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()


def version_note(kb: KB, export: Export) -> str | None:
    if export.kb_version == kb.version:
        return None
    return (f"exported with knowledge base v{export.kb_version}, imported with v{kb.version}: item IDs are stable, "
            "but check that each question still reads as it did when it was answered")


def _table(kb: KB, form: str, answers: list) -> list[str]:
    items = form_items(kb, form)
    order = {iid: i for i, iid in enumerate(items)}
    lines, group = [], None
    for a in sorted(answers, key=lambda a: order[a.item]):
        title, question = items[a.item]
        if title != group or not lines:
            if lines:
                lines.append("")
            if title:
                lines += [f"### {title}", ""]
            lines += ["| Item | Question | Result | Evidence | Finding |", "|---|---|---|---|---|"]
            group = title
        result = RESULT_LABELS[a.result] if a.result else "not answered"
        lines.append(f"| {a.item} | {cell(question)} | {result} | {cell(a.evidence)} | {cell(a.finding)} |")
    return lines


def render_block(kb: KB, export: Export) -> str:
    """The whole block, markers included, without a trailing newline."""
    form = export.form
    answered = sum(1 for a in export.answers if a.result)
    lines = [MARKER.format(edge="start", form=form), f"## Checklist answers: {FORM_TITLES[form]}", "",
             f"Imported with `maestro import` from {cell(export.source)}: form {form}, knowledge base v{cell(export.kb_version)}, "
             f"exported {cell(export.exported) or 'at an unknown time'}. {answered} of {len(form_items(kb, form))} items answered. "
             "Importing this form again replaces this block.", ""]
    note = version_note(kb, export)
    if note:
        lines += [f"Note: {note}.", ""]
    lines += _table(kb, form, export.answers) or ["No item was answered."]
    lines += ["", MARKER.format(edge="end", form=form)]
    return "\n".join(lines)


# ------------------------------------------------------------------ the Phase 6 file
def phase6_file(kb: KB, folder: Path) -> Path:
    """The project's Phase 6 file; AnswersError when the project or the file is missing."""
    try:
        state = project.read_state(kb, folder)
    except project.ProjectError as exc:
        raise AnswersError(str(exc)) from None
    try:
        path = project.project_file(folder, state["phases"]["6"]["output_file"])
    except project.ProjectError as exc:
        raise AnswersError(str(exc)) from None
    if not path.is_file():
        raise AnswersError(f"{path}: the project's Phase 6 file is missing; restore it (or {path.name}.bak) before importing answers")
    return path


def block_span(text: str, form: str, label: str) -> tuple[int, int] | None:
    """(start, end) offsets of this form's block, from its start marker to the end of its end marker, or None.

    AnswersError when the markers are damaged: a start without an end, an end without a start,
    an end before its start, or a form's marker written twice."""
    found = {"start": [], "end": []}
    for m in ANY_MARKER.finditer(text):
        if m.group("form") == form:
            found[m.group("edge")].append(m)
    starts, ends = found["start"], found["end"]
    if not starts and not ends:
        return None

    def line(m):
        return text.count("\n", 0, m.start()) + 1
    fix = f"restore the marker or delete the {form} block by hand, then import again"
    if len(starts) > 1 or len(ends) > 1:
        twice = starts if len(starts) > 1 else ends
        raise AnswersError(f"{label}:{line(twice[1])}: the {form} checklist-answers marker appears more than once; {fix}")
    if not ends:
        raise AnswersError(f"{label}:{line(starts[0])}: the {form} checklist answers start marker has no end marker; {fix}")
    if not starts:
        raise AnswersError(f"{label}:{line(ends[0])}: the {form} checklist answers end marker has no start marker; {fix}")
    if ends[0].start() < starts[0].start():
        raise AnswersError(f"{label}:{line(ends[0])}: the {form} checklist answers end marker comes before its start marker; {fix}")
    return starts[0].start(), ends[0].end()


def insert_at(text: str, label: str) -> int:
    """Where a new block goes: the start of the "## Structured record" heading line."""
    m = ANCHOR.search(text)
    if not m:
        raise AnswersError(f"{label}: no \"## Structured record\" heading to put the checklist answers before; "
                           "put the heading back above the ```yaml maestro block, then import again")
    return m.start()


def with_block(text: str, block: str, form: str, label: str) -> tuple[str, bool]:
    """``text`` with this form's block replaced (True) or inserted before the structured record (False).

    Refused (AnswersError) when a marker sits inside a fenced block, when the result would change the
    record block in any way (a marker placed inside or below it would delete records), or when the
    result would be over the size limit of a phase file.
    """
    nl = "\r\n" if "\r\n" in text else "\n"
    block = block.replace("\n", nl)
    span = block_span(text, form, label)
    if span:
        _outside_fences(text, span, form, label)
        new, replaced = text[:span[0]] + block + text[span[1]:], True
    else:
        at = insert_at(text, label)
        new, replaced = text[:at] + block + nl + nl + text[at:], False
    _keeps_records(text, new, label)
    if len(new.encode("utf-8")) > engagement.MAX_FILE_BYTES:
        raise AnswersError(f"{label}: with these answers the file would be over the {engagement.MAX_FILE_BYTES // (1024 * 1024)} MiB "
                           "limit for an engagement file; import fewer answers or trim the file first")
    return new, replaced


def _outside_fences(text: str, span: tuple[int, int], form: str, label: str) -> None:
    """AnswersError when either end of the block's span lies inside a fenced block."""
    first, last = text.count("\n", 0, span[0]) + 1, text.count("\n", 0, span[1]) + 1
    for a, b in phasefile.fenced_lines(text):
        for line in (first, last):
            if a <= line <= b:
                raise AnswersError(f"{label}:{line}: the {form} checklist-answers marker is inside a fenced block "
                                   f"(lines {a}-{b}); move the markers out of it or delete them, then import again")


def _keeps_records(old: str, new: str, label: str) -> None:
    """AnswersError unless ``new`` holds exactly the record blocks of ``old``."""
    before, after = phasefile.parse(old).blocks, phasefile.parse(new).blocks
    if [b.body for b in before] != [b.body for b in after]:
        at = before[0].line if before else 1
        raise AnswersError(f"{label}:{at}: importing here would change the structured record block (a marker sits inside "
                           "or below it); nothing was written; put the markers back above \"## Structured record\"")


def import_answers(kb: KB, folder: Path, answers_file: Path) -> Outcome:
    """Validate ``answers_file`` and write its block into the project's Phase 6 file (atomically, with a .bak),
    holding the project's lock."""
    with safeio.locked(folder):
        return _import(kb, folder, answers_file)


def _import(kb: KB, folder: Path, answers_file: Path) -> Outcome:
    path = phase6_file(kb, folder)
    export = load_export(kb, answers_file)
    try:
        old = engagement.read_text(path)
    except engagement.Unusable as exc:
        raise AnswersError(str(exc)) from None
    new, replaced = with_block(old, render_block(kb, export), export.form, str(path))
    if new != old:
        project.write_atomic(path, new, backup=True)
    return Outcome(path, export, replaced, new != old, [n for n in [version_note(kb, export)] if n])
