"""MC1xx: the files and records are all there, readable, in the one defined format."""
from __future__ import annotations

from .. import engagement, phasefile, project, yamlio
from ..findings import TO_FILL
from .context import LIST_KEYS, walk_strings
from .registry import Hit, rule

_BLOCK_HINT = "Put the phase's records in one block that opens with a line ```yaml maestro and closes with ```."


@rule("MC101", "phase-file-missing", summary="A phase file listed in state.json does not exist.",
      hint="Restore the file from version control, or recreate its skeleton with `maestro new` in a scratch folder and copy it over.")
def phase_file_missing(ctx):
    for pf in ctx.files:
        if not pf.exists:
            yield Hit(pf.label, 1, f"phase {pf.n}", f"phase file is missing (phase {pf.n} is {pf.status})",
                      severity="warning" if pf.status == "skipped" else None)


@rule("MC102", "record-block-missing", summary="A phase marked complete has no record block.", hint=_BLOCK_HINT)
def record_block_missing(ctx):
    for pf in ctx.files:
        if pf.exists and pf.status == "complete" and not pf.parsed.blocks:
            yield Hit(pf.label, 1, f"phase {pf.n}", "phase is complete but the file holds no ```yaml maestro record block")


@rule("MC103", "record-block-malformed", summary="Something that looks like a record block is not in the defined format.", hint=_BLOCK_HINT)
def record_block_malformed(ctx):
    for pf in ctx.files:
        for nm in pf.parsed.near_misses:
            yield Hit(pf.label, nm.line, f"phase {pf.n}", nm.why if nm.read else f"{nm.why}; it was not read")


@rule("MC104", "record-block-duplicate", summary="A phase file holds more than one record block.",
      hint="Merge the blocks into one; only the first would be read.")
def record_block_duplicate(ctx):
    for pf in ctx.files:
        for b in pf.parsed.blocks[1:]:
            yield Hit(pf.label, b.line, f"phase {pf.n}", f"second record block (the first opens at line {pf.parsed.blocks[0].line}); it was not read")


@rule("MC105", "record-block-unreadable", summary="A record block is not valid YAML or not a mapping.",
      hint="Fix the YAML at the line named; `python -c 'import yaml,sys; yaml.safe_load(sys.stdin)'` shows the parser's view.")
def record_block_unreadable(ctx):
    for pf in ctx.files:
        if pf.error:
            yield Hit(pf.label, pf.error[0], f"phase {pf.n}", pf.error[1])


@rule("MC106", "record-key-misplaced", summary="A record block holds a key that belongs to another phase, or none.",
      hint="Move the key to the phase file that owns it (AGENTS.md lists the keys of each phase).")
def record_key_misplaced(ctx):
    for pf in ctx.files:
        for k in pf.record or {}:
            if k not in phasefile.PHASE_KEYS[pf.n]:
                yield Hit(pf.label, pf.record.key_lines.get(k, 1), f"phase {pf.n}",
                          f"key {k!r} does not belong in phase {pf.n}; expected {', '.join(phasefile.PHASE_KEYS[pf.n])}; it was not read")


@rule("MC107", "record-empty", summary="A phase marked complete recorded nothing (Phase 6: no threats).",
      hint="Write the phase's records, or set the phase back to in_progress with `maestro mark`.")
def record_empty(ctx):
    for pf in ctx.files:
        if pf.status != "complete" or not pf.parsed.blocks or pf.error:
            continue
        rec = pf.record or {}
        if pf.n == 6 and not rec.get("threats"):
            yield Hit(pf.label, pf.parsed.blocks[0].line, "phase 6", "phase 6 is complete but records no threats: a model without threats is not a result")
        elif all(rec.get(k) in (None, [], {}, "") for k in phasefile.PHASE_KEYS[pf.n] if k not in ("system_type", "uses_mcp")):
            yield Hit(pf.label, pf.parsed.blocks[0].line, f"phase {pf.n}", f"phase {pf.n} is complete but its record block is empty")


@rule("MC108", "schema", summary="A record does not follow the threat-model schema.",
      hint="Use the field names and allowed values of /schemas/threat-model.schema.json; the message names the field.")
def schema(ctx):
    for e in ctx.schema_errors:
        yield Hit(e.src or ctx.doc_file, e.line, e.ident if e.ident and not e.ident.isdigit() else "", e.message)


@rule("MC109", "record-id-duplicate", summary="Two records share a local ID.",
      hint="Give every record its own ID; renumber the later one and update its references.")
def record_id_duplicate(ctx):
    seen: dict = {}
    for key in LIST_KEYS:
        items = ctx.doc.get(key) if isinstance(ctx.doc.get(key), list) else []
        for i, r in enumerate(items):
            if isinstance(r, dict) and isinstance(r.get("id"), str):
                if r["id"] in seen:
                    file, line = ctx.at(r, "id")
                    yield Hit(file, line, r["id"], f"duplicate ID {r['id']} (first used in {seen[r['id']]})")
                else:
                    seen[r["id"]] = key


@rule("MC110", "state-disagrees", summary="state.json and the phase records disagree (system type, MCP use, depth, layer scope).",
      hint="Run `maestro mark NAME 2 complete` again to copy Phase 2's answers into state.json, or correct the phase file.")
def state_disagrees(ctx):
    if ctx.mode != "project" or ctx.state is None:
        return
    rec2 = next((pf.record for pf in ctx.files if pf.n == 2 and pf.record), None) or {}
    done = ctx.phase_status(2) == "complete"  # `maestro mark NAME 2 complete` is what copies these into state.json
    for key in ("system_type", "uses_mcp"):
        if key in rec2 and rec2[key] not in ("unknown", None) and rec2[key] != ctx.state.get(key):
            file, line = ctx.at(rec2, key)
            yield Hit(file, line, "phase 2", f"{key} is {rec2[key]!r} here but {ctx.state.get(key)!r} in state.json"
                      + ("" if done else "; marking phase 2 complete copies it there"), severity=None if done else "pending")
    yield from _export_disagrees(ctx)


def _export_disagrees(ctx):
    if ctx.export_path is None:
        return
    exp = ctx.export_doc
    if isinstance(exp, engagement.Unusable):
        yield Hit(str(ctx.export_path), 1, "", f"threat-model.json cannot be read: {exp}")
        return
    for key in ("analysis_depth", "system_type", "uses_mcp", "layer_scope", "prefix", "project"):
        if key in exp and key in ctx.doc and yamlio.plain(exp[key]) != yamlio.plain(ctx.doc[key]):
            yield Hit(str(ctx.export_path), exp.key_lines.get(key, 1), "", f"{key} is {yamlio.plain(exp[key])!r} in the export but {yamlio.plain(ctx.doc[key])!r} in state.json")


def stale_files(ctx) -> list[str] | None:
    """Phase files whose text differs from what the export records it was built from (its ``sources`` digests), or, for
    an export written before digests were recorded, that are newer than it; None when there is no export to judge."""
    if ctx.export_path is None or isinstance(ctx.export_doc, engagement.Unusable):
        return None
    recorded = ctx.export_doc.get("sources")
    if isinstance(recorded, dict) and recorded:
        now = yamlio.plain(ctx.doc.get("sources") or {})
        return sorted(name for name in set(now) | set(recorded) if now.get(name) != recorded.get(name))
    mtime = ctx.export_path.stat().st_mtime
    return sorted(pf.path.name for pf in ctx.files if pf.exists and pf.path.stat().st_mtime > mtime)


@rule("MC111", "export-stale", severity="warning", summary="The phase files changed after threat-model.json was exported.",
      hint="Run `maestro export NAME` to rebuild it from the phase files.")
def export_stale(ctx):
    changed = stale_files(ctx)
    if changed:
        yield Hit(str(ctx.export_path), 1, "", f"stale export: {', '.join(changed)} changed after it; run `maestro export`")


@rule("MC112", "export-edited", summary="threat-model.json says something else than the phase files it records it was built from.",
      hint="The phase files are the source: move the edit into them and run `maestro export NAME`.")
def export_edited(ctx):
    if stale_files(ctx) != []:
        return  # no export, unreadable (MC110), or stale (MC111): a difference is then expected
    exp = yamlio.plain(ctx.export_doc)
    ours = yamlio.plain(ctx.doc)
    for key in sorted(phasefile.RECORD_KEYS):
        if (exp.get(key) or None) != (ours.get(key) or None):
            yield Hit(str(ctx.export_path), 1, key, f"'{key}' in threat-model.json differs from the phase files (edited by hand?)")


STATE_HINT = "Restore state.json from state.json.bak, or fix the field named; never delete it (it records the phases)."


@rule("MC113", "state-invalid", summary="state.json does not follow its schema.", hint=STATE_HINT)
def state_invalid(ctx):
    """state.json's schema errors, and phases whose output_file is not theirs (project.state_errors). A project whose
    state.json is invalid is checked by this rule alone (checks.state_problems): nothing else can be read without it."""
    if ctx.state is None:
        return
    for f in project.state_errors(ctx.kb, ctx.state, ctx.state_file):
        yield Hit(f.file, f.line, f.id, f.message)


_HEADER_KEYS = ("system_type", "uses_mcp", "scope")   # written into every export's header, whatever the phase


@rule("MC114", "records-in-unstarted-phase", summary="A phase recorded as pending or skipped holds records.",
      hint="Mark the phase in_progress or complete (`maestro mark`), or remove the records; an unstarted phase is not checked.")
def records_in_unstarted_phase(ctx):
    for n, keys in phasefile.PHASE_KEYS.items():
        status = ctx.phase_status(n)
        if status not in ("pending", "skipped"):
            continue
        for key in keys:
            if key not in _HEADER_KEYS and ctx.doc.get(key) not in (None, [], {}, ""):
                yield Hit(*ctx.at(ctx.doc, key), f"phase {n}",
                          f"phase {n} is recorded as {status} but '{key}' holds records; they would be reported as pending, not checked")


@rule("MC115", "export-draft", severity="warning", summary="An exported threat model records phases that are not finished.",
      hint="Finish the phases named (or skip them with a reason where the method allows) and export again before handing the model over.")
def export_draft(ctx):
    if ctx.mode != "export":
        return
    open_phases = {n: ctx.phase_status(n) for n in phasefile.PHASE_KEYS if ctx.phase_status(n) in ("pending", "in_progress", "error")}
    if open_phases:
        listed = ", ".join(f"{n} {status.replace('_', ' ')}" for n, status in open_phases.items())
        yield Hit(*ctx.at(ctx.doc, "phase_status"), "", f"draft threat model: phase {listed}; it is not a finished deliverable")


@rule("MC116", "migration-to-fill", summary="A record still holds a TO FILL marker: `maestro migrate` could not derive a value the current format needs.",
      hint="Replace the marker with the real value (ask the user where only they know it); the .bak file beside it shows the record as it was.")
def migration_to_fill(ctx):
    for key in LIST_KEYS:
        for r in ctx.all_records(key):
            for file, line, text in walk_strings(r, ctx.doc_file, getattr(r, "line", 1) or 1):
                if text.startswith(TO_FILL):
                    yield Hit(file, line, str(r.get("id", "")), f"{key}: {text}")
