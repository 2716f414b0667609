"""The maestro CLI: every command, good and bad input; nothing may crash."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from maestro import cli, engagement, scoring

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

EXAMPLE_TM = {
    "schema_version": "1.1.0", "project": "seed", "prefix": "SEED", "analysis_depth": "full",
    "disclaimer": engagement.DISCLAIMER,
    "business_context": {"application_name": "Seed support agent", "consent": {"given_by": "Dana Reyes, Head of Support", "date": "2026-11-30"}},
    "threats": [
        {"id": "SEED-T1", "name": "Injected instructions in tickets", "layers": ["L1", "L3"],
         "maps_to": [{"id": "T6", "name": "Intent Breaking & Goal Manipulation"}], "severity": "Critical", "likelihood": "Likely",
         "attack_vector": "Network", "attack_complexity": "Low", "llm_top10": ["LLM01"], "asi_top10": ["ASI01"],
         "cwe": ["CWE-74"], "atlas": ["AML.T0051.001"],
         "mitigations": ["L1-P1", "L1-D4", "L3-C2"]},
    ],
    "mitigations": [
        {"id": "L1-P1", "name": "Input Guardrails", "type": "preventive", "addresses": ["SEED-T1"], "status": "Partially Implemented"},
        {"id": "L1-D4", "name": "Prompt Injection Logging", "type": "detective", "addresses": ["SEED-T1"], "status": "Implemented"},
        {"id": "L3-C2", "name": "Workflow Rollback", "type": "corrective", "addresses": ["SEED-T1"], "status": "Not Implemented"},
    ],
    "code_validation": [
        {"id": "CV1", "mitigation": "L1-P1", "verified_status": "Partially Implemented", "file": "gateway/filters.py", "line": 12},
        {"id": "CV2", "mitigation": "L1-D4", "verified_status": "Implemented", "file": "gateway/logging.py", "line": 40},
    ],
    # credit (0.5 + 1 + 0) / 3 = 0.5, so effective risk 4 x 0.5 = 2.0 (ruling R02)
    "residual_risks": [{"id": "RR1", "threat": "SEED-T1", "inherent": "Critical", "effective_risk": 2.0, "residual": "Medium",
                        "disposition": "Accepted", "owner": "Dana Reyes, Head of Support"}],
    "roadmap": [{"id": "REM1", "threats": ["SEED-T1"], "mitigations": ["L3-C2"], "phase": "Immediate"}],
}


@pytest.fixture
def run(maestro_cli):
    """The CLI in-process, as `maestro ARGS` would run."""
    return maestro_cli


def run_subprocess(cache_env, *args, cwd=None):
    """Run the CLI as a separate process (the smoke tests): (exit code, stdout, stderr)."""
    res = subprocess.run([sys.executable, "-m", "maestro", *args], cwd=cwd or ROOT, capture_output=True, text=True, env={**os.environ, **cache_env})
    return res.returncode, res.stdout, res.stderr


def write(tmp_path, doc, name="threat-model.json"):
    p = tmp_path / name
    p.write_text(json.dumps(doc, indent=2))
    return p


def lines_of(path, needle):
    return [n for n, l in enumerate(path.read_text().splitlines(), 1) if needle in l]


def test_clean_threat_model_passes(run, tmp_path):
    code, out, err = run("check", str(write(tmp_path, EXAMPLE_TM)))
    assert code == 0, out + err
    assert "0 error(s)" in out


def test_json_output(run, tmp_path):
    code, out, _ = run("check", str(write(tmp_path, EXAMPLE_TM)), "--json")
    doc = json.loads(out)
    assert doc["ok"] is True and doc["errors"] == 0


@pytest.mark.parametrize("bad,rule,needle", [("T99", "MC206", "T99 is not a threat ID"), ("BV-13", "MC206", "BV-13 is not a blindspot ID"),
                                              ("T26", "MC202", "T26 is reserved")])
def test_invented_taxonomy_ids(run, tmp_path, bad, rule, needle):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    if bad.startswith("BV"):
        doc["threats"][0]["blindspots"] = [bad]
    else:
        doc["threats"][0]["maps_to"].append(bad)
    p = write(tmp_path, doc)
    code, out, _ = run("check", str(p))
    assert code == 1 and needle in out
    line = lines_of(p, f'"{bad}"')[0]
    assert f"{p}:{line}: {rule} [" in out


def test_invented_mitigation_id(run, tmp_path):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    doc["threats"][0]["mitigations"].append("L3-D9")
    doc["mitigations"].append({"id": "L3-D9", "name": "Made Up", "type": "detective", "addresses": ["SEED-T1"], "status": "Implemented"})
    p = write(tmp_path, doc)
    code, out, _ = run("check", str(p))
    assert code == 1 and "L3-D9 is not in the mitigation catalog" in out
    line = lines_of(p, '"id": "L3-D9"')[0]
    assert f"{p}:{line}: MC201 [L3-D9] L3-D9 is not in the mitigation catalog" in out


def test_wrong_name_next_to_real_id(run, tmp_path):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    doc["threats"][0]["maps_to"] = [{"id": "T6", "name": "Goal Manipulation"}]
    doc["mitigations"][0]["name"] = "Input Filters"
    p = write(tmp_path, doc)
    code, out, _ = run("check", str(p))
    assert code == 1
    assert "'Goal Manipulation' next to T6 is not its canonical name 'Intent Breaking & Goal Manipulation'" in out
    assert "'Input Filters' is not the canonical name of L1-P1" in out


def test_local_id_shadowing_taxonomy(run, tmp_path):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    doc["threats"][0]["id"] = "T12"
    for m in doc["mitigations"]:
        m["addresses"] = ["T12"]
    doc["residual_risks"][0]["threat"] = "T12"
    p = write(tmp_path, doc)
    code, out, _ = run("check", str(p))
    assert code == 1 and "local threat ID T12 shadows a taxonomy ID" in out


def test_critical_without_detective(run, tmp_path):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    doc["threats"][0]["mitigations"] = ["L1-P1", "L3-C2"]
    doc["mitigations"] = [m for m in doc["mitigations"] if m["id"] != "L1-D4"]
    p = write(tmp_path, doc)
    code, out, _ = run("check", str(p))
    assert code == 1 and "Critical risk needs detective control(s) (Phase 7 rule)" in out
    assert "[SEED-T1]" in out


def test_effective_risk_recomputed(run, tmp_path):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    doc["residual_risks"][0]["effective_risk"] = 0.0
    code, out, _ = run("check", str(write(tmp_path, doc)))
    assert code == 1 and "MC404 [RR1] effective risk 0 should be 2" in out


def test_risk_must_match_matrix(run, tmp_path):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    doc["threats"][0]["risk"] = "High"
    code, out, _ = run("check", str(write(tmp_path, doc)))
    assert code == 1 and "does not match the matrix" in out


def test_single_control_is_a_warning(run, tmp_path):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    doc["threats"][0].update(severity="Low", likelihood="Unlikely", mitigations=["L1-P1"])
    doc["mitigations"] = doc["mitigations"][:1]
    doc["code_validation"] = doc["code_validation"][:1]
    doc["residual_risks"], doc["roadmap"] = [], []
    code, out, _ = run("check", str(write(tmp_path, doc)))
    assert code == 0 and "MC305 [SEED-T1] warning: only one mitigation" in out


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", ""])
def test_unusable_input_exit_2(run, tmp_path, content):
    p = tmp_path / "threat-model.json"
    p.write_text(content)
    code, out, err = run("check", str(p))
    assert code == 2 and "maestro:" in err and "Traceback" not in err


def test_schema_violation_reported_with_line(run, tmp_path):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    doc["threats"][0]["severity"] = "Severe"
    p = write(tmp_path, doc)
    code, out, _ = run("check", str(p))
    assert code == 1 and f"{p}:{lines_of(p, 'Severe')[0]}: MC108 [SEED-T1]" in out
    assert out.count("error(s)") == 1 and "1 error(s)" in out  # the broken threat causes no follow-on findings


# ----------------------------------------------------------------- projects
def test_new_status_mark_export_check(run, kb, tmp_path):
    base = tmp_path / "tm"
    code, out, err = run("new", "pay-agent", "--dir", str(base), "--answers", "n,n,y,n,y", "--prefix", "PAY")
    assert code == 0, err
    folder = base / "pay-agent"
    state = json.loads((folder / "state.json").read_text())
    assert state["analysis_depth"] == "standard" and state["depth_answers"]["5"] is True
    assert sorted(p.name for p in folder.glob("*.md")) == sorted(p["output_file"] for p in kb.phases.values())
    code, out, _ = run("status", "pay-agent", "--dir", str(base))
    assert code == 0 and "Next: phase 1" in out
    # phase 2 cannot be marked before phase 1
    code, _, err = run("mark", "pay-agent", "2", "complete", "--dir", str(base))
    assert code == 2 and "needs phase(s) 1 complete first" in err
    p1 = folder / "01-business-context.md"
    p1.write_text(p1.read_text().replace("business_context: {}", "business_context: {application: Payments agent, criticality: High, consent: {given_by: Ana Ruiz, date: '2026-11-30'}}"))
    assert run("mark", "pay-agent", "1", "complete", "--dir", str(base))[0] == 0
    # fill phases 6 and 7 through their yaml blocks
    p6 = folder / "06-threat-register.md"
    p6.write_text(p6.read_text().replace("threats: []", "threats:\n" + _yaml_list(EXAMPLE_TM["threats"]).replace("SEED", "PAY")))
    p7 = folder / "07-mitigations.md"
    p7.write_text(p7.read_text().replace("mitigations: []", "mitigations:\n" + _yaml_list(EXAMPLE_TM["mitigations"]).replace("SEED", "PAY")))
    # records in phases that have not started are an error, never silently "pending" (MC114)
    code, out, _ = run("check", str(folder))
    assert code == 1 and "MC114 [phase 6]" in out and "MC114 [phase 7]" in out, out
    # so do the phases in order: 2 to 5 with minimal records (one field beyond ID and name: MC813), 6 complete, 7 in progress
    for name, key, value in (("02-architecture.md", "components", "[{name: Agent, layers: [L3]}]"),
                             ("03-threat-actors.md", "threat_actors", "[{id: TA1, name: Supplier fraudster, category: External Attacker}]"),
                             ("04-trust-boundaries.md", "trust_boundaries", "[{id: TB1, name: Mailbox to agent, protocol: IMAP over TLS}]"),
                             ("05-asset-flows.md", "assets", "[{id: AF1, name: Payment instruction, classification: Confidential}]")):
        f = folder / name
        f.write_text(f.read_text().replace(f"{key}: []", f"{key}: {value}", 1))
    for n, status in (("2", "complete"), ("3", "complete"), ("4", "complete"), ("5", "complete"), ("6", "complete"), ("7", "in_progress")):
        code, out, err = run("mark", "pay-agent", n, status, "--dir", str(base))
        assert code == 0, err
    code, out, _ = run("check", str(folder))
    assert code == 0, out
    code, out, _ = run("export", "pay-agent", "--dir", str(base))
    assert code == 0, out
    tm = json.loads((folder / "threat-model.json").read_text())
    assert [t["id"] for t in tm["threats"]] == ["PAY-T1"] and tm["kb_version"] == kb.version
    assert json.loads((folder / "state.json").read_text())["threat_count"] == 1
    code, out, _ = run("status", "pay-agent", "--dir", str(base), "--json")
    assert json.loads(out)["threats"] == 1
    code, out, _ = run("score", str(folder))
    assert code == 0 and "PAY-T1" in out


def _yaml_list(items):
    import yaml
    return "\n".join("  " + l for l in yaml.safe_dump(items, sort_keys=False).splitlines())


def test_findings_in_phase_files_name_the_file_and_line(run, tmp_path):
    base = tmp_path / "tm"
    run("new", "demo", "--dir", str(base), "--depth", "full", "--prefix", "DEMO")
    p6 = base / "demo" / "06-threat-register.md"
    p6.write_text(p6.read_text().replace("threats: []", "threats:\n  - id: DEMO-T1\n    name: X\n    layers: [L3]\n    maps_to: [T99]\n"
                                           "    severity: Low\n    likelihood: Unlikely\n    mitigations: []\n"))
    text = p6.read_text()
    cut = text.index("## Structured record")
    p6.write_text(text[:cut] + "We also saw T12 (Agent Messaging Poisoning) here.\nATLAS AML.T0051.001 and AML.T9999, LLM01:2025 and LLM11, ASI10 and ASI11.\n\n" + text[cut:])
    code, out, _ = run("check", str(base / "demo"))
    assert code == 1
    line = lines_of(p6, "maps_to: [T99]")[0]
    assert f"{p6}:{line}: MC206 [DEMO-T1] T99 is not a threat ID" in out
    assert f"{p6}:{lines_of(p6, 'Agent Messaging')[0]}: MC203 [T12] 'Agent Messaging Poisoning'" in out
    bad_line = lines_of(p6, "AML.T9999")[0]
    for bad in ("AML.T9999", "LLM11", "ASI11"):
        assert f"{p6}:{bad_line}: MC201 [{bad}] {bad} does not exist" in out
    for good in ("AML.T0051.001", "LLM01:2025", "ASI10"):
        assert f"[{good}]" not in out
    assert "MC601" not in out  # the disclaimer still closes the file


def test_corrupt_state_is_reported_and_never_overwritten(run, tmp_path):
    base = tmp_path / "tm"
    run("new", "demo", "--dir", str(base), "--depth", "lightweight")
    st = base / "demo" / "state.json"
    st.write_text('{"project": "demo", "phases": ')
    before = st.read_bytes()
    for args in (("status", "demo", "--dir", str(base)), ("mark", "demo", "1", "complete", "--dir", str(base)),
                 ("export", "demo", "--dir", str(base)), ("check", str(base / "demo"))):
        code, out, err = run(*args)
        assert code == 2, args
        assert "state.json" in err and "Traceback" not in err
        assert st.read_bytes() == before


def test_invalid_state_is_reported(run, tmp_path):
    base = tmp_path / "tm"
    run("new", "demo", "--dir", str(base))
    st = base / "demo" / "state.json"
    doc = json.loads(st.read_text())
    doc["analysis_depth"] = "deep"
    st.write_text(json.dumps(doc, indent=2))
    code, out, _ = run("check", str(base / "demo"))
    assert code == 1 and "analysis_depth" in out and f"{st}:" in out


def test_new_refuses_existing_and_bad_names(run, tmp_path):
    base = tmp_path / "tm"
    assert run("new", "demo", "--dir", str(base))[0] == 0
    (base / "demo" / "01-business-context.md").write_text("mine")
    code, _, err = run("new", "demo", "--dir", str(base))
    assert code == 2 and "already exists" in err
    assert (base / "demo" / "01-business-context.md").read_text() == "mine"
    assert run("new", "Bad Name", "--dir", str(base))[0] == 2
    assert run("new", "x1", "--dir", str(base), "--prefix", "T1")[0] == 2


def test_lightweight_skips_phases_3_to_5(run, tmp_path):
    base = tmp_path / "tm"
    run("new", "lite", "--dir", str(base), "--answers", "n,n,n,n,n")
    state = json.loads((base / "lite" / "state.json").read_text())
    assert state["analysis_depth"] == "lightweight"
    assert [state["phases"][k]["status"] for k in "345"] == ["skipped"] * 3


def test_state_written_atomically(kb, tmp_path, monkeypatch):
    from maestro import project, safeio
    base = tmp_path / "tm"
    folder = project.new_project(kb, "atom", base)
    before = (folder / "state.json").read_text()

    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(project.os, "replace", boom)
    with pytest.raises(safeio.Unusable, match=r"state\.json: cannot write \(disk full\)"):
        project.mark(kb, folder, "1", "complete")
    assert (folder / "state.json").read_text() == before
    assert not list(folder.glob(".state-*"))


# ----------------------------------------------------------------- score
@pytest.mark.parametrize("sev", scoring.SEVERITIES)
@pytest.mark.parametrize("lik", scoring.LIKELIHOODS)
def test_score_matches_matrix(run, kb, sev, lik):
    code, out, _ = run("score", "--severity", sev, "--likelihood", lik, "--status", "partial", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["level"] == kb.scoring["matrix"][sev][lik]
    assert doc["effective"] == {"Low": 1, "Medium": 2, "High": 3, "Critical": 4}[doc["level"]] * 0.5


def test_score_rejects_bad_values(run):
    code, _, err = run("score", "--severity", "Severe", "--likelihood", "Likely")
    assert code == 2 and "unknown severity" in err


def test_score_ranks_by_effective_then_vector_then_complexity(run, tmp_path):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    base_t = doc["threats"][0]
    doc["threats"] = []
    doc["mitigations"] = []
    doc["residual_risks"] = []
    for i, (sev, lik, vec, comp) in enumerate([("High", "Possible", "Local", "Low"), ("Critical", "Likely", "Network", "High"),
                                                ("High", "Possible", "Network", "High"), ("High", "Possible", "Network", "Low")], 1):
        doc["threats"].append({**base_t, "id": f"SEED-T{i}", "severity": sev, "likelihood": lik, "attack_vector": vec,
                               "attack_complexity": comp, "mitigations": []})
    code, out, _ = run("score", str(write(tmp_path, doc)), "--json")
    order = [r["id"] for r in json.loads(out)["ranking"]]
    assert order == ["SEED-T2", "SEED-T4", "SEED-T3", "SEED-T1"]


# ----------------------------------------------------------------- verify
def test_verify_clean(run):
    code, out, _ = run("verify")
    assert code == 0 and out.startswith("OK")


def test_committed_manifest_is_fresh(kb):
    """manifest.json must match every covered file: data/ (examples included), AGENTS.md, CLAUDE.md
    and maestro/**/*.py. Run `make manifest` (`maestro manifest --write`) after changing any of them.

    The expected set is computed here independently of maestro.integrity, so a narrowed coverage
    fails this test too.
    """
    import hashlib
    doc = json.loads((ROOT / "manifest.json").read_text())
    assert doc["version"] == kb.version and doc["algorithm"] == "sha256"
    covered = [p for p in DATA.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    covered += [ROOT / "AGENTS.md", ROOT / "CLAUDE.md"]
    covered += [p for p in (ROOT / "maestro").rglob("*.py") if "__pycache__" not in p.parts]
    want = {p.relative_to(ROOT).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in covered}
    assert {"data/examples/rag-agent.json", "AGENTS.md", "maestro/engagement.py", "maestro/kb.py"} <= set(want)
    stale = sorted(k for k in want.keys() | doc["files"].keys() if want.get(k) != doc["files"].get(k))
    assert not stale, f"manifest.json is stale for {stale}; run `make manifest`"


def test_verify_names_changed_missing_and_extra(cache_env, kb, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "glossary.yaml").write_text((data / "glossary.yaml").read_text() + "\n# edited\n")
    (data / "depth.yaml").unlink()
    (data / "extra.yaml").write_text("x: 1\n")
    from maestro import integrity  # a manifest of this checkout as it is, so only the edits above differ
    (tmp_path / "manifest.json").write_text(integrity.manifest_text(integrity.manifest(ROOT, kb.version)))
    res = subprocess.run([sys.executable, "-m", "maestro", "verify", "--json", "--manifest", str(tmp_path / "manifest.json")], cwd=ROOT,
                         capture_output=True, text=True, env={"MAESTRO_DATA": str(data), "PATH": "/usr/bin:/bin", **cache_env})
    doc = json.loads(res.stdout)
    assert res.returncode == 1
    assert doc["changed"] == ["data/glossary.yaml"] and doc["missing"] == ["data/depth.yaml"] and doc["extra"] == ["data/extra.yaml"]


def test_verify_against_url(run, tmp_path):
    import functools
    import http.server
    import threading
    (tmp_path / "manifest.json").write_text((ROOT / "manifest.json").read_text())
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        code, out, _ = run("verify", "--manifest", f"http://127.0.0.1:{httpd.server_address[1]}/manifest.json")
    finally:
        httpd.shutdown()
    assert code == 0 and "OK" in out


def test_verify_unreadable_manifest(run, tmp_path):
    code, _, err = run("verify", "--manifest", str(tmp_path / "nope.json"))
    assert code == 2 and "cannot read manifest" in err


def test_usage_errors_exit_2():
    assert cli.main(["frobnicate"]) == 2
    assert cli.main(["score"]) == 2


def test_console_script_installed():
    exe = Path(sys.executable).parent / "maestro"
    res = subprocess.run([str(exe), "score", "--severity", "Low", "--likelihood", "Unlikely"], capture_output=True, text=True)
    assert res.returncode == 0 and "Risk level: Low" in res.stdout


@pytest.mark.parametrize("name", ["devops-deployment", "rag-agent", "quickstart"])
def test_worked_examples_pass_check(run, name):
    p = DATA / "examples" / f"{name}.json"
    if not p.exists():
        pytest.fail(f"worked example {p} missing")
    code, out, _ = run("check", str(p))
    assert code == 0, out


def test_partial_coverage_counts_as_half(run, tmp_path):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    doc["mitigations"][1]["coverage"] = "partial"          # the Implemented detective covers only part
    doc["residual_risks"][0]["effective_risk"] = 2.0       # right only if the detective earned full credit
    code, out, _ = run("check", str(write(tmp_path, doc)))
    assert code == 1 and "effective risk 2 should be 2.67" in out   # 4 x (1 - (0.5 + 0.5 + 0) / 3)
    doc["residual_risks"][0]["effective_risk"] = 2.67
    assert run("check", str(write(tmp_path, doc)))[0] == 0


@pytest.mark.parametrize("coverage, effective", [({"SEED-T1": "partial"}, 2.67), ({"SEED-T1": "full"}, 2.0),
                                                 ({"SEED-T9": "full"}, 2.67)])   # a threat the mapping leaves out: in part
def test_coverage_can_be_stated_per_threat(run, tmp_path, coverage, effective):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    doc["mitigations"][1]["coverage"] = coverage
    doc["residual_risks"][0]["effective_risk"] = effective
    code, out, _ = run("check", str(write(tmp_path, doc)))
    assert code == 0, out


def test_check_folder_reads_phase_files_not_a_stale_export(run, tmp_path):
    import os
    import time
    base = tmp_path / "tm"
    run("new", "demo", "--dir", str(base), "--prefix", "DEMO")
    folder = base / "demo"
    assert run("export", "demo", "--dir", str(base))[0] == 0
    old = time.time() - 100
    for f in folder.iterdir():
        os.utime(f, (old, old))
    p6 = folder / "06-threat-register.md"
    p6.write_text(p6.read_text().replace("threats: []", "threats:\n  - id: DEMO-T1\n    name: X\n    layers: [L3]\n    maps_to: [T99]\n"
                                           "    severity: Low\n    likelihood: Unlikely\n    mitigations: []\n"))
    code, out, _ = run("check", str(folder))
    assert code == 1 and "T99 is not a threat ID" in out
    assert "stale export: 06-threat-register.md" in out


def test_risk_scoring_guide_worked_example_matches_the_cli(run, kb, tmp_path):
    """The risk-scoring page agrees with the CLI (rulings R01, R02, R04): the console example, the PAY tables
    rendered from the example file, the ranking, the roadmap buckets and the step 7 forecast in the prose."""
    import re as _re
    import shlex
    text = (ROOT / "docs" / "guides" / "risk-scoring.md").read_text()

    # the console example prints what `maestro score` prints
    block = _re.search(r"```console\n\$ maestro ([^\n]+)\n(.*?)\n```", text, _re.S)
    code, out, err = run(*shlex.split(block.group(1)))
    assert code == 0 and out.strip() == block.group(2).strip(), err

    # the PAY tables are rendered from data/examples/accounts-payable.json; what they print agrees with `maestro score`
    from maestro_site.tables import examples
    example = DATA / "examples" / "accounts-payable.json"
    facts = {t["id"]: (t["severity"], t["likelihood"]) for t in json.loads(example.read_text())["threats"]}
    book = examples.Book(kb, DATA / "examples")
    code, out, _ = run("score", str(example), "--json")
    assert code == 0
    ranked = json.loads(out)["ranking"]
    rows = [[c.replace("\\", "") for c in line.strip("|").split(" | ")]
            for line in examples.example_effective_risk(book, "accounts-payable").splitlines()[2:]]
    assert [r[0].strip() for r in rows] == list(facts)
    for r in rows:
        tid, arithmetic = r[0].strip(), r[6].strip()
        value, share, eff = _re.fullmatch(r"(\d) x \(1 - ([\d./]+)\) = ([\d.]+)", arithmetic).groups()
        num, _, den = share.partition("/")
        assert round(int(value) * (1 - float(num) / float(den or 1)), 2) == float(eff), (tid, arithmetic)  # the shown arithmetic holds
        assert next(x["effective"] for x in ranked if x["id"] == tid) == float(eff), tid                  # and is the CLI's figure
    listed = _re.findall(r"^\d\. (PAY\\-T\d) \(([\d.]+), (\w+), (\w+)\)$", examples.example_ranking(book, "accounts-payable"), _re.M)
    assert [(t.replace("\\", ""), float(e), v, c) for t, e, v, c in listed] == [(r["id"], r["effective"], r["vector"], r["complexity"]) for r in ranked]
    buckets = examples.example_buckets(book, "accounts-payable")
    for r in ranked:
        line = next(line for line in buckets.splitlines() if r["id"].replace("-", "\\-") in line)
        assert line.replace("\\", "").startswith(f"- **{r['bucket']}**"), (r["id"], line)
    # the prose of step 4 names the tie the ranking breaks
    assert "PAY-T2 and PAY-T3 both sit at 4.0" in text and [r["id"] for r in ranked][:2] == ["PAY-T2", "PAY-T3"]

    # step 7: the forecast for PAY-T3 once the plan is built and verified
    m = _re.search(r"The credit becomes \((\d(?:\.\d)?) \+ (\d(?:\.\d)?) \+ (\d(?:\.\d)?)\) / 3 and the effective risk .*? = (\d\.\d\d)", text)
    sev, lik = facts["PAY-T3"]
    by_value = {s["value"]: s["status"] for s in kb.scoring["implementation_status"]}
    spec = ",".join(f"{k}={scoring.status(kb, by_value[float(v)])['key']}" for k, v in zip(["preventive", "detective", "corrective"], m.group(1, 2, 3)))
    assert scoring.score(kb, sev, lik, spec).effective == float(m.group(4))


def test_cli_stops_on_invalid_knowledge_base(cache_env, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "mitigations.yaml").write_text((data / "mitigations.yaml").read_text().replace("- id: L3-D3\n", "- id: L3-D2\n", 1))
    res = subprocess.run([sys.executable, "-m", "maestro", "score", "--severity", "Low", "--likelihood", "Likely"], cwd=ROOT,
                         capture_output=True, text=True, env={"MAESTRO_DATA": str(data), "PATH": "/usr/bin:/bin", **cache_env})
    assert res.returncode == 2
    assert "data/mitigations.yaml:" in res.stderr and "[L3-D2] duplicate ID" in res.stderr and "Traceback" not in res.stderr


def test_check_reads_a_markdown_file_with_the_identifier_rules(run, tmp_path):
    page = tmp_path / "report.md"
    page.write_text("# Findings\n\nThe gateway is exposed (T43).\nSee also T99 and T6 Intent Breaking.\n", encoding="utf-8")
    code, out, err = run("check", str(page), "--json")
    found = {(f["rule"], f["id"], f["line"]) for f in json.loads(out)["findings"]}
    assert code == 1 and found == {("MC201", "T99", 4), ("MC203", "T6", 4)}, out + err


# ------------------------------------------------------------------ maestro example, maestro rules, check's text output
RECORD_RULES = {"MC103", "MC104", "MC105", "MC106", "MC107", "MC108", "MC109", "MC114", "MC116"}
checks = cli.checks


def _project_with_examples(run, kb, base, upto: int, last_status: str = "in_progress"):
    """A fresh project whose phases 1..upto hold the record blocks `maestro example` prints, marked in order."""
    import re as _re
    run("new", "pay-agent", "--dir", str(base), "--prefix", "PAY", "--answers", "n,n,y,n,n")
    folder = base / "pay-agent"
    for n in range(1, upto + 1):
        assert run("mark", "pay-agent", str(n), "in_progress", "--dir", str(base))[0] == 0
        block = json.loads(run("example", str(n), "--prefix", "PAY", "--json")[1])["block"]
        path = folder / kb.phases[n]["output_file"]
        path.write_text(_re.sub(r"^```yaml maestro\n.*?^```$", lambda m: block, path.read_text(), flags=_re.S | _re.M))
        if n < upto or last_status == "complete":
            code, _, err = run("mark", "pay-agent", str(n), "complete", "--dir", str(base))
            assert code == 0, err
    return folder


@pytest.mark.parametrize("phase", range(1, 11))
def test_example_block_passes_the_schema_and_the_record_rules(run, kb, tmp_path, phase):
    from maestro import jsonschema_check
    code, out, _ = run("example", str(phase), "--prefix", "PAY", "--json")
    ex = json.loads(out)
    assert code == 0 and ex["file"] == kb.phases[phase]["output_file"] and ex["block"].startswith("```yaml maestro\n")
    schema = engagement.threat_model_schema(kb)
    for key, value in ex["records"].items():
        assert jsonschema_check.schema_errors(value, schema["properties"][key]) == [], key
    folder = _project_with_examples(run, kb, tmp_path, phase)
    code, out, _ = run("check", str(folder), "--json")
    mine = [f for f in json.loads(out)["findings"] if f["file"].endswith(ex["file"]) and f["severity"] != "pending"]
    assert [f for f in mine if f["rule"] in RECORD_RULES or f["rule"].startswith("MC2") or f["severity"] == "error"] == [], mine


def test_examples_show_mappings_links_coverage_and_evidence(run, kb):
    text = {n: run("example", str(n), "--prefix", "CLN")[1] for n in (6, 7, 8)}
    assert "maps_to:" in text[6] and "CLN-T1" in text[6] and "llm_top10:" in text[6]
    assert all(f"\n  {k}:" in text[7] for k in ("implements", "coverage", "evidence", "addresses"))
    assert "verified_status:" in text[8] and "mitigation: CLN-M1" in text[8]
    t6 = json.loads(run("example", "6", "--json")[1])["records"]["threats"][0]
    assert all(m["name"] == kb.threats[m["id"]]["name"] for m in t6["maps_to"])
    assert run("example", "6", "--prefix", "pay")[0] == 2 and run("example", "11")[0] == 2


def test_examples_of_every_phase_make_a_model_that_passes_check(run, kb, tmp_path):
    folder = _project_with_examples(run, kb, tmp_path, 10, "complete")
    assert run("export", "pay-agent", "--dir", str(tmp_path))[0] == 0
    for target in (folder, folder / "threat-model.json"):
        code, out, _ = run("check", str(target), "--json")
        doc = json.loads(out)
        assert code == 0 and doc["errors"] == 0 and doc["pending"] == 0, [f for f in doc["findings"] if f["severity"] == "error"]


def test_rules_lists_every_rule(run):
    code, out, _ = run("rules", "--json")
    rows = json.loads(out)["rules"]
    assert code == 0 and [r["code"] for r in rows] == sorted(checks.RULES)
    assert all(r["summary"] and r["hint"] and r["severity"] in ("error", "warning") for r in rows)
    text = run("rules")[1]
    for r in rows:
        assert f"{r['code']} {r['name']} ({r['severity']}, phase {r['phase'] or 'any'})" in text and f"    fix: {r['hint']}" in text


def test_check_text_gives_each_hint_once_and_folds_pending(run, kb, tmp_path):
    folder = _project_with_examples(run, kb, tmp_path, 6)
    p6 = folder / "06-threat-register.md"
    p6.write_text(p6.read_text().replace("## Structured record", "We also looked at T99 and T98.\n\n## Structured record", 1))
    code, out, _ = run("check", str(folder))
    lines = out.splitlines()
    at = [i for i, line in enumerate(lines) if " MC201 " in line]
    assert code == 1 and len(at) == 2 and lines[at[0] + 1] == f"    fix: {checks.RULES['MC201'].hint}"
    assert sum(1 for line in lines if line == f"    fix: {checks.RULES['MC201'].hint}") == 1
    folded = [line for line in lines if " pending in phases 7, 9, 10: " in line]
    assert len(folded) == 1 and "MC304 control-type-missing x1" in folded[0] and "--all" in folded[0]
    assert not any(": pending: " in line or "pending:" in line.split(" MC")[-1][:10] for line in lines if line.startswith(str(folder)))
    full = run("check", str(folder), "--all")[1]
    assert "MC304" in full and [line for line in full.splitlines() if " pending in phases" in line] == []
    assert json.loads(run("check", str(folder), "--json")[1]) == json.loads(run("check", str(folder), "--json", "--all")[1])
