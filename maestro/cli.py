"""The `maestro` command: new, status, mark, check, score, export, verify, manifest.

Every command reads the same validated knowledge base as the site and takes --json.
Exit codes: 0 clean; 1 findings (or a failed verification); 2 unusable input or usage error.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import urllib.request
from pathlib import Path

from . import engagement, exports, project, scoring, yamlio
from .kb import KB, KBError, load_kb

ROOT = Path(__file__).resolve().parent.parent


def _data_dir() -> Path:
    return Path(os.environ.get("MAESTRO_DATA") or ROOT / "data")


def _kb() -> KB:
    return load_kb(_data_dir())


class Out:
    def __init__(self, as_json: bool):
        self.as_json = as_json

    def emit(self, payload: dict, text: str):
        if self.as_json:
            print(json.dumps(payload, indent=2, ensure_ascii=False))
        else:
            print(text)


def _findings_result(out: Out, findings, checked: list[str]) -> int:
    errors = [f for f in findings if f.severity == "error"]
    text = "\n".join(str(f) for f in findings)
    summary = f"{len(errors)} error(s), {len(findings) - len(errors)} warning(s) in {len(checked)} file(s)"
    out.emit({"ok": not errors, "errors": len(errors), "warnings": len(findings) - len(errors), "checked": checked,
              "findings": [f.as_dict() for f in findings]}, (text + "\n" if text else "") + summary)
    return 1 if errors else 0


def _project_folder(name: str, base: str | None) -> Path:
    p = Path(name)
    if p.is_dir() and (p / "state.json").exists():
        return p
    return Path(base or "threat-models") / name


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
    folder = project.new_project(kb, a.name, Path(a.dir), a.depth, answers, a.prefix, a.analyst)
    state = project.read_state(kb, folder)
    files = sorted(p.name for p in folder.iterdir())
    out.emit({"project": a.name, "folder": str(folder), "analysis_depth": state["analysis_depth"], "prefix": state["prefix"], "files": files},
             f"Created {folder} (depth {state['analysis_depth']}, local IDs {state['prefix']}-T<n>)\n" + "\n".join(f"  {f}" for f in files))
    return 0


def cmd_status(a, out: Out) -> int:
    kb = _kb()
    folder = _project_folder(a.name, a.dir)
    state = project.read_state(kb, folder)
    merged, problems = project.blocks(folder, state)
    threats, mitigations = len(merged.get("threats", []) or []), len(merged.get("mitigations", []) or [])
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
    if kb.version != state["version_metadata"]["playbook_version"]:
        lines.append(f"Note: started with knowledge base v{state['version_metadata']['playbook_version']}, now v{kb.version}")
    out.emit({"project": state["project"], "analysis_depth": state["analysis_depth"], "phases": rows, "next": nxt,
              "threats": threats, "mitigations": mitigations, "problems": [p.as_dict() for p in problems]}, "\n".join(lines))
    return 0


def cmd_mark(a, out: Out) -> int:
    kb = _kb()
    folder = _project_folder(a.name, a.dir)
    state = project.mark(kb, folder, a.phase, a.status, a.reason)
    out.emit({"project": state["project"], "phase": a.phase, "status": a.status}, f"Phase {a.phase}: {a.status}")
    return 0


def cmd_check(a, out: Out) -> int:
    kb = _kb()
    path = Path(a.path)
    findings: list[engagement.Finding] = []
    checked: list[str] = []
    if path.is_dir():
        state_path = path / "state.json"
        state_doc = engagement.read_doc(state_path)  # Unusable -> exit 2
        checked.append(str(state_path))
        findings += engagement.check_state(kb, state_doc, str(state_path))
        if any(f.severity == "error" for f in findings):
            return _findings_result(out, findings, checked)
        state = yamlio.plain(state_doc)
        for key, ph in state["phases"].items():
            p = path / ph["output_file"]
            if key != "10j" and p.exists():
                checked.append(str(p))
                findings += engagement.check_markdown(kb, p, str(p))
        doc, problems = project.export(kb, path)
        findings += problems
        if doc["threats"] or doc["mitigations"]:
            findings += engagement.check_threat_model(kb, doc, str(path / "(phase records)"))
        tm = path / "threat-model.json"
        if tm.exists():
            # The phase files are the source; the export is only checked for being current.
            newer = [p.name for p in path.glob("[01][0-9]-*.md") if p.stat().st_mtime > tm.stat().st_mtime]
            if newer:
                findings.append(engagement.Finding(str(tm), 1, "", f"stale export: {', '.join(sorted(newer))} changed after it; run `maestro export`", "warning"))
    else:
        doc = engagement.read_doc(path)
        checked.append(str(path))
        findings += engagement.check_threat_model(kb, doc, str(path))
    return _findings_result(out, findings, checked)


def cmd_score(a, out: Out) -> int:
    kb = _kb()
    if a.path:
        return _score_project(kb, a, out)
    if not (a.severity and a.likelihood):
        raise UsageError("give --severity and --likelihood, or a project PATH")
    s = scoring.score(kb, a.severity, a.likelihood, a.status, a.vector, a.complexity)
    lines = [f"Risk level: {s.level} ({s.value})  [{s.severity} x {s.likelihood}]",
             f"Required action: {s.action}", f"Timeframe: {s.timeframe}",
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
    if path.is_dir():
        doc, _ = project.export(kb, path) if not (path / "threat-model.json").exists() else (engagement.read_doc(path / "threat-model.json"), [])
    else:
        doc = engagement.read_doc(path)
    findings = [f for f in engagement._schema_findings(doc, engagement.threat_model_schema(kb), str(path))]
    if findings:
        _findings_result(out, findings, [str(path)])
        return 2
    mits = {m["id"]: m for m in doc["mitigations"]}
    ranked = []
    for t in doc["threats"]:
        lvl = scoring.risk_level(kb, t["severity"], t["likelihood"])
        stats = [(mits[m]["status"], mits[m].get("coverage", "full")) for m in t["mitigations"] if m in mits]
        eff = scoring.effective_risk(kb, lvl, stats)
        best = max((scoring.status_value(kb, *s) for s in stats), default=0.0)
        best_key = next(s["key"] for s in kb.scoring["implementation_status"] if s["value"] == best)
        ranked.append({"id": t["id"], "name": t["name"], "severity": t["severity"], "likelihood": t["likelihood"], "risk": lvl,
                       "vector": t.get("attack_vector"), "complexity": t.get("attack_complexity"), "effective": eff,
                       "bucket": scoring.remediation_bucket(kb, lvl, best_key)})
    ranked.sort(key=lambda r: scoring.rank_key(kb, r["effective"], r["vector"], r["complexity"]))
    lines = [f"{i:>2}. {r['id']:<14} effective {r['effective']:<4g} risk {r['risk']:<8} {r['vector'] or '-':<8} {r['complexity'] or '-':<5} {r['bucket']:<11} {r['name']}"
             for i, r in enumerate(ranked, 1)]
    out.emit({"ranking": ranked}, "\n".join(lines) or "no threats")
    return 0


def cmd_export(a, out: Out) -> int:
    kb = _kb()
    folder = _project_folder(a.name, a.dir)
    doc, problems = project.export(kb, folder)
    target = folder / "threat-model.json"
    project.write_json_atomic(target, doc)
    t, m = project.count_records(doc)
    state = project.read_state(kb, folder)
    state["threat_count"], state["mitigation_count"] = t, m
    state["phases"]["10j"]["status"] = "complete"
    state["updated"] = project.now()
    project.write_json_atomic(folder / "state.json", state)
    findings = problems + engagement.check_threat_model(kb, doc, str(target))
    errors = [f for f in findings if f.severity == "error"]
    text = f"Wrote {target} ({t} threats, {m} mitigations)"
    if findings:
        text += "\n" + "\n".join(str(f) for f in findings)
    out.emit({"file": str(target), "threats": t, "mitigations": m, "findings": [f.as_dict() for f in findings]}, text)
    return 1 if errors else 0


def _load_manifest(src: str) -> dict:
    if src.startswith(("http://", "https://")):
        with urllib.request.urlopen(src, timeout=20) as r:  # noqa: S310 - user-given manifest URL
            return json.loads(r.read().decode("utf-8"))
    return json.loads(Path(src).read_text(encoding="utf-8"))


def cmd_verify(a, out: Out) -> int:
    data = _data_dir()
    src = a.manifest or str(ROOT / "manifest.json")
    try:
        manifest = _load_manifest(src)
    except (OSError, ValueError) as exc:
        raise engagement.Unusable(f"cannot read manifest {src}: {exc}") from None
    want = manifest.get("files", {})
    have = {f"data/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(data.glob("*.yaml"))}
    changed = sorted(k for k in want if k in have and have[k] != want[k])
    missing = sorted(k for k in want if k not in have)
    extra = sorted(k for k in have if k not in want)
    ok = not (changed or missing or extra)
    lines = [f"{'OK' if ok else 'MODIFIED'}: data/ against manifest v{manifest.get('version', '?')} ({src})"]
    lines += [f"  changed: {k}" for k in changed] + [f"  missing: {k}" for k in missing] + [f"  extra:   {k}" for k in extra]
    if not ok:
        lines.append("Restore with `git checkout -- data/` or verify against the manifest of the version you intend to use.")
    out.emit({"ok": ok, "manifest": src, "version": manifest.get("version"), "changed": changed, "missing": missing, "extra": extra}, "\n".join(lines))
    return 0 if ok else 1


def cmd_manifest(a, out: Out) -> int:
    kb = _kb()
    doc = exports.manifest(_data_dir(), kb.version)
    text = json.dumps(doc, indent=2) + "\n"
    if a.write:
        (ROOT / "manifest.json").write_text(text, encoding="utf-8")
        out.emit({"written": str(ROOT / "manifest.json")}, f"Wrote {ROOT / 'manifest.json'}")
    else:
        sys.stdout.write(text)
    return 0


class UsageError(Exception):
    pass


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="maestro", description="MAESTRO threat-modeling CLI: engagements checked against the knowledge base.")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(sp):
        sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")
        return sp

    s = common(sub.add_parser("new", help="create threat-models/NAME with state.json and phase skeletons"))
    s.add_argument("name")
    s.add_argument("--dir", default="threat-models", help="parent folder (default threat-models)")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--depth", choices=["full", "standard", "lightweight"])
    g.add_argument("--answers", help="answers to the five depth questions, e.g. n,n,y,n,y")
    s.add_argument("--prefix", help="local ID prefix, e.g. PAY for PAY-T1 (default: from the name)")
    s.add_argument("--analyst", default="AI assistant")
    s.set_defaults(func=cmd_new)

    s = common(sub.add_parser("status", help="phases, what comes next, counts"))
    s.add_argument("name")
    s.add_argument("--dir", default=None)
    s.set_defaults(func=cmd_status)

    s = common(sub.add_parser("mark", help="record a phase status in state.json"))
    s.add_argument("name")
    s.add_argument("phase", help="1..10 or 10j")
    s.add_argument("status", choices=["pending", "in_progress", "complete", "skipped", "error"])
    s.add_argument("--reason")
    s.add_argument("--dir", default=None)
    s.set_defaults(func=cmd_mark)

    s = common(sub.add_parser("check", help="validate a project folder or a threat-model.json"))
    s.add_argument("path")
    s.set_defaults(func=cmd_check)

    s = common(sub.add_parser("score", help="risk level and effective risk, or rank a project's threats"))
    s.add_argument("path", nargs="?")
    s.add_argument("--severity")
    s.add_argument("--likelihood")
    s.add_argument("--status", default="not", help="not | partial | implemented")
    s.add_argument("--vector")
    s.add_argument("--complexity")
    s.set_defaults(func=cmd_score)

    s = common(sub.add_parser("export", help="assemble threat-model.json from the phase files"))
    s.add_argument("name")
    s.add_argument("--dir", default=None)
    s.set_defaults(func=cmd_export)

    s = common(sub.add_parser("verify", help="check data/ against the release manifest"))
    s.add_argument("--manifest", help="manifest file or URL (default: manifest.json of this release)")
    s.set_defaults(func=cmd_verify)

    s = common(sub.add_parser("manifest", help="print (or --write) the manifest of the current data/"))
    s.add_argument("--write", action="store_true")
    s.set_defaults(func=cmd_manifest)
    return p


def main(argv=None) -> int:
    try:
        a = parser().parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    out = Out(getattr(a, "json", False))
    try:
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
