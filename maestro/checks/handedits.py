"""MC13x: state.json and the export say what the commands wrote; a hand edit that turns rules off is caught.

`maestro new`, `mark` and `export` enforce the method when they write (which phases may be skipped, the layer
scope the depth answers give, the export step). These rules check the files for the same things, so editing
state.json or threat-model.json by hand cannot get around them.
"""
from __future__ import annotations

from .. import engagement, project, yamlio
from .registry import Hit, rule

_HEADER = ("analysis_depth", "system_type", "uses_mcp", "layer_scope", "prefix", "project")


def _skips(ctx):
    """(phase number, where, has a reason) of every phase recorded as skipped, in state.json or the export."""
    if ctx.state is not None:
        for key, ph in ctx.state["phases"].items():
            if key != "10j" and ph.get("status") == "skipped":
                yield int(key), ctx.at_state(ph, "status"), bool(str(ph.get("reason", "")).strip())
    elif ctx.mode == "export":
        statuses = ctx.doc.get("phase_status") if "phase_status" not in ctx.broken_keys else None
        notes = ctx.doc.get("phase_notes") if isinstance(ctx.doc.get("phase_notes"), dict) else {}
        for key, status in (statuses or {}).items():
            if status == "skipped":
                yield int(key), ctx.at(statuses, key), bool(str(notes.get(key, "")).strip())


def _depth(ctx) -> dict | None:
    depth = ctx.doc.get("analysis_depth")
    return next((d for d in ctx.kb.depth["depths"] if d["key"] == depth), None)


@rule("MC131", "skip-not-allowed", summary="A phase is recorded as skipped where the depth does not allow it, or without the reason the method asks for.",
      hint="Do the phase; only lightweight depth skips Phases 3-5, and Phase 8 may be skipped with a reason (`maestro mark NAME 8 skipped --reason ...`).")
def skip_not_allowed(ctx):
    flow = ctx.kb.docs["phases"]["flow"]
    depth = ctx.doc.get("analysis_depth")
    for n, (file, line), reason in _skips(ctx):
        by_depth = depth == "lightweight" and n in flow["lightweight_skipped"]
        if not by_depth and n not in flow["skippable_with_reason"]:
            yield Hit(file, line, f"phase {n}", f"phase {n} cannot be skipped at {depth} depth; its rules would never run")
        elif not by_depth and not reason:
            yield Hit(file, line, f"phase {n}", f"phase {n} is skipped without a recorded reason")


def expected_scope(ctx) -> list[str]:
    """The layers the depth (and, in a project, the recorded depth answers) put in scope at the least."""
    d = _depth(ctx)
    if d is None:
        return []
    layers = list(d["layers"])
    answers = (ctx.state or {}).get("depth_answers")
    if isinstance(answers, dict) and len(answers) == len(ctx.kb.depth["questions"]):
        if project.depth_from_answers(ctx.kb, [bool(answers[k]) for k in sorted(answers, key=int)])[1] == list(ctx.kb.layers):
            layers = list(ctx.kb.layers)  # a multi-agent answer keeps every layer in scope
    return layers


@rule("MC132", "layer-scope-narrowed", summary="The layer scope leaves out layers that the analysis depth (or the depth answers) puts in scope.",
      hint="Restore layer_scope to what `maestro new` wrote; a narrower scope needs a different depth, chosen with the user's reason.")
def layer_scope_narrowed(ctx):
    scope = ctx.state.get("layer_scope") if ctx.state is not None else ctx.doc.get("layer_scope")
    if not isinstance(scope, list):
        return
    missing = [layer for layer in expected_scope(ctx) if layer not in scope]
    if missing:
        where = ctx.at_state(ctx.state, "layer_scope") if ctx.state is not None else ctx.at(ctx.doc, "layer_scope")
        yield Hit(*where, "", f"layer_scope leaves out {', '.join(missing)}, which "
                  f"{ctx.doc.get('analysis_depth')} depth puts in scope")


@rule("MC133", "export-recorded-missing", summary="state.json records the export as done, but threat-model.json is not there.",
      hint="Run `maestro export NAME`; the export step is recorded by the command, never by hand.")
def export_recorded_missing(ctx):
    if ctx.mode != "project" or ctx.state is None or ctx.export_path is not None:
        return
    ph = ctx.state["phases"].get("10j", {})
    if ph.get("status") == "complete":
        yield Hit(*ctx.at_state(ph, "status"), "10j", "threat-model.json is recorded as exported but does not exist")


@rule("MC134", "export-invalid", summary="The project's threat-model.json does not follow its schema, or its phase status differs from state.json.",
      hint="Never edit threat-model.json by hand: run `maestro export NAME` to rebuild it from the phase files.")
def export_invalid(ctx):
    exp = ctx.export_doc if ctx.mode == "project" and ctx.export_path is not None else None
    if exp is None or isinstance(exp, engagement.Unusable):
        return  # no export, or unreadable (MC110)
    for e in ctx.export_schema_errors:
        yield Hit(str(ctx.export_path), e.line, e.ident if e.ident and not e.ident.isdigit() else "", f"threat-model.json: {e.message}")
    recorded = yamlio.plain(exp.get("phase_status") or {})
    for n in map(str, ctx.kb.phases):
        now = ctx.state["phases"][n]["status"] if ctx.state else None
        if recorded.get(n) in ("complete", "skipped") and recorded[n] != now:  # the export claims progress state.json does not
            yield Hit(str(ctx.export_path), exp.key_lines.get("phase_status", 1), f"phase {n}",
                      f"phase {n} is {recorded[n]!r} in threat-model.json but {now!r} in state.json")
