"""Projects on disk: what `maestro new`, `mark` and `export` refuse, keep and write; bad input; SARIF."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]



@pytest.fixture
def run(maestro_cli):
    """`maestro_cli` under this module's short name."""
    return maestro_cli


@pytest.fixture
def base(tmp_path):
    return tmp_path / "tm"


def new(run, base, *extra, name="demo"):
    code, out, err = run("new", name, "--dir", base, "--prefix", "DEMO", *extra)
    assert code == 0, err
    return base / name


def state(folder):
    return json.loads((folder / "state.json").read_text())


# ------------------------------------------------------------------ mark
def test_mark_refuses_transitive_prerequisites(run, base):
    folder = new(run, base, "--depth", "standard")
    assert run("mark", "demo", "1", "complete", "--dir", base)[0] == 0
    code, _, err = run("mark", "demo", "6", "in_progress", "--dir", base)
    assert code == 2 and "needs phase(s) 2, 3, 4, 5 complete first" in err
    code, _, err = run("mark", "demo", "10", "complete", "--dir", base)
    assert code == 2 and "2, 3, 4, 5, 6, 7, 8, 9" in err
    assert state(folder)["phases"]["6"]["status"] == "pending"


def test_lightweight_skips_count_as_done(run, base):
    new(run, base, "--answers", "n,n,n,n,n")
    for n in ("1", "2"):
        assert run("mark", "demo", n, "complete", "--dir", base)[0] == 0
    assert run("mark", "demo", "6", "in_progress", "--dir", base)[0] == 0


@pytest.mark.parametrize("phase,extra,needle", [("6", [], "cannot be skipped"), ("3", [], "cannot be skipped"),
                                                ("8", [], "needs --reason"), ("4", ["--reason", "x"], "cannot be skipped")])
def test_mark_refuses_skips_the_depth_does_not_allow(run, base, phase, extra, needle):
    new(run, base, "--depth", "standard")
    code, _, err = run("mark", "demo", phase, "skipped", "--dir", base, *extra)
    assert code == 2 and needle in err


def test_skipping_phase_8_with_a_reason_unblocks_phase_9(run, base):
    folder = new(run, base, "--depth", "lightweight")
    for n in ("1", "2", "6", "7"):
        assert run("mark", "demo", n, "complete", "--dir", base)[0] == 0
    assert run("mark", "demo", "8", "skipped", "--reason", "no source access", "--dir", base)[0] == 0
    assert run("mark", "demo", "9", "in_progress", "--dir", base)[0] == 0
    assert state(folder)["phases"]["8"]["reason"] == "no source access"


def test_mark_keeps_the_previous_state(run, base):
    folder = new(run, base)
    before = (folder / "state.json").read_text()
    assert run("mark", "demo", "1", "in_progress", "--dir", base)[0] == 0
    assert (folder / "state.json.bak").read_text() == before


def test_phase_2_copies_its_answers_into_state(run, base):
    folder = new(run, base, "--depth", "full")
    assert run("mark", "demo", "1", "complete", "--dir", base)[0] == 0
    p2 = folder / "02-architecture.md"
    p2.write_text(p2.read_text().replace("system_type: unknown", "system_type: multi-agent").replace("uses_mcp: false", "uses_mcp: true")
                  .replace("components: []", "components:\n- {name: planner, layers: [L3]}"))
    assert run("mark", "demo", "2", "complete", "--dir", base)[0] == 0
    assert state(folder)["system_type"] == "multi-agent" and state(folder)["uses_mcp"] is True


# ------------------------------------------------------------------ new
def test_depth_and_answers_together(kb, run, base):
    folder = new(run, base, "--answers", "n,n,y,n,y", "--depth", "full")
    st = state(folder)
    assert st["analysis_depth"] == "full" and st["layer_scope"] == kb.depth["depths"][0]["layers"]
    assert "standard" in st["depth_reason"]


def test_shallower_than_the_answers_needs_a_reason(run, base):
    code, _, err = run("new", "demo", "--dir", base, "--answers", "y,n,n,n,n", "--depth", "lightweight")
    assert code == 2 and "needs --reason" in err and not (base / "demo").exists()
    folder = new(run, base, "--answers", "y,n,n,n,n", "--depth", "lightweight", "--reason", "user: prototype only")
    assert state(folder)["depth_reason"] == "user: prototype only"


def test_multi_agent_answer_keeps_every_layer(run, base):
    folder = new(run, base, "--answers", "n,n,n,n,y")
    assert state(folder)["analysis_depth"] == "standard" and "L5" in state(folder)["layer_scope"] and "CL" in state(folder)["layer_scope"]


@pytest.mark.parametrize("name", ["abc\n", "ab\x07c", "a" * 64, "Upper", "a_b", ""])
def test_bad_project_names(run, base, name):
    code, _, err = run("new", name, "--dir", base)
    assert code == 2 and "project name" in err and "Traceback" not in err


# ------------------------------------------------------------------ export
def test_export_writes_nothing_when_records_are_broken(run, base):
    folder = new(run, base)
    assert run("export", "demo", "--dir", base)[0] == 0
    tm = folder / "threat-model.json"
    before, st_before = tm.read_bytes(), state(folder)
    p6 = folder / "06-threat-register.md"
    p6.write_text(p6.read_text().replace("threats: []", "threats:\n- {id: DEMO-T1, name: X, layers: [L3], maps_to: [T2], severity: Severe, likelihood: Likely, mitigations: []}"))
    code, out, _ = run("export", "demo", "--dir", base)
    assert code == 1 and "MC108" in out and "Not written" in out
    assert tm.read_bytes() == before
    assert state(folder)["phases"]["10j"] == st_before["phases"]["10j"]


def test_export_keeps_the_previous_export(run, base):
    folder = new(run, base)
    assert run("export", "demo", "--dir", base)[0] == 0
    first = (folder / "threat-model.json").read_text()
    assert run("export", "demo", "--dir", base)[0] == 0
    assert (folder / "threat-model.json.bak").read_text() == first
    assert json.loads(first)["schema_version"] == "1.1.0"


def test_export_and_state_agree(run, base):
    folder = new(run, base, "--answers", "n,n,y,n,n")
    assert run("export", "demo", "--dir", base)[0] == 0
    tm = json.loads((folder / "threat-model.json").read_text())
    st = state(folder)
    assert (tm["analysis_depth"], tm["layer_scope"], tm["system_type"], tm["uses_mcp"]) == \
           (st["analysis_depth"], st["layer_scope"], st["system_type"], st["uses_mcp"])


# ------------------------------------------------------------------ missing and corrupt state
def test_missing_state_says_how_to_recover(run, base):
    folder = new(run, base)
    (folder / "state.json").unlink()
    code, _, err = run("status", "demo", "--dir", base)
    assert code == 2 and "maestro new" in err


def test_corrupt_state_points_at_the_backup(run, base):
    folder = new(run, base)
    assert run("mark", "demo", "1", "in_progress", "--dir", base)[0] == 0
    (folder / "state.json").write_text("{broken")
    code, _, err = run("status", "demo", "--dir", base)
    assert code == 2 and "state.json.bak" in err and (folder / "state.json").read_text() == "{broken"


# ------------------------------------------------------------------ stale exports
def test_status_and_score_warn_about_a_stale_export(run, base):
    import os
    import time
    folder = new(run, base)
    assert run("export", "demo", "--dir", base)[0] == 0
    old = time.time() - 100
    os.utime(folder / "threat-model.json", (old, old))
    code, out, _ = run("status", "demo", "--dir", base)
    assert code == 0 and "threat-model.json is older than" in out
    code, out, _ = run("score", folder, "--json")
    assert code == 0 and "threat-model.json is older than" in json.loads(out)["warnings"][0]


# ------------------------------------------------------------------ bad input
def test_non_utf8_phase_file_names_the_file(run, base):
    folder = new(run, base)
    p = folder / "03-threat-actors.md"
    p.write_bytes(p.read_bytes() + b"\n\xff\xfe\n")
    code, out, err = run("check", folder)
    assert code == 2 and f"{p}:" in err and "not UTF-8" in err and "Traceback" not in err


def test_oversized_file_is_refused(run, tmp_path):
    from maestro import engagement
    p = tmp_path / "threat-model.json"
    p.write_text('{"x": "' + "a" * (engagement.MAX_FILE_BYTES + 1) + '"}')
    code, _, err = run("check", p)
    assert code == 2 and "MiB limit" in err


def test_closed_pipe_is_not_a_traceback(cache_env):
    res = subprocess.run(f"{sys.executable} -m maestro verify | head -c 1", shell=True, cwd=ROOT, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", **cache_env})
    assert "Traceback" not in res.stderr and "BrokenPipe" not in res.stderr


# ------------------------------------------------------------------ SARIF
def test_sarif_output(run, tmp_path):
    from maestro import checks
    p = tmp_path / "threat-model.json"
    p.write_text(json.dumps({"schema_version": "1.1.0", "project": "x", "prefix": "XX", "analysis_depth": "full",
                             "threats": [{"id": "XX-T1", "name": "n", "layers": ["L1"], "maps_to": ["T99"], "severity": "Low",
                                          "likelihood": "Unlikely", "mitigations": []}], "mitigations": []}, indent=2))
    code, out, _ = run("check", p, "--format", "sarif")
    doc = json.loads(out)
    assert code == 1 and doc["version"] == "2.1.0"
    run_ = doc["runs"][0]
    rules = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    assert rules == sorted(checks.RULES)
    by_rule = {r["ruleId"]: r for r in run_["results"]}
    t99 = by_rule["MC206"]
    assert t99["level"] == "error" and rules[t99["ruleIndex"]] == "MC206"
    loc = t99["locations"][0]["physicalLocation"]
    line = next(n for n, text in enumerate(p.read_text().splitlines(), 1) if '"T99"' in text)
    assert loc["artifactLocation"]["uri"].endswith("threat-model.json") and loc["region"]["startLine"] == line


# ------------------------------------------------------------------ one real process per command
@pytest.mark.parametrize("args", [
    ["new", "smoke", "--dir", "{tmp}", "--depth", "lightweight"],
    ["status", "smoke", "--dir", "{tmp}"],
    ["mark", "smoke", "1", "in_progress", "--dir", "{tmp}"],
    ["check", "{tmp}/smoke"],
    ["export", "smoke", "--dir", "{tmp}"],
    ["score", "--severity", "High", "--likelihood", "Likely"],
    ["verify"],
    ["manifest"],
], ids=lambda a: a[0])
def test_command_runs_as_a_process(cache_env, run, tmp_path_factory, args):
    tmp = tmp_path_factory.getbasetemp() / "smoke-project"
    tmp.mkdir(exist_ok=True)
    if args[0] != "new" and not (tmp / "smoke").exists():
        run("new", "smoke", "--dir", tmp, "--depth", "lightweight")
    res = subprocess.run([sys.executable, "-m", "maestro", *[a.replace("{tmp}", str(tmp)) for a in args]], cwd=ROOT, capture_output=True,
                         text=True, env={"PATH": "/usr/bin:/bin", **cache_env})
    assert res.returncode in (0, 1) and "Traceback" not in res.stderr, res.stderr


@pytest.mark.parametrize("level,credit,bucket", [
    ("Critical", 0, "Immediate"), ("Critical", 0.5, "Short-term"), ("Critical", 1, "Long-term"),
    ("High", 0, "Short-term"), ("High", 0.67, "Short-term"), ("High", 1, "Long-term"),
    ("Medium", 0, "Medium-term"), ("Medium", 1, "Long-term"), ("Low", 0, "Long-term"),
])
def test_remediation_bucket_follows_ruling_r02(kb, level, credit, bucket):
    from maestro import scoring
    assert scoring.remediation_bucket(kb, level, credit) == bucket
