"""The maestro CLI: every command, good and bad input; nothing may crash."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA, KB, ROOT
from maestro import cli, scoring

EXAMPLE_TM = {
    "schema_version": "1.0.0", "project": "seed", "prefix": "SEED", "analysis_depth": "full",
    "disclaimer": "AI-assisted; review before use.",
    "threats": [
        {"id": "SEED-T1", "name": "Injected instructions in tickets", "layers": ["L1", "L3"],
         "maps_to": [{"id": "T6", "name": "Intent Breaking & Goal Manipulation"}], "severity": "Critical", "likelihood": "Likely",
         "attack_vector": "Network", "attack_complexity": "Low",
         "mitigations": ["L1-P1", "L1-D4", "L3-C2"]},
    ],
    "mitigations": [
        {"id": "L1-P1", "name": "Input Guardrails", "type": "preventive", "addresses": ["SEED-T1"], "status": "Partially Implemented"},
        {"id": "L1-D4", "name": "Prompt Injection Logging", "type": "detective", "addresses": ["SEED-T1"], "status": "Implemented"},
        {"id": "L3-C2", "name": "Workflow Rollback", "type": "corrective", "addresses": ["SEED-T1"], "status": "Not Implemented"},
    ],
    "residual_risks": [{"id": "RR1", "threat": "SEED-T1", "inherent": "Critical", "effective_risk": 0.0, "residual": "Low", "disposition": "Mitigated"}],
}


def run(*args, cwd=None):
    """Run the CLI in a subprocess (as a user would) and return (exit code, stdout, stderr)."""
    res = subprocess.run([sys.executable, "-m", "maestro", *args], cwd=cwd or ROOT, capture_output=True, text=True)
    return res.returncode, res.stdout, res.stderr


def write(tmp_path, doc, name="threat-model.json"):
    p = tmp_path / name
    p.write_text(json.dumps(doc, indent=2))
    return p


def lines_of(path, needle):
    return [n for n, l in enumerate(path.read_text().splitlines(), 1) if needle in l]


def test_clean_threat_model_passes(tmp_path):
    code, out, err = run("check", str(write(tmp_path, EXAMPLE_TM)))
    assert code == 0, out + err
    assert "0 error(s)" in out


def test_json_output(tmp_path):
    code, out, _ = run("check", str(write(tmp_path, EXAMPLE_TM)), "--json")
    doc = json.loads(out)
    assert doc["ok"] is True and doc["errors"] == 0


@pytest.mark.parametrize("bad,needle", [("T99", "T99 is not a threat ID"), ("BV-13", "BV-13 is not a blindspot ID"), ("T26", "T26 is reserved")])
def test_invented_taxonomy_ids(tmp_path, bad, needle):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    if bad.startswith("BV"):
        doc["threats"][0]["blindspots"] = [bad]
    else:
        doc["threats"][0]["maps_to"].append(bad)
    p = write(tmp_path, doc)
    code, out, _ = run("check", str(p))
    assert code == 1 and needle in out
    line = lines_of(p, f'"{bad}"')[0]
    assert f"{p}:{line}: [SEED-T1]" in out


def test_invented_mitigation_id(tmp_path):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    doc["threats"][0]["mitigations"].append("L3-D9")
    doc["mitigations"].append({"id": "L3-D9", "name": "Made Up", "type": "detective", "addresses": ["SEED-T1"], "status": "Implemented"})
    p = write(tmp_path, doc)
    code, out, _ = run("check", str(p))
    assert code == 1 and "L3-D9 is not in the mitigation catalog" in out
    line = lines_of(p, '"id": "L3-D9"')[0]
    assert f"{p}:{line}: [L3-D9]" in out


def test_wrong_name_next_to_real_id(tmp_path):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    doc["threats"][0]["maps_to"] = [{"id": "T6", "name": "Goal Manipulation"}]
    doc["mitigations"][0]["name"] = "Input Filters"
    p = write(tmp_path, doc)
    code, out, _ = run("check", str(p))
    assert code == 1
    assert "'Goal Manipulation' next to T6 is not its canonical name 'Intent Breaking & Goal Manipulation'" in out
    assert "'Input Filters' is not the canonical name of L1-P1" in out


def test_local_id_shadowing_taxonomy(tmp_path):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    doc["threats"][0]["id"] = "T12"
    for m in doc["mitigations"]:
        m["addresses"] = ["T12"]
    doc["residual_risks"][0]["threat"] = "T12"
    p = write(tmp_path, doc)
    code, out, _ = run("check", str(p))
    assert code == 1 and "local threat ID T12 shadows a taxonomy ID" in out


def test_critical_without_detective(tmp_path):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    doc["threats"][0]["mitigations"] = ["L1-P1", "L3-C2"]
    doc["mitigations"] = [m for m in doc["mitigations"] if m["id"] != "L1-D4"]
    p = write(tmp_path, doc)
    code, out, _ = run("check", str(p))
    assert code == 1 and "Critical risk needs detective control(s) (Phase 7 rule)" in out
    assert "[SEED-T1]" in out


def test_effective_risk_recomputed(tmp_path):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    doc["residual_risks"][0]["effective_risk"] = 2.0
    code, out, _ = run("check", str(write(tmp_path, doc)))
    assert code == 1 and "effective risk 2.0 should be 0.0" in out


def test_risk_must_match_matrix(tmp_path):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    doc["threats"][0]["risk"] = "High"
    code, out, _ = run("check", str(write(tmp_path, doc)))
    assert code == 1 and "does not match the matrix" in out


def test_single_control_is_a_warning(tmp_path):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    doc["threats"][0].update(severity="Low", likelihood="Unlikely", mitigations=["L1-P1"])
    doc["mitigations"] = doc["mitigations"][:1]
    doc["residual_risks"] = []
    code, out, _ = run("check", str(write(tmp_path, doc)))
    assert code == 0 and "warning: only one mitigation" in out


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", ""])
def test_unusable_input_exit_2(tmp_path, content):
    p = tmp_path / "threat-model.json"
    p.write_text(content)
    code, out, err = run("check", str(p))
    assert code == 2 and "maestro:" in err and "Traceback" not in err


def test_schema_violation_reported_with_line(tmp_path):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    doc["threats"][0]["severity"] = "Severe"
    p = write(tmp_path, doc)
    code, out, _ = run("check", str(p))
    assert code == 1 and f"{p}:{lines_of(p, 'Severe')[0]}: [SEED-T1]" in out


# ----------------------------------------------------------------- projects
def test_new_status_mark_export_check(tmp_path):
    base = tmp_path / "tm"
    code, out, err = run("new", "pay-agent", "--dir", str(base), "--answers", "n,n,y,n,y", "--prefix", "PAY")
    assert code == 0, err
    folder = base / "pay-agent"
    state = json.loads((folder / "state.json").read_text())
    assert state["analysis_depth"] == "standard" and state["depth_answers"]["5"] is True
    assert sorted(p.name for p in folder.glob("*.md")) == sorted(p["output_file"] for p in KB.phases.values())
    code, out, _ = run("status", "pay-agent", "--dir", str(base))
    assert code == 0 and "Next: phase 1" in out
    # phase 2 cannot be marked before phase 1
    code, _, err = run("mark", "pay-agent", "2", "complete", "--dir", str(base))
    assert code == 2 and "needs phase(s) 1 first" in err
    assert run("mark", "pay-agent", "1", "complete", "--dir", str(base))[0] == 0
    # fill phases 6 and 7 through their yaml blocks
    p6 = folder / "06-threat-register.md"
    p6.write_text(p6.read_text().replace("threats: []", "threats:\n" + _yaml_list(EXAMPLE_TM["threats"]).replace("SEED", "PAY")))
    p7 = folder / "07-mitigations.md"
    p7.write_text(p7.read_text().replace("mitigations: []", "mitigations:\n" + _yaml_list(EXAMPLE_TM["mitigations"]).replace("SEED", "PAY")))
    code, out, _ = run("check", str(folder))
    assert code == 0, out
    code, out, _ = run("export", "pay-agent", "--dir", str(base))
    assert code == 0, out
    tm = json.loads((folder / "threat-model.json").read_text())
    assert [t["id"] for t in tm["threats"]] == ["PAY-T1"] and tm["kb_version"] == KB.version
    assert json.loads((folder / "state.json").read_text())["threat_count"] == 1
    code, out, _ = run("status", "pay-agent", "--dir", str(base), "--json")
    assert json.loads(out)["threats"] == 1
    code, out, _ = run("score", str(folder))
    assert code == 0 and "PAY-T1" in out


def _yaml_list(items):
    import yaml
    return "\n".join("  " + l for l in yaml.safe_dump(items, sort_keys=False).splitlines())


def test_findings_in_phase_files_name_the_file_and_line(tmp_path):
    base = tmp_path / "tm"
    run("new", "demo", "--dir", str(base), "--depth", "full", "--prefix", "DEMO")
    p6 = base / "demo" / "06-threat-register.md"
    p6.write_text(p6.read_text().replace("threats: []", "threats:\n  - id: DEMO-T1\n    name: X\n    layers: [L3]\n    maps_to: [T99]\n"
                                           "    severity: Low\n    likelihood: Unlikely\n    mitigations: []\n"))
    p6.write_text(p6.read_text() + "\nWe also saw T12 (Agent Messaging Poisoning) here.\nATLAS AML.T0051.001 and AML.T9999, LLM01 and LLM11, ASI10 and ASI11.\n")
    code, out, _ = run("check", str(base / "demo"))
    assert code == 1
    line = lines_of(p6, "maps_to: [T99]")[0]
    assert f"{p6}:{line}: [DEMO-T1] T99 is not a threat ID" in out
    assert f"{p6}:{lines_of(p6, 'Agent Messaging')[0]}: [T12] name 'Agent Messaging Poisoning'" in out
    bad_line = lines_of(p6, "AML.T9999")[0]
    for bad in ("AML.T9999", "LLM11", "ASI11"):
        assert f"{p6}:{bad_line}: [{bad}] {bad} does not exist" in out
    for good in ("AML.T0051.001", "LLM01", "ASI10"):
        assert f"[{good}]" not in out


def test_corrupt_state_is_reported_and_never_overwritten(tmp_path):
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


def test_invalid_state_is_reported(tmp_path):
    base = tmp_path / "tm"
    run("new", "demo", "--dir", str(base))
    st = base / "demo" / "state.json"
    doc = json.loads(st.read_text())
    doc["analysis_depth"] = "deep"
    st.write_text(json.dumps(doc, indent=2))
    code, out, _ = run("check", str(base / "demo"))
    assert code == 1 and "analysis_depth" in out and f"{st}:" in out


def test_new_refuses_existing_and_bad_names(tmp_path):
    base = tmp_path / "tm"
    assert run("new", "demo", "--dir", str(base))[0] == 0
    (base / "demo" / "01-business-context.md").write_text("mine")
    code, _, err = run("new", "demo", "--dir", str(base))
    assert code == 2 and "already exists" in err
    assert (base / "demo" / "01-business-context.md").read_text() == "mine"
    assert run("new", "Bad Name", "--dir", str(base))[0] == 2
    assert run("new", "x1", "--dir", str(base), "--prefix", "T1")[0] == 2


def test_lightweight_skips_phases_3_to_5(tmp_path):
    base = tmp_path / "tm"
    run("new", "lite", "--dir", str(base), "--answers", "n,n,n,n,n")
    state = json.loads((base / "lite" / "state.json").read_text())
    assert state["analysis_depth"] == "lightweight"
    assert [state["phases"][k]["status"] for k in "345"] == ["skipped"] * 3


def test_state_written_atomically(tmp_path, monkeypatch):
    from maestro import project
    base = tmp_path / "tm"
    folder = project.new_project(KB, "atom", base)
    before = (folder / "state.json").read_text()

    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(project.os, "replace", boom)
    with pytest.raises(OSError):
        project.mark(KB, folder, "1", "complete")
    assert (folder / "state.json").read_text() == before
    assert not list(folder.glob(".state-*"))


# ----------------------------------------------------------------- score
@pytest.mark.parametrize("sev", scoring.SEVERITIES)
@pytest.mark.parametrize("lik", scoring.LIKELIHOODS)
def test_score_matches_matrix(sev, lik):
    code, out, _ = run("score", "--severity", sev, "--likelihood", lik, "--status", "partial", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["level"] == KB.scoring["matrix"][sev][lik]
    assert doc["effective"] == {"Low": 1, "Medium": 2, "High": 3, "Critical": 4}[doc["level"]] * 0.5


def test_score_rejects_bad_values():
    code, _, err = run("score", "--severity", "Severe", "--likelihood", "Likely")
    assert code == 2 and "unknown severity" in err


def test_score_ranks_by_effective_then_vector_then_complexity(tmp_path):
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
def test_verify_clean():
    code, out, _ = run("verify")
    assert code == 0 and out.startswith("OK")


def test_committed_manifest_is_fresh():
    """manifest.json must match data/ (run `maestro manifest --write` after changing data)."""
    import hashlib
    doc = json.loads((ROOT / "manifest.json").read_text())
    assert doc["version"] == KB.version
    assert doc["files"] == {f"data/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(DATA.glob("*.yaml"))}


def test_verify_names_changed_missing_and_extra(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "glossary.yaml").write_text((data / "glossary.yaml").read_text() + "\n# edited\n")
    (data / "depth.yaml").unlink()
    (data / "extra.yaml").write_text("x: 1\n")
    res = subprocess.run([sys.executable, "-m", "maestro", "verify", "--json"], cwd=ROOT, capture_output=True, text=True,
                         env={"MAESTRO_DATA": str(data), "PATH": "/usr/bin:/bin"})
    doc = json.loads(res.stdout)
    assert res.returncode == 1
    assert doc["changed"] == ["data/glossary.yaml"] and doc["missing"] == ["data/depth.yaml"] and doc["extra"] == ["data/extra.yaml"]


def test_verify_against_url(tmp_path):
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


def test_verify_unreadable_manifest(tmp_path):
    code, _, err = run("verify", "--manifest", str(tmp_path / "nope.json"))
    assert code == 2 and "cannot read manifest" in err


def test_usage_errors_exit_2():
    assert cli.main(["frobnicate"]) == 2
    assert cli.main(["score"]) == 2


def test_console_script_installed():
    exe = Path(sys.executable).parent / "maestro"
    res = subprocess.run([str(exe), "score", "--severity", "Low", "--likelihood", "Unlikely"], capture_output=True, text=True)
    assert res.returncode == 0 and "Risk level: Low" in res.stdout


@pytest.mark.parametrize("name", ["devops-deployment", "rag-agent"])
def test_worked_examples_pass_check(name):
    p = DATA / "examples" / f"{name}.json"
    if not p.exists():
        pytest.fail(f"worked example {p} missing")
    code, out, _ = run("check", str(p))
    assert code == 0, out


def test_partial_coverage_counts_as_half(tmp_path):
    doc = json.loads(json.dumps(EXAMPLE_TM))
    doc["mitigations"][1]["coverage"] = "partial"          # the Implemented detective covers only part
    doc["residual_risks"][0]["effective_risk"] = 0.0
    code, out, _ = run("check", str(write(tmp_path, doc)))
    assert code == 1 and "effective risk 0.0 should be 2.0" in out
    doc["residual_risks"][0]["effective_risk"] = 2.0
    assert run("check", str(write(tmp_path, doc)))[0] == 0


def test_check_folder_reads_phase_files_not_a_stale_export(tmp_path):
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


def test_risk_scoring_guide_worked_example_matches_the_cli(tmp_path):
    """The hand-worked prioritisation on the risk-scoring page agrees with `maestro score`."""
    import re as _re
    text = (ROOT / "docs" / "guides" / "risk-scoring.md").read_text()
    facts = {}  # PAY-Tn -> (severity, likelihood, vector, complexity), as stated in the example bullets
    for m in _re.finditer(r"\*\*(PAY-T\d)\*\*.*?Severity (\w+), likelihood ([\w ]+?)\. Vector (\w+).*?complexity (\w+)\.", text):
        facts[m.group(1)] = m.group(2, 3, 4, 5)
    table = {m.group(1): (m.group(2), float(m.group(4)), m.group(3))
             for m in _re.finditer(r"^\| (PAY-T\d) \| (\w+) \(\d\) \|.*\| \w[\w ]+ \((\d\.\d)\) \| .*= (\d\.\d) \|$", text, _re.M)}
    assert len(facts) == 5 and len(table) == 5
    doc = {"schema_version": "1.0.0", "project": "pay", "prefix": "PAY", "analysis_depth": "full", "threats": [], "mitigations": []}
    statuses = {"0.0": "Not Implemented", "0.5": "Partially Implemented", "1.0": "Implemented"}
    for tid, (sev, lik, vec, comp) in facts.items():
        level, eff, status = table[tid]
        assert scoring.risk_level(KB, sev, lik) == level, tid
        assert scoring.effective_risk(KB, level, [statuses[status]]) == eff, tid
        mid = f"PAY-M{tid[-1]}"
        doc["threats"].append({"id": tid, "name": tid, "layers": ["L3"], "maps_to": ["T2"], "severity": sev, "likelihood": lik,
                               "attack_vector": vec, "attack_complexity": comp, "mitigations": [mid]})
        doc["mitigations"].append({"id": mid, "name": mid, "type": "preventive", "implements": ["L3-P1"], "addresses": [tid], "status": statuses[status]})
    code, out, _ = run("score", str(write(tmp_path, doc)), "--json")
    ranking = [r["id"] for r in json.loads(out)["ranking"]]
    listed = _re.findall(r"^\d\. (PAY-T\d) \(", text, _re.M)
    assert ranking == listed


def test_cli_stops_on_invalid_knowledge_base(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "mitigations.yaml").write_text((data / "mitigations.yaml").read_text().replace("- id: L3-D3\n", "- id: L3-D2\n", 1))
    res = subprocess.run([sys.executable, "-m", "maestro", "score", "--severity", "Low", "--likelihood", "Likely"], cwd=ROOT,
                         capture_output=True, text=True, env={"MAESTRO_DATA": str(data), "PATH": "/usr/bin:/bin"})
    assert res.returncode == 2
    assert "data/mitigations.yaml:" in res.stderr and "[L3-D2] duplicate ID" in res.stderr and "Traceback" not in res.stderr
