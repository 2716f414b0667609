"""Following AGENTS.md's order ends clean: the clinic engagement's records, written phase by phase into a new project
in the documented order (mark in_progress, write the file, check, mark complete; in Phase 10 check, mark complete,
then export and check again), leave `maestro check` at exit 0 with no MC110 or MC115.

Before the order was fixed, the script below met two loops. In Phase 2, `maestro check` failed on MC110 because
state.json learns the system type and MCP use only when Phase 2 is marked complete, while the loop forbids marking
a phase complete while the check fails. In Phase 10, the export was made before Phase 10 was marked complete, so it
recorded the phase as in progress and every re-export stayed a draft (MC115).
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CLINIC = ROOT / "tests" / "fixtures" / "engagement" / "clinic-assistant"
AGENTS = ROOT / "AGENTS.md"


def _check(maestro_cli, target) -> dict:
    code, out, err = maestro_cli("check", target, "--json")
    doc = json.loads(out)
    doc["code"] = code
    return doc


def _clean(doc: dict, where: str) -> None:
    errors = [f"{f['rule']} {f['file']}:{f['line']} {f['message']}" for f in doc["findings"] if f["severity"] == "error"]
    assert doc["code"] == 0 and errors == [], f"{where}: {errors}"
    assert not [f for f in doc["findings"] if f["rule"] in ("MC110", "MC115") and f["severity"] != "pending"], where


def _mark(maestro_cli, base, n, status):
    code, _, err = maestro_cli("mark", "clinic-assistant", str(n), status, "--dir", base)
    assert code == 0, f"mark {n} {status}: {err}"


def test_agents_md_puts_the_export_after_phase_10_is_complete():
    section = AGENTS.read_text(encoding="utf-8").split("## Phase 10")[1].split("\n## ")[0]
    assert section.index("maestro mark NAME 10 complete") < section.index("maestro export NAME")


def test_the_documented_order_ends_clean(kb, maestro_cli, tmp_path):
    state = json.loads((CLINIC / "state.json").read_text())
    answers = ",".join("y" if state["depth_answers"][str(i)] else "n" for i in range(1, 6))
    code, _, err = maestro_cli("new", "clinic-assistant", "--dir", tmp_path, "--prefix", state["prefix"], "--answers", answers)
    assert code == 0, err
    folder = tmp_path / "clinic-assistant"
    for n in range(1, 11):                                   # "The loop for every phase"
        name = kb.phases[n]["output_file"]
        _mark(maestro_cli, tmp_path, n, "in_progress")                    # step 1
        shutil.copy(CLINIC / name, folder / name)            # steps 2-5: the phase file, written
        _clean(_check(maestro_cli, folder), f"phase {n} before it is marked complete")   # step 6
        _mark(maestro_cli, tmp_path, n, "complete")                       # step 7 (Phase 10: before the export)
    code, out, err = maestro_cli("export", "clinic-assistant", "--dir", tmp_path)   # Phase 10: export last
    assert code == 0, out + err
    exported = json.loads((folder / "threat-model.json").read_text())
    assert set(exported["phase_status"].values()) == {"complete"}
    _clean(_check(maestro_cli, folder / "threat-model.json"), "the export")
    _clean(_check(maestro_cli, folder), "the project after the export")


def test_phase_2_answers_are_pending_until_phase_2_is_complete(kb, maestro_cli, tmp_path):
    """The Phase 2 record disagrees with state.json only until `mark 2 complete` copies it: pending, not an error."""
    maestro_cli("new", "clinic-assistant", "--dir", tmp_path, "--prefix", "CLN", "--answers", "n,n,y,n,n")
    folder = tmp_path / "clinic-assistant"
    for n in (1, 2):
        _mark(maestro_cli, tmp_path, n, "in_progress")
        shutil.copy(CLINIC / kb.phases[n]["output_file"], folder / kb.phases[n]["output_file"])
        if n == 1:
            _mark(maestro_cli, tmp_path, 1, "complete")
    doc = _check(maestro_cli, folder)
    assert {f["severity"] for f in doc["findings"] if f["rule"] == "MC110"} == {"pending"} and doc["code"] == 0
    _mark(maestro_cli, tmp_path, 2, "complete")
    p2 = folder / kb.phases[2]["output_file"]
    p2.write_text(re.sub(r"^uses_mcp: true$", "uses_mcp: false", p2.read_text(), flags=re.M))
    assert {f["severity"] for f in _check(maestro_cli, folder)["findings"] if f["rule"] == "MC110"} == {"error"}


def test_record_blocks_shown_in_agents_md_follow_the_schema(kb):
    from maestro import engagement, jsonschema_check
    import yaml
    props = engagement.threat_model_schema(kb)["properties"]
    blocks = re.findall(r"^```yaml maestro\n(.*?)^```$", AGENTS.read_text(encoding="utf-8"), re.S | re.M)
    assert len(blocks) >= 3
    for body in blocks:
        for key, value in yaml.safe_load(body).items():
            assert jsonschema_check.schema_errors(value, props[key]) == [], key
