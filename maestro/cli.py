"""The `maestro` command: new, status, mark, check, rules, example, diagram, report, score, export, import, migrate, verify,
manifest, mcp.

Every command reads the same validated knowledge base as the site and takes --json.
Exit codes: 0 clean; 1 findings (or a failed verification); 2 unusable input or usage error.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

from . import checks, diagrams, engagement, exports, ids, integrity, urls, paths, project, safeio, sarif, scoring, yamlio  # noqa: F401 - exports: kept for other commands
from .kb import KB, KBError, load_cached
from .findings import summary as findings_summary

ROOT = paths.root()  # the clone, or the data an installed wheel carries (maestro/paths.py)


def _data_dir() -> Path:
    return Path(os.environ.get("MAESTRO_DATA") or ROOT / "data")  # ROOT: paths.root()


def _kb() -> KB:
    """The validated knowledge base; a caller that runs several commands in one process (the tests) validates it once
    per content version (kb.load_cached)."""
    return load_cached(_data_dir())


class Out:
    def __init__(self, as_json: bool):
        self.as_json = as_json

    def emit(self, payload: dict, text: str):
        if self.as_json:
            print(json.dumps(payload, indent=2, ensure_ascii=False))
        else:
            print(text)


def _findings_result(out: Out, findings, checked: list[str], extra: dict | None = None, show_all: bool = True) -> int:
    payload = {**findings_summary(findings, checked), **(extra or {})}
    text = "\n".join(findings_lines(findings, show_all))
    line = f"{payload['errors']} error(s), {payload['warnings']} warning(s), {payload['pending']} pending in {len(checked)} file(s)"
    out.emit(payload, (text + "\n" if text else "") + line)
    return 1 if payload["errors"] else 0


def findings_lines(findings, show_all: bool = True) -> list[str]:
    """Text lines of a check: each finding, its rule's fix hint indented under the first finding of that rule in each
    file, and, unless ``show_all``, the pending findings folded into one line at the end."""
    lines, hinted = [], set()
    for f in findings if show_all else [f for f in findings if f.severity != "pending"]:
        lines.append(str(f))
        if f.hint and (f.rule, f.file) not in hinted:
            hinted.add((f.rule, f.file))
            lines.append(f"    fix: {f.hint}")
    pending = [f for f in findings if f.severity == "pending"]
    return lines + ([pending_line(pending)] if pending and not show_all else [])


def pending_line(pending) -> str:
    """One line for the findings of phases not started yet: how many, in which phases, under which rules."""
    def phase(f):
        rule = checks.RULES.get(f.rule)
        m = re.fullmatch(r"phase ([0-9]+)", f.id or "")
        return rule.phase if rule and rule.phase else int(m.group(1)) if m else None
    phases = sorted({p for p in map(phase, pending) if p is not None})
    counts = Counter(f.rule for f in pending)
    where = f" in phase{'s' if len(phases) > 1 else ''} {', '.join(map(str, phases))}" if phases else ""
    rules = ", ".join(f"{code} {checks.RULES[code].name if code in checks.RULES else ''} x{n}".replace("  ", " ") for code, n in sorted(counts.items()))
    return f"{len(pending)} pending{where}: {rules} (work of phases not finished yet; `--all` lists each one)"


# ------------------------------------------------------------------ commands
def cmd_new(a, out: Out) -> int:
    kb = _kb()
    answers = None
    if a.answers:
        vals = [x.strip().lower() for x in a.answers.split(",")]
        bad = [x for x in vals if x not in ("y", "yes", "n", "no", "true", "false")]
        if bad:
            raise project.ProjectError(f"answers must be yes/no values, got {', '.join(bad)}")
        answers = [x in ("y", "yes", "true") for x in vals]
    folder = project.new_project(kb, a.name, Path(a.dir), a.depth, answers, a.prefix, a.analyst, a.reason)
    state = project.read_state(kb, folder)
    files = sorted(p.name for p in folder.iterdir())
    out.emit({"project": a.name, "folder": str(folder), "analysis_depth": state["analysis_depth"], "layer_scope": state["layer_scope"],
              "prefix": state["prefix"], "files": files},
             f"Created {folder} (depth {state['analysis_depth']}, layers {', '.join(state['layer_scope'])}, local IDs {state['prefix']}-T<n>)\n"
             + "\n".join(f"  {f}" for f in files))
    return 0


def _stale_export(folder: Path) -> str | None:
    """A warning when threat-model.json is older than a phase file, else None."""
    tm = folder / "threat-model.json"
    if not tm.exists():
        return None
    newer = sorted(p.name for p in folder.glob("[01][0-9]-*.md") if p.stat().st_mtime > tm.stat().st_mtime)
    return f"threat-model.json is older than {', '.join(newer)}; run `maestro export`" if newer else None


def cmd_status(a, out: Out) -> int:
    kb = _kb()
    folder = project.project_folder(a.name, a.dir)
    state = project.read_state(kb, folder)
    doc, _ = project.export(kb, folder)
    threats, mitigations = project.count_records(doc)
    nxt = project.next_phase(kb, state)
    rows = []
    for n, p in kb.phases.items():
        st = state["phases"][str(n)]
        rows.append({"phase": n, "name": p["name"], "status": st["status"], "file": st["output_file"], **({"reason": st["reason"]} if st.get("reason") else {})})
    lines = [f"{state['project']}  depth={state['analysis_depth']}  prefix={state.get('prefix', '')}  kb={state['version_metadata']['playbook_version']}"]
    lines += [f"  {r['phase']:>2}. {r['name']:<40} {r['status']}" + (f"  ({r['reason']})" if r.get("reason") else "") for r in rows]
    lines.append(f"  threat-model.json: {state['phases']['10j']['status']}")
    lines.append(f"Next: phase {nxt} ({kb.phases[nxt]['name']})" if nxt else "Next: all phases done; run `maestro export` and `maestro check`")
    lines.append(f"Counts: {threats} threats, {mitigations} mitigations")
    warnings = [w for w in [_stale_export(folder)] if w]
    if kb.version != state["version_metadata"]["playbook_version"]:
        warnings.append(f"started with knowledge base v{state['version_metadata']['playbook_version']}, now v{kb.version}")
    lines += [f"Warning: {w}" for w in warnings]
    out.emit({"project": state["project"], "analysis_depth": state["analysis_depth"], "layer_scope": state.get("layer_scope", []),
              "phases": rows, "next": nxt, "threats": threats, "mitigations": mitigations, "warnings": warnings}, "\n".join(lines))
    return 0


def cmd_mark(a, out: Out) -> int:
    kb = _kb()
    folder = project.project_folder(a.name, a.dir)
    state = project.mark(kb, folder, a.phase, a.status, a.reason)
    out.emit({"project": state["project"], "phase": a.phase, "status": a.status}, f"Phase {a.phase}: {a.status}")
    return 0


def cmd_check(a, out: Out) -> int:
    kb = _kb()
    source = Path(a.source) if a.source else None
    findings, checked = checks.check_path(kb, Path(a.path), source)
    if a.format == "sarif":
        print(json.dumps(sarif.report(findings, kb.version), indent=2))
        return 1 if any(f.severity == "error" for f in findings) else 0
    extra = {"source": {"path": str(source.resolve()), "commit": checks.source_commit(source.resolve())}} if source else {}
    return _findings_result(out, findings, checked, extra, a.all)


def cmd_example(a, out: Out) -> int:
    from . import record_examples
    kb = _kb()
    if not re.fullmatch(engagement.PREFIX, a.prefix):
        raise UsageError(f"prefix {a.prefix!r} must be 2-16 uppercase letters or digits, starting with a letter")
    n = int(a.phase)
    records, block = record_examples.records(kb, n, a.prefix), record_examples.block(kb, n, a.prefix)
    name, file = kb.phases[n]["name"], kb.phases[n]["output_file"]
    head = f"Phase {n} ({name}): an example record block for {file}. The values only show the shape; write the project's own."
    out.emit({"phase": n, "name": name, "file": file, "keys": list(records), "records": records, "block": block}, f"{head}\n\n{block}")
    return 0


def cmd_rules(a, out: Out) -> int:
    rows = [{"code": r.code, "name": r.name, "severity": r.severity, "phase": r.phase, "summary": r.summary, "hint": r.hint}
            for r in sorted(checks.RULES.values(), key=lambda r: r.code)]
    text = [f"{r['code']} {r['name']} ({r['severity']}, phase {r['phase'] or 'any'})\n    {r['summary']}\n    fix: {r['hint']}" for r in rows]
    out.emit({"rules": rows}, "\n".join(text))
    return 0


def cmd_score(a, out: Out) -> int:
    kb = _kb()
    if a.path:
        return _score_project(kb, a, out)
    if not (a.severity and a.likelihood):
        raise UsageError("give --severity and --likelihood, or a project PATH")
    s = scoring.score(kb, a.severity, a.likelihood, a.status, a.vector, a.complexity)
    lines = [f"Risk level: {s.level} ({s.value})  [{s.severity} x {s.likelihood}]",
             f"Required action: {s.action}  [{s.action_level}, set by the {s.action_basis} risk]", f"Timeframe: {s.timeframe}",
             f"Effective risk: {s.effective:g} ({s.effective_level})  [status {s.status}]"]
    if s.vector:
        lines.append(f"Attack vector {s.vector}: {s.vector_effect} priority")
    if s.complexity:
        lines.append(f"Attack complexity {s.complexity}: {s.complexity_effect} priority")
    req = scoring.required_types(kb, s.level)
    lines.append("Controls required: " + (", ".join(req) if req else "no minimum"))
    out.emit({**s.as_dict(), "required_controls": req}, "\n".join(lines))
    return 0


def _score_project(kb: KB, a, out: Out) -> int:
    path = Path(a.path)
    warnings = []
    if path.is_dir():
        warnings = [w for w in [_stale_export(path)] if w]
        doc = engagement.read_doc(path / "threat-model.json") if (path / "threat-model.json").exists() else project.export(kb, path)[0]
    else:
        doc = engagement.read_doc(path)
    ctx = checks.Context(kb, doc, str(path), "export")
    if ctx.schema_errors:
        _findings_result(out, checks.run(ctx, ["MC108"]), [str(path)])
        return 2
    ranked = []
    for t in ctx.records("threats"):
        p = ctx.postures[t["id"]]
        ranked.append({"id": t["id"], "name": t["name"], "severity": t["severity"], "likelihood": t.get("likelihood"), "risk": p.level,
                       "vector": t.get("attack_vector"), "complexity": t.get("attack_complexity"), "credit": p.credit,
                       "effective": p.effective, "effective_level": p.effective_level, "bucket": p.bucket})
    ranked.sort(key=lambda r: scoring.rank_key(kb, r["effective"], r["vector"], r["complexity"]))
    lines = [f"{i:>2}. {r['id']:<14} effective {r['effective']:<4g} risk {r['risk']:<8} {r['vector'] or '-':<8} {r['complexity'] or '-':<5} {r['bucket']:<11} {r['name']}"
             for i, r in enumerate(ranked, 1)]
    lines += [f"Warning: {w}" for w in warnings]
    out.emit({"ranking": ranked, "warnings": warnings}, "\n".join(lines) or "no threats")
    return 0


def cmd_export(a, out: Out) -> int:
    kb = _kb()
    folder = project.project_folder(a.name, a.dir)
    with safeio.locked(folder):
        return _export(kb, folder, out)


def _export(kb: KB, folder: Path, out: Out) -> int:
    state = project.read_state(kb, folder)
    findings, _ = checks.check_project(kb, folder)
    doc, _ = project.export(kb, folder)
    blocking = [f for f in findings if f.severity == "error" and f.rule in EXPORT_BLOCKERS]
    target = project.project_file(folder, "threat-model.json")
    if blocking:
        text = "\n".join(str(f) for f in blocking) + f"\nNot written: {target} was left as it was; fix the records above and export again."
        out.emit({"file": None, "written": False, "findings": [f.as_dict() for f in blocking]}, text)
        return 1
    plain = yamlio.plain(doc)
    project.write_json_atomic(target, plain)
    t, m = project.count_records(plain)
    state["threat_count"], state["mitigation_count"] = t, m
    state["phases"]["10j"]["status"] = "complete"
    state["phases"]["10j"]["updated"] = state["updated"] = project.now()
    project.write_json_atomic(project.project_file(folder, "state.json"), state)
    rest = [f for f in findings if f.severity != "pending" and f.rule not in ("MC111", "MC112")]
    errors = [f for f in rest if f.severity == "error"]
    text = f"Wrote {target} ({t} threats, {m} mitigations; previous version kept as threat-model.json.bak)"
    if rest:
        text += "\n" + "\n".join(str(f) for f in rest)
    out.emit({"file": str(target), "written": True, "threats": t, "mitigations": m, "findings": [f.as_dict() for f in rest]}, text)
    return 1 if errors else 0


def cmd_import(a, out: Out) -> int:
    from . import checklist_answers
    kb = _kb()
    folder = project.project_folder(a.name, a.dir)
    r = checklist_answers.import_answers(kb, folder, Path(a.answers))
    e = r.export
    if not r.written:
        text = f"{r.file}: unchanged, it already holds these {e.form} answers"
    else:
        text = (f"{'Replaced' if r.replaced else 'Added'} the answers of the {e.form} form ({len(e.answers)} item(s), knowledge base "
                f"v{e.kb_version}) in {r.file}; previous version kept as {r.file.name}.bak")
    text += "".join(f"\nNote: {n}" for n in r.notes)
    out.emit({"ok": True, "project": folder.name, "file": str(r.file), "form": e.form, "kb_version": e.kb_version, "exported": e.exported,
              "answers": len(e.answers), "answered": sum(1 for x in e.answers if x.result), "replaced": r.replaced,
              "written": r.written, "notes": r.notes}, text)
    return 0


def cmd_migrate(a, out: Out) -> int:
    from . import migrate
    kb = _kb()
    path = project.project_folder(a.path) if Path(a.path).is_dir() else Path(a.path)
    if not path.exists():
        raise engagement.Unusable(f"{path}: no such project folder or threat-model.json")
    changes = migrate.migrate(kb, path, a.dry_run)
    files = sorted({c.file for c in changes})
    verb = "would change" if a.dry_run else "changed"
    text = "\n".join(str(c) for c in changes)
    summary = (f"{len(changes)} change(s) {verb} in {len(files)} file(s)"
               + ("" if a.dry_run or not changes else "; previous versions kept as <name>.bak; run `maestro check` next")
               if changes else f"{path}: already current (knowledge base v{kb.version}); nothing to change")
    out.emit({"dry_run": a.dry_run, "changes": [c.as_dict() for c in changes], "files": files}, (text + "\n" if text else "") + summary)
    return 0


# An export is written only when the records can be read whole and follow the schema.
EXPORT_BLOCKERS = {"MC103", "MC104", "MC105", "MC106", "MC108", "MC109"}


MANIFEST_MAX_BYTES = 16 * 1024 * 1024


def _load_manifest(src: str) -> dict:
    """The manifest in a file or at an http(s) URL; Unusable (exit 2) when unreadable or corrupt."""
    try:
        if src.startswith(("http://", "https://")):
            import urllib.request  # on demand: costs ~20 ms to import

            with urllib.request.urlopen(src, timeout=20) as r:  # noqa: S310 - user-given manifest URL
                raw = r.read(MANIFEST_MAX_BYTES + 1)
        else:
            raw = Path(src).read_bytes()
    except (OSError, ValueError) as exc:  # URLError/HTTPError are OSErrors; ValueError: a malformed URL
        raise engagement.Unusable(f"cannot read manifest {src}: {exc}") from None
    try:
        if len(raw) > MANIFEST_MAX_BYTES:
            raise integrity.ManifestError(f"larger than {MANIFEST_MAX_BYTES // (1024 * 1024)} MiB")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise integrity.ManifestError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        return integrity.parse_manifest(text)
    except integrity.ManifestError as exc:
        raise engagement.Unusable(f"manifest {src} is corrupt: {exc}") from None


def cmd_verify(a, out: Out) -> int:
    src = a.manifest or str(ROOT / "manifest.json")
    manifest = _load_manifest(src)
    try:
        changed, missing, extra = integrity.compare(manifest, ROOT, _data_dir())
    except OSError as exc:
        raise engagement.Unusable(f"cannot read {getattr(exc, 'filename', None) or 'a covered file'}: {exc.strerror or exc}") from None
    ok = not (changed or missing or extra)
    lines = [f"{'OK' if ok else 'MODIFIED'}: data/, AGENTS.md, CLAUDE.md and maestro/ against manifest v{manifest.get('version', '?')} ({src})"]
    lines += [f"  changed: {k}" for k in changed] + [f"  missing: {k}" for k in missing] + [f"  extra:   {k}" for k in extra]
    if not ok:
        tops = sorted({k.split("/")[0] + ("/" if "/" in k else "") for k in changed + missing})
        if tops:
            lines.append(f"Restore the release files with `git checkout -- {' '.join(tops)}` (discards local edits)"
                         + (", remove the extra files," if extra else "") + " or verify against the manifest of the version you intend to use.")
        else:
            lines.append("Remove the extra files, or verify against the manifest of the version you intend to use.")
    out.emit({"ok": ok, "manifest": src, "version": manifest.get("version"), "changed": changed, "missing": missing, "extra": extra}, "\n".join(lines))
    return 0 if ok else 1


def cmd_manifest(a, out: Out) -> int:
    kb = _kb()
    try:
        text = integrity.manifest_text(integrity.manifest(ROOT, kb.version, _data_dir()))
    except OSError as exc:
        raise engagement.Unusable(f"cannot read {getattr(exc, 'filename', None) or 'a covered file'}: {exc.strerror or exc}") from None
    if a.write:
        target = ROOT / "manifest.json"
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise engagement.Unusable(f"cannot write {target}: {exc.strerror or exc}") from None
        out.emit({"written": str(target)}, f"Wrote {target}")
    else:
        sys.stdout.write(text)
    return 0


class UsageError(Exception):
    pass


def _engagement_doc(kb: KB, path: Path):
    """The records of a project folder (from its phase files) or of a threat-model.json file."""
    return project.export(kb, path)[0] if path.is_dir() else engagement.read_doc(path)


def cmd_diagram(a, out: Out) -> int:
    kb = _kb()
    path = project.project_folder(a.path) if Path(a.path).is_dir() else Path(a.path)
    doc = _engagement_doc(kb, path)
    ctx = checks.Context(kb, doc, str(path), "export")
    if ctx.schema_errors:
        _findings_result(out, checks.run(ctx, ["MC108"]), [str(path)])
        return 2

    def href(ident):
        kind = ids.kind_of(ident)
        return urls.permanent_url(kind, ident) if kind else None
    picture = diagrams.architecture(kb, yamlio.plain(doc), href, standalone=True) + "\n"
    if a.output == "-":
        sys.stdout.write(picture)
        return 0
    target = Path(a.output) if a.output else (project.project_file(path, "architecture.svg") if path.is_dir()
                                              else path.parent / "architecture.svg")
    project.write_atomic(target, picture, True)
    out.emit({"file": str(target)}, f"Wrote {target} (previous version, if any, kept as {target.name}.bak)")
    return 0


def _report_source(name: str, base: str | None) -> Path:
    """The threat-model.json ``name`` names, or the project folder of ``name`` (a NAME or a path to the folder)."""
    given = Path(name)
    return given if given.is_file() else project.project_folder(name, base)


def cmd_report(a, out: Out) -> int:
    from . import report, report_render
    kb = _kb()
    path = _report_source(a.name, a.dir)
    if not path.exists():
        raise engagement.Unusable(f"{path}: no such project folder or threat-model.json")
    checked = report.run_checks(kb, path)
    if checked.errors and not a.draft:
        out.emit({"written": False, "errors": checked.errors, "path": str(path)},
                 f"Not written: {path} does not pass `maestro check` ({checked.errors} error(s)). Run `maestro check {path}` and fix "
                 "what it reports, or add --draft to write a report marked as a draft.")
        return 1
    data = report.report_data(kb, report.read_model(kb, checked))
    text = report_render.render(data, a.format)
    target = Path(a.output) if a.output else report_render.default_target(path, a.format)
    if path.is_dir():
        with safeio.locked(path):
            size = report_render.write(target, text)
    else:
        size = report_render.write(target, text)
    check = data["check"]
    counts = {"threats": len(data["register"]), "mitigations": data["summary"]["mitigations"], "residual_risks": len(data["residuals"]),
              "roadmap": data["roadmap"]["count"], "code_validation": len(data["validation"]),
              "errors": check["errors"], "warnings": check["warnings"], "pending": check["pending"]}
    line = (f"Wrote {target} ({a.format}, {size} bytes; {counts['threats']} threats, {counts['roadmap']} roadmap items, "
            f"{counts['residual_risks']} residual risks; previous version, if any, kept as {target.name}.bak)")
    if check["draft"]:
        line += f"\nMarked as a draft: {check['open']} open finding(s)" + (
            f", unfinished phase(s) {', '.join(p['n'] for p in check['unfinished'])}" if check["unfinished"] else "")
    out.emit({"written": True, "file": str(target), "format": a.format, "bytes": size, "draft": check["draft"], "counts": counts}, line)
    return 0


def cmd_mcp(a, out: Out) -> int:
    """Serve the knowledge base to an MCP client over stdio (maestro/mcp_server.py); stdout carries the protocol only."""
    try:
        import mcp  # noqa: F401 - the official Model Context Protocol SDK, from requirements.txt
    except ImportError:
        print("maestro: `maestro mcp` needs the `mcp` package; install the requirements: pip install -r requirements.txt",
              file=sys.stderr)
        return 2
    from . import mcp_server
    root = mcp_server.root_folder(a.root)  # resolved once, before serving; not a folder: exit 2 with one line
    budget = mcp_server.time_budget()      # $MAESTRO_MCP_TIMEOUT, checked before serving too
    kb = _kb()
    try:
        return mcp_server.serve(kb, root, budget)
    except KeyboardInterrupt:
        return 0


def cmd_sweep(a, out: Out) -> int:
    """Run the sweep rule pack over SRC; with --project, store the findings as candidates in the project's sweep.json."""
    from . import sweep
    kb = _kb()
    folder = project.project_folder(a.project, a.dir) if a.project else None
    result = sweep.sweep(kb, _data_dir(), a.src, a.include_tests)
    root = sweep.source_root(a.src)
    written = sweep.write_project(folder, result, root, checks.source_commit(root)) if folder is not None else None
    note = (f"Wrote {written} ({len(result.findings)} candidate finding(s); previous version kept as {sweep.RESULT_FILE}.bak): "
            "review each one there") if written else ""
    if a.sarif:
        print(json.dumps(sarif.sweep_report(result.findings, sweep.catalog(kb), result.engine), indent=2))
        if note:
            print(note, file=sys.stderr)
    else:
        out.emit({**sweep.as_json(result), **({"project_file": str(written)} if written else {})},
                 sweep.as_text(result) + (f"\n{note}" if note else ""))
    return 1 if result.findings else 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="maestro", description="MAESTRO threat-modeling CLI: engagements checked against the knowledge base.")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    sub = p.add_subparsers(dest="cmd", required=True)
    for add in (_add_project_commands, _add_check_commands, _add_record_commands, _add_service_commands):  # the order of --help
        add(sub)
    return p


def _command(sub, name, func, help, project=False):
    """A subcommand with --json; a project command also takes NAME and --dir."""
    sp = sub.add_parser(name, help=help)
    sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")
    sp.set_defaults(func=func)
    if project:
        sp.add_argument("name")
        sp.add_argument("--dir", default=None)
    return sp


def _add_project_commands(sub) -> None:
    """new, status, mark: a project folder and its phases."""
    s = _command(sub, "new", cmd_new, "create threat-models/NAME with state.json and phase skeletons")
    s.add_argument("name")
    s.add_argument("--dir", default="threat-models", help="parent folder (default threat-models)")
    s.add_argument("--answers", help="answers to the five depth questions, e.g. n,n,y,n,y (decide depth and layer scope)")
    s.add_argument("--depth", choices=["full", "standard", "lightweight"], help="the depth the user chose; shallower than the answers give needs --reason")
    s.add_argument("--reason", help="why the depth differs from what the answers give")
    s.add_argument("--prefix", help="local ID prefix, e.g. PAY for PAY-T1 (default: from the name)")
    s.add_argument("--analyst", default="AI assistant")

    _command(sub, "status", cmd_status, "phases, what comes next, counts", project=True)

    s = _command(sub, "mark", cmd_mark, "record a phase status in state.json", project=True)
    s.add_argument("phase", help="1..10 or 10j")
    s.add_argument("status", choices=engagement.PHASE_STATUSES)
    s.add_argument("--reason")


def _add_check_commands(sub) -> None:
    """check, example, rules, diagram, report: judging and presenting a threat model."""
    s = _command(sub, "check", cmd_check, "validate a project folder or a threat-model.json")
    s.add_argument("path")
    s.add_argument("--source", help="the source tree Phase 8 cites: every cited file, line and snippet is checked against it")
    s.add_argument("--format", choices=["text", "json", "sarif"], default=None,
                   help="text (default), json (same as --json) or sarif (SARIF 2.1.0 for code-scanning tools)")
    s.add_argument("--all", action="store_true", help="list every pending finding in the text output (else one summary line)")

    s = _command(sub, "example", cmd_example, "print an example record block for a phase, built from the knowledge base")
    s.add_argument("phase", choices=[str(n) for n in range(1, 11)], metavar="PHASE", help="1..10")
    s.add_argument("--prefix", default="PAY", help="local ID prefix of the example (default PAY)")

    _command(sub, "rules", cmd_rules, "list every check rule: code, name, severity, phase, summary and fix hint")

    s = _command(sub, "diagram", cmd_diagram, "draw a project's or threat-model.json's trust zones, components and boundaries as SVG")
    s.add_argument("path")
    s.add_argument("-o", "--output", help="file to write (default: architecture.svg beside the records); - for standard output")

    s = _command(sub, "report", cmd_report, "write a self-contained report of a checked threat model (HTML, or Markdown)", project=True)
    s.add_argument("-o", "--output", help="file to write (default: report.html, or report.md, in the project folder)")
    s.add_argument("--format", choices=["html", "markdown"], default="html", help="html (default) or markdown (GitHub-flavoured)")
    s.add_argument("--draft", action="store_true", help="write the report even when `maestro check` finds errors, marked as a draft")


def _add_record_commands(sub) -> None:
    """score, export, import, migrate: computing, assembling and converting records."""
    s = _command(sub, "score", cmd_score, "risk level and effective risk, or rank a project's threats")
    s.add_argument("path", nargs="?")
    s.add_argument("--severity")
    s.add_argument("--likelihood")
    s.add_argument("--status", default="not", help="not | partial | implemented for every control type, or per type: "
                   "preventive=implemented,detective=partial (types not named count as not implemented)")
    s.add_argument("--vector")
    s.add_argument("--complexity")

    _command(sub, "export", cmd_export, "assemble threat-model.json from the phase files", project=True)

    s = _command(sub, "import", cmd_import, "write answers exported from a checklist form into the project's Phase 6 file", project=True)
    s.add_argument("answers", help="the JSON file a checklist form's Export button downloaded")

    s = _command(sub, "migrate", cmd_migrate, "upgrade a saved threat model to the current knowledge base and editions")
    s.add_argument("path", help="a project folder or a threat-model.json")
    s.add_argument("--dry-run", action="store_true", help="list the changes without writing anything")


def _add_service_commands(sub) -> None:
    """verify, manifest, mcp, sweep: the release, the MCP server and the source sweep."""
    s = _command(sub, "verify", cmd_verify, "check data/ against the release manifest")
    s.add_argument("--manifest", help="manifest file or URL (default: manifest.json of this release)")

    s = _command(sub, "manifest", cmd_manifest, "print (or --write) the manifest of the current data/")
    s.add_argument("--write", action="store_true")

    s = _command(sub, "mcp", cmd_mcp, "serve the knowledge base to MCP clients over stdio (read-only tools)")
    s.add_argument("--root", metavar="DIR", help="the only folder whose threat models check_threat_model may read (default ./threat-models)")

    s = _command(sub, "sweep", cmd_sweep, "run the sweep rule pack (data/sweep/) over a source tree: candidate findings for Phase 8")
    s.add_argument("src", help="root of the source tree; read only, nothing is written inside it")
    s.add_argument("--sarif", action="store_true", help="SARIF 2.1.0 for code-scanning tools")
    s.add_argument("--project", metavar="NAME", help="store the findings in threat-models/NAME/sweep.json for review (never as verified controls)")
    s.add_argument("--dir", default=None, help="parent folder of the project (default threat-models)")
    s.add_argument("--include-tests", action="store_true", help="sweep test code too (left out by default)")


def main(argv=None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # the reader went away (`maestro verify | head -1`): stop quietly, as other command-line tools do
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - replaces the closed stream for interpreter shutdown
        except OSError:
            pass
        return 0


def _main(argv) -> int:
    try:
        a = parser().parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    if getattr(a, "format", None) == "json":
        a.json = True
    out = Out(getattr(a, "json", False))
    try:
        if a.cmd not in ("verify", "manifest"):  # one stderr line when covered files differ from manifest.json
            integrity.warn_if_modified(ROOT, _data_dir())
        return a.func(a, out)
    except KBError as exc:
        print(f"maestro: the knowledge base in {_data_dir()} is invalid:\n{exc}", file=sys.stderr)
        return 2
    except (engagement.Unusable, project.ProjectError, UsageError, ValueError) as exc:
        if out.as_json:
            print(json.dumps({"ok": False, "error": str(exc)}))
        print(f"maestro: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
