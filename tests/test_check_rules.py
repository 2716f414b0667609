"""The planted-fault corpus: one complete, clean engagement, and one planted mistake per row.

The engagement in tests/fixtures/engagement/clinic-assistant/ is what an agent following AGENTS.md
leaves after Phase 10 (standard depth, single agent, two MCP servers). Each row copies it, plants
one fault and asserts that `maestro check` reports it with its rule code, file and ID, with the
right exit code, and that the check changed no file. Every rule in the registry has a row.
"""
from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
import yaml

from maestro import checks, engagement, scoring
from maestro.findings import TO_FILL

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "engagement" / "clinic-assistant"
def source_tree(records: dict, root: Path) -> Path:
    """A source tree in which every Phase 8 citation of ``records`` holds: each cited file with enough lines, and each
    cited snippet on its line."""
    for cv in records.get("code_validation", []):
        path = root / cv["file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = path.read_text().split("\n") if path.exists() else []
        last = int(str(cv.get("line", 1)).split("-")[-1])
        lines += [f"# line {n}" for n in range(len(lines) + 1, last + 1)]
        if cv.get("snippet"):
            lines[int(str(cv["line"]).split("-")[0]) - 1] = cv["snippet"]
        path.write_text("\n".join(lines))
    return root


@pytest.fixture
def eng(engagement_at, tmp_path):
    dst = tmp_path / "clinic-assistant"
    shutil.copytree(FIXTURE, dst)
    e = engagement_at(dst)
    e.source = source_tree(e.records(8), tmp_path / "source")
    return e


def test_the_fixture_is_clean(eng):
    code, doc = eng.check()
    assert code == 0 and doc["findings"] == [], doc["findings"]
    code, doc = eng.check(eng.folder / "threat-model.json")
    assert code == 0 and doc["findings"] == [], doc["findings"]


def test_the_fixture_exercises_the_method(kb, engagement_at):
    e = engagement_at(FIXTURE)
    levels = [scoring.risk_level(kb, t["severity"], t["likelihood"]) for t in e.threats()]
    assert levels.count("Critical") + levels.count("High") >= 4 and {"Medium", "Low"} <= set(levels)
    st = json.loads((FIXTURE / "state.json").read_text())
    assert all(p["status"] == "complete" for p in st["phases"].values()) and st["analysis_depth"] == "standard"
    assert e.records(8)["code_validation"] and e.records(9)["residual_risks"] and e.records(10)["roadmap"]


# ====================================================================== planting
@dataclass
class Want:
    file: str                  # the file the finding must name (a suffix of its path)
    id: str | None = None      # the ID it must name, when it names one
    severity: str = "error"


@dataclass
class Case:
    rule: str
    what: str
    plant: Callable[[Eng], Want]
    target: str = "folder"     # folder, or export (check threat-model.json alone)


def _first(items, pred=lambda x: True):
    return next(x for x in items if pred(x))


def _mit_with_cv(e: Eng):
    cvs = e.records(8)["code_validation"]
    return _first(e.mitigations(), lambda m: m["status"] == "Implemented" and any(cv["mitigation"] == m["id"] for cv in cvs))


def _replace_in(e: Eng, n, old, new, count=1):
    text = e.text(n)
    assert old in text, f"{old!r} not in {e.file(n)}"
    e.write(n, text.replace(old, new, count))


def plant_deleted_file(e):
    e.path(4).unlink()
    return Want(e.file(4), "phase 4")


def plant_no_block(e):
    text, m = e._block(3)
    e.write(3, text[:m.start()] + text[m.end():])
    return Want(e.file(3), "phase 3")


def plant_fence(opener, closer="```"):
    def plant(e):
        text, m = e._block(6)
        block = text[m.start():m.end()]
        new = opener + block[len("```yaml maestro"):-3] + closer
        e.write(6, text[:m.start()] + new + text[m.end():])
        return Want(e.file(6), "phase 6")
    return plant


def plant_second_block(e):
    e.write(7, e.text(7) + "\n```yaml maestro\nmitigations: []\n```\n")
    return Want(e.file(7), "phase 7")


def plant_bad_yaml(e):
    _replace_in(e, 5, "```yaml maestro\n", "```yaml maestro\nassets: [unclosed\n")
    return Want(e.file(5), "phase 5")


def plant_misplaced_key(e):
    e.edit(1, lambda d: d.update(mitigations=[{"id": "L1-P1"}]))
    return Want(e.file(1), "phase 1")


def plant_empty_phase(e):
    e.edit(3, lambda d: d.update(threat_actors=[]))
    return Want(e.file(3), "phase 3")


def plant_no_threats(e):
    e.edit(6, lambda d: d.update(threats=[], attack_chains=[]))
    return Want(e.file(6), "phase 6")


def plant_schema(e):
    tid = e.threats()[0]["id"]
    e.edit(6, lambda d: d["threats"][0].update(severity="Severe"))
    return Want(e.file(6), tid)


def plant_duplicate_id(e):
    data = e.records(1)
    first, second = data["assumptions"][0]["id"], data["assumptions"][1]["id"]
    data["assumptions"][1]["id"] = first
    e.set_records(1, data)
    return Want(e.file(1), first)


def plant_state_disagrees(e):
    st = json.loads(e.path("state.json").read_text())
    st["uses_mcp"] = not st["uses_mcp"]
    e.path("state.json").write_text(json.dumps(st, indent=2))
    return Want(e.file(2), "phase 2")


def plant_stale_export(e):
    """A phase file edited after the export (its digest no longer matches), whatever the file times say."""
    import os
    import time
    e.insert_prose(5, "The booking flow was re-read after the export.")
    tm = e.path("threat-model.json")
    future = time.time() + 1000
    os.utime(tm, (future, future))
    return Want("threat-model.json", None, "warning")


def plant_edited_export(e):
    """A forged export, and every phase file touched so that file times would call it stale."""
    import os
    import time
    tm = e.path("threat-model.json")
    doc = json.loads(tm.read_text())
    doc["threats"][0]["severity"] = "Low"
    tm.write_text(json.dumps(doc, indent=2))
    future = time.time() + 1000
    for p in e.folder.glob("[01][0-9]-*.md"):
        os.utime(p, (future, future))
    return Want("threat-model.json", "threats")


def _state(e, fn):
    st = json.loads(e.path("state.json").read_text())
    fn(st)
    e.path("state.json").write_text(json.dumps(st, indent=2))


def _export(e, fn):
    tm = e.path("threat-model.json")
    doc = json.loads(tm.read_text())
    fn(doc)
    tm.write_text(json.dumps(doc, indent=2))


def plant_skip_by_hand(n, reason=None):
    def plant(e):
        _state(e, lambda st: st["phases"][str(n)].update({"status": "skipped", **({"reason": reason} if reason else {})}))
        return Want("state.json", f"phase {n}")
    return plant


def plant_export_skips(e):
    _export(e, lambda d: d["phase_status"].update({"7": "skipped"}))
    return Want("threat-model.json", "phase 7")


def plant_scope_narrowed(e):
    _state(e, lambda st: st["layer_scope"].remove("L6"))
    return Want("state.json", None)


def plant_export_gone(e):
    e.path("threat-model.json").unlink()
    return Want("state.json", "10j")


def plant_export_bad_schema(e):
    _export(e, lambda d: d["threats"][0].update(severity="Severe"))
    return Want("threat-model.json", None)


def plant_export_claims_progress(e):
    _state(e, lambda st: st["phases"]["9"].update(status="in_progress"))
    return Want("threat-model.json", "phase 9")


def plant_nan(e):
    def nan(d):
        d["residual_risks"][0]["effective_risk"] = float("nan")
    e.edit(9, nan)
    return Want(e.file(9), None)


def plant_id_newline(e):
    e.edit(9, lambda d: d["residual_risks"][0].update(threat=d["residual_risks"][0]["threat"] + "\n"))
    return Want(e.file(9), None)


def plant_placeholder_evidence(value):
    def plant(e):
        def drop_validation(d):
            d["code_validation"] = [cv for cv in d["code_validation"] if cv["mitigation"] != target["id"]]
        target = next(m for m in e.mitigations() if m["status"] != "Not Implemented")
        e.edit(8, drop_validation)
        e.edit(7, lambda d: next(m for m in d["mitigations"] if m["id"] == target["id"]).update(evidence=value))
        return Want(e.file(7), target["id"])
    return plant


def plant_citation(field, value, rule_file=8):
    def plant(e):
        e.edit(8, lambda d: d["code_validation"][0].update({field: value}))
        return Want(e.file(rule_file), e.records(8)["code_validation"][0]["id"])
    return plant


def plant_indented_fence(e):
    """A description written as a block scalar holding a code sample: its indented ``` would end the block early."""
    text = e.text(7)
    at = text.index("  description: >-\n", text.index("```yaml maestro"))
    e.write(7, text[:at] + "  description: |-\n    Sample:\n    ```\n    x = 1\n" + text[at + len("  description: >-\n"):])
    return Want(e.file(7), "phase 7")


def plant_table_level(e):
    """The template's table (one record per column) says Low where the record block says otherwise."""
    t = e.threats()[0]
    wrong = next(x for x in ("Low", "Medium", "High", "Critical") if x != t["severity"])
    text = e.text(6)
    row = next(ln for ln in text.split("\n") if ln.startswith("| Severity"))
    cells = row.split("|")
    header = next(ln for ln in text.split("\n") if ln.startswith("| Field") and t["id"] in ln).split("|")
    cells[header.index(f" {t['id']} ")] = f" {wrong} "
    e.write(6, text.replace(row, "|".join(cells), 1))
    return Want(e.file(6), t["id"])


def plant_summary_table(e):
    """A summary table (one record per row) that shows a Critical, Deferred risk as Low and Mitigated."""
    r = e.records(9)["residual_risks"][0]
    e.insert_prose(9, f"| Residual | Threat | Residual risk | Disposition |\n|---|---|---|---|\n| {r['id']} | {r['threat']} | Low | "
                      f"{'Mitigated' if r['disposition'] != 'Mitigated' else 'Accepted'} |")
    return Want(e.file(9), r["id"])


def plant_unfit_control(e):
    """A catalog control linked to a threat the catalog never links it to: it must earn nothing there."""
    t = e.threats()[0]
    mid = next(m for m in e.kb.mitigations if e.kb.mitigation_type(m) == "C" and not set(e.kb.mitigations[m]["addresses"])
               & {r["id"] if isinstance(r, dict) else r for r in t["maps_to"]} and not e.kb.mitigations[m].get("scope"))
    e.edit(6, lambda d: d["threats"][0]["mitigations"].append(mid))
    e.edit(7, lambda d: d["mitigations"].append({"id": mid, "name": e.kb.mitigations[mid]["name"], "type": "corrective",
                                                  "addresses": [t["id"]], "status": "Not Implemented",
                                                  "owner": "Kofi Mensah (AI Engineer)"}))
    return Want(e.file(6), t["id"])


def plant_unfit_local_control(e):
    """A project control whose catalog control addresses none of the threat's taxonomy threats (DDoS protection
    borrowed as the preventive control of a prompt-injection threat)."""
    t = next(x for x in e.threats() if any((r["id"] if isinstance(r, dict) else r) == "T6" for r in x["maps_to"]))
    cat = next(m for m in e.kb.mitigations if e.kb.mitigation_type(m) == "P" and "T6" not in e.kb.mitigations[m]["addresses"]
               and "T2" not in e.kb.mitigations[m]["addresses"] and not e.kb.mitigations[m].get("scope"))
    e.edit(6, lambda d: next(x for x in d["threats"] if x["id"] == t["id"])["mitigations"].append("CLN-M99"))
    e.edit(7, lambda d: d["mitigations"].append({"id": "CLN-M99", "name": "Borrowed control", "type": "preventive",
                                                  "implements": [cat], "addresses": [t["id"]], "status": "Not Implemented",
                                                  "owner": "Kofi Mensah (AI Engineer)"}))
    return Want(e.file(6), t["id"])


def plant_no_source(e):
    e.source = None
    return Want(e.file(8), e.records(8)["code_validation"][0]["id"], "warning")


def plant_invalid_state(e):
    st = json.loads(e.path("state.json").read_text())
    st["analysis_depth"] = "deep"
    e.path("state.json").write_text(json.dumps(st, indent=2))
    return Want("state.json")


def plant_prose(n, line, ident, severity="error"):
    def plant(e):
        e.insert_prose(n, line)
        return Want(e.file(n), ident, severity)
    return plant


def plant_in_state(text, ident):
    def plant(e):
        st = json.loads(e.path("state.json").read_text())
        st["phases"]["8"]["reason"] = text
        e.path("state.json").write_text(json.dumps(st, indent=2))
        return Want("state.json", ident)
    return plant


def plant_in_record(n, key, field, text, ident):
    def plant(e):
        e.edit(n, lambda d: d[key][0].update({field: text}))
        return Want(e.file(n), ident)
    return plant


def plant_bad_local_prefix(e):
    def fn(d):
        m = _first(d["mitigations"], lambda m: "-M" in m["id"])
        m["id"] = "ZZZ-M1"
    old = _first(e.mitigations(), lambda m: "-M" in m["id"])["id"]
    e.edit(7, fn)
    for n in (6, 8, 9, 10):
        e.write(n, e.text(n).replace(old + "\n", "ZZZ-M1\n").replace(old + ",", "ZZZ-M1,").replace(old + "]", "ZZZ-M1]"))
    return Want(e.file(7), "ZZZ-M1")


def plant_wrong_kind(e):
    tid = e.threats()[0]["id"]
    e.edit(6, lambda d: d["threats"][0]["maps_to"].append({"id": "BV-2", "name": e.kb.name_of("BV-2")}))
    return Want(e.file(6), tid)


def plant_risk(e):
    t = e.threats()[0]
    wrong = _first(["Low", "Medium", "High", "Critical"], lambda x: x != t["risk"])
    e.edit(6, lambda d: d["threats"][0].update(risk=wrong))
    return Want(e.file(6), t["id"])


def plant_unmapped(e):
    t = e.threats()[-1]
    e.edit(6, lambda d: d["threats"][-1].update(maps_to=[], blindspots=[], gap=""))
    return Want(e.file(6), t["id"])


def plant_no_crosswalk(e):
    t = _first(e.threats(), lambda t: t.get("llm_top10"))
    e.edit(6, lambda d: _first(d["threats"], lambda x: x["id"] == t["id"]).pop("llm_top10"))
    return Want(e.file(6), t["id"], "warning")


def _unlink(e, tid, mid):
    e.edit(6, lambda d: _first(d["threats"], lambda t: t["id"] == tid)["mitigations"].remove(mid))
    e.edit(7, lambda d: _first(d["mitigations"], lambda m: m["id"] == mid)["addresses"].remove(tid))


def plant_missing_type(e):
    t = e.severe()[0]
    mits = {m["id"]: m for m in e.mitigations()}
    for mid in [m for m in t["mitigations"] if mits[m]["type"] == "detective"]:
        _unlink(e, t["id"], mid)
    return Want(e.file(6), t["id"])


def plant_single_control(e):
    t = _first(e.threats(), lambda t: scoring.risk_level(e.kb, t["severity"], t["likelihood"]) in ("Low", "Medium"))
    for mid in t["mitigations"][1:]:
        _unlink(e, t["id"], mid)
    return Want(e.file(6), t["id"], "warning")


def plant_deterrent_only(e):
    t = _first(e.threats(), lambda t: scoring.risk_level(e.kb, t["severity"], t["likelihood"]) in ("Low", "Medium"))
    for mid in list(t["mitigations"]):
        _unlink(e, t["id"], mid)
    for mid in ("L1-R1", "L1-R2"):
        e.edit(6, lambda d: _first(d["threats"], lambda x: x["id"] == t["id"])["mitigations"].append(mid))
        e.edit(7, lambda d: d["mitigations"].append({"id": mid, "name": e.kb.mitigations[mid]["name"], "type": "deterrent",
                                                       "addresses": [t["id"]], "status": "Not Implemented"}))
    return Want(e.file(6), t["id"], "warning")


def plant_relabelled_type(e):
    m = _first(e.mitigations(), lambda m: m["id"] in e.kb.mitigations and m["type"] == "preventive")
    e.edit(7, lambda d: _first(d["mitigations"], lambda x: x["id"] == m["id"]).update(type="detective"))
    return Want(e.file(7), m["id"])


def plant_local_type(e):
    m = _first(e.mitigations(), lambda m: m.get("implements"))
    other = _first(["preventive", "detective", "corrective"], lambda x: x != m["type"])
    e.edit(7, lambda d: _first(d["mitigations"], lambda x: x["id"] == m["id"]).update(type=other))
    return Want(e.file(7), m["id"])


def plant_one_way_link(e):
    t = e.threats()[0]
    mid = t["mitigations"][0]
    e.edit(7, lambda d: _first(d["mitigations"], lambda m: m["id"] == mid)["addresses"].remove(t["id"]))
    return Want(e.file(6), t["id"])


def plant_overclaim(e):
    m = _mit_with_cv(e)
    e.edit(8, lambda d: _first(d["code_validation"], lambda cv: cv["mitigation"] == m["id"]).update(verified_status="Partially Implemented"))
    return Want(e.file(7), m["id"])


def plant_unverified(e):
    m = _mit_with_cv(e)
    e.edit(8, lambda d: d.update(code_validation=[cv for cv in d["code_validation"] if cv["mitigation"] != m["id"]]))
    return Want(e.file(7), m["id"], "warning")


def plant_no_residual(e):
    t = e.severe()[0]
    e.edit(9, lambda d: d.update(residual_risks=[r for r in d["residual_risks"] if r["threat"] != t["id"]]))
    return Want(e.file(6), t["id"])


def _residual_of(e, pred):
    return _first(e.records(9)["residual_risks"], pred)


def plant_effective(e):
    r = _residual_of(e, lambda r: True)
    e.edit(9, lambda d: d["residual_risks"][0].update(effective_risk=r["effective_risk"] + 1))
    return Want(e.file(9), r["id"])


def plant_missing_effective(e):
    r = _residual_of(e, lambda r: True)
    e.edit(9, lambda d: d["residual_risks"][0].pop("effective_risk"))
    return Want(e.file(9), r["id"])


def plant_low_residual(e):
    r = _residual_of(e, lambda r: r["effective_risk"] >= 2)
    e.edit(9, lambda d: _first(d["residual_risks"], lambda x: x["id"] == r["id"]).update(residual="Low"))
    return Want(e.file(9), r["id"])


def plant_false_mitigated(e):
    r = _residual_of(e, lambda r: r["disposition"] != "Mitigated" and r["effective_risk"] > 0)
    e.edit(9, lambda d: _first(d["residual_risks"], lambda x: x["id"] == r["id"]).update(disposition="Mitigated"))
    return Want(e.file(9), r["id"])


def plant_ownerless(e):
    r = _residual_of(e, lambda r: r["disposition"] == "Accepted")
    e.edit(9, lambda d: _first(d["residual_risks"], lambda x: x["id"] == r["id"]).pop("owner"))
    return Want(e.file(9), r["id"])


def plant_undated_deferral(e):
    r = _residual_of(e, lambda r: r["disposition"] == "Deferred")
    e.edit(9, lambda d: _first(d["residual_risks"], lambda x: x["id"] == r["id"]).pop("target_date"))
    return Want(e.file(9), r["id"])


def _open_severe(e):
    ctx = checks.file_context(e.kb, e.path("threat-model.json"))
    return [p for p in ctx.postures.values() if p.level in ("High", "Critical") and p.credit < 1]


def plant_off_roadmap(e):
    tid = _open_severe(e)[0].threat
    e.edit(10, lambda d: [i["threats"].remove(tid) for i in d["roadmap"] if tid in i["threats"]])
    return Want(e.file(6), tid)


def plant_late(e):
    tid = _open_severe(e)[0].threat
    e.edit(10, lambda d: [i.update(phase="Long-term") for i in d["roadmap"] if tid in i["threats"]])
    item = _first(e.records(10)["roadmap"], lambda i: tid in i["threats"])
    return Want(e.file(10), item["id"])


def plant_unknown_top_risk(e):
    e.edit(10, lambda d: d["summary"]["top_risks"].__setitem__(0, "CLN-T99"))
    return Want(e.file(10), "CLN-T99")


def plant_revoked(e):
    """A knowledge base where T44 is revoked in favour of T8 (patched in memory), and the model still cites T44."""
    import copy
    e.insert_prose(6, "Logging gaps as in T44 apply too.")
    kb = copy.copy(e.kb)
    kb.threats = dict(e.kb.threats, T44=dict(e.kb.threats["T44"], status="revoked", revoked={"replaced_by": "T8", "version": "9.9.9", "reason": "test"}))
    e.patched_kb = kb
    return Want(e.file(6), "T44")


def plant_no_consent(e):
    e.edit(1, lambda d: d["business_context"].pop("consent"))
    return Want(e.file(1), None)


def plant_no_disclaimer(e):
    text = e.text(5)
    e.write(5, text.replace(engagement.DISCLAIMER, "Reviewed internally."))
    return Want(e.file(5), "phase 5")


def plant_text_after_disclaimer(e):
    e.write(2, e.text(2) + "\n## Late notes\n\nOne more thing about the scheduler.\n")
    return Want(e.file(2), "phase 2")


def plant_secret(e):
    key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB\n-----END RSA PRIVATE KEY-----"
    e.insert_prose(8, "Found in the deploy repository:\n\n" + key)
    return Want(e.file(8), None)


def plant_export_without_disclaimer(e):
    tm = e.path("threat-model.json")
    doc = json.loads(tm.read_text())
    doc["disclaimer"] = "Reviewed."
    tm.write_text(json.dumps(doc, indent=2))
    return Want("threat-model.json", None)


def plant_records_in_unstarted_phase(e):
    st = json.loads(e.path("state.json").read_text())
    st["phases"]["9"]["status"] = "pending"          # residual risks are written, but the phase claims not to have started
    e.path("state.json").write_text(json.dumps(st, indent=2))
    return Want(e.file(9), "phase 9")


def plant_draft_export(e):
    tm = e.path("threat-model.json")
    doc = json.loads(tm.read_text())
    doc["phase_status"] = {str(n): "complete" for n in range(1, 11)} | {"10": "in_progress"}
    tm.write_text(json.dumps(doc, indent=2))
    return Want("threat-model.json", None, "warning")


def plant_migration_gap(e):
    """A code-validation record as `maestro migrate` leaves it when the old record named no verified status."""
    cv = e.records(8)["code_validation"][0]

    def gap(d):
        d["code_validation"][0]["verified_status"] = f"{TO_FILL}: verified_status (release 1.0.0 recorded none)"
    e.edit(8, gap)
    return Want(e.file(8), cv["id"])


def plant_unscored(e):
    t = e.threats()[0]

    def drop(d):
        d["threats"][0].pop("likelihood")
        d["threats"][0].pop("risk", None)
    e.edit(6, drop)
    return Want(e.file(6), t["id"])


def plant_export_unknown_id(e):
    tm = e.path("threat-model.json")
    doc = json.loads(tm.read_text())
    doc["threats"][0]["description"] += " Compare T99 and /blindspots/BV-13/."
    tm.write_text(json.dumps(doc, indent=2))
    return Want("threat-model.json", "T99")


CASES = [
    Case("MC101", "deleted phase file", plant_deleted_file),
    Case("MC102", "complete phase without record block", plant_no_block),
    Case("MC103", "plain yaml fence", plant_fence("```yaml")),
    Case("MC103", "tilde fence", plant_fence("~~~yaml maestro", "~~~")),
    Case("MC103", "typo in the info string", plant_fence("```yaml maestor")),
    Case("MC103", "yml instead of yaml", plant_fence("```yml maestro")),
    Case("MC103", "indented opener", plant_fence("  ```yaml maestro", "  ```")),
    Case("MC104", "two record blocks", plant_second_block),
    Case("MC105", "record block not YAML", plant_bad_yaml),
    Case("MC106", "key of another phase", plant_misplaced_key),
    Case("MC107", "complete phase, empty record", plant_empty_phase),
    Case("MC107", "ten phases complete, no threats", plant_no_threats),
    Case("MC108", "schema violation", plant_schema),
    Case("MC109", "duplicate record ID", plant_duplicate_id),
    Case("MC110", "state.json disagrees with Phase 2", plant_state_disagrees),
    Case("MC111", "stale export", plant_stale_export),
    Case("MC112", "hand-edited export", plant_edited_export),
    Case("MC113", "invalid state.json", plant_invalid_state),
    Case("MC114", "records in a phase marked pending", plant_records_in_unstarted_phase),
    Case("MC115", "export of an unfinished model", plant_draft_export, "export"),
    Case("MC116", "value a migration could not derive", plant_migration_gap),
    Case("MC201", "invented threat ID in prose", plant_prose(2, "The gateway also worries us for T99.", "T99")),
    Case("MC201", "invented ID behind a zero-width space", plant_prose(3, "See T\u200b99 for the scraper.", "T99")),
    Case("MC201", "full-width digits", plant_prose(3, "See \uff34\uff19\uff19 for the scraper.", "T99")),
    Case("MC201", "link to a page that does not exist", plant_prose(4, "Background: [the threat](/threats/T99/).", "T99")),
    Case("MC201", "unknown blindspot", plant_prose(6, "We also scanned BV-13.", "BV-13")),
    Case("MC201", "unknown mitigation", plant_prose(7, "L3-D9 would help too.", "L3-D9")),
    Case("MC201", "unknown layer", plant_prose(2, "The edge cache sits at L9.", "L9")),
    Case("MC201", "unknown ATLAS technique", plant_prose(6, "Compare AML.T9999.", "AML.T9999")),
    Case("MC201", "unknown LLM Top 10 ID", plant_prose(6, "Compare LLM11.", "LLM11")),
    Case("MC201", "unknown Agentic Top 10 ID", plant_prose(6, "Compare ASI11.", "ASI11")),
    Case("MC201", "invented ID in a record's free text", plant_in_record(10, "roadmap", "description", "Also close T98.", "T98")),
    Case("MC201", "invented ID in state.json", plant_in_state("no source access; see T97", "T97")),
    Case("MC202", "reserved ID", plant_prose(6, "This resembles T26.", "T26")),
    Case("MC701", "LLM Top 10 ID without its edition", plant_prose(6, "Compare LLM03 for the policy store.", "LLM03", "warning")),
    Case("MC702", "ATLAS ID retired by a later edition", plant_prose(6, "Compare AML.T0104 for the texting server.", "AML.T0104")),
    Case("MC704", "revoked MAESTRO ID", plant_revoked, "folder"),
    Case("MC703", "Agentic Top 10 title under its former name", plant_prose(6, "ASI02 Tool Misuse and Exploitation fits here.", "ASI02", "warning")),
    Case("MC203", "wrong name in parentheses", plant_prose(6, "The chat path is T6 (Goal Manipulation).", "T6")),
    Case("MC203", "wrong name after a colon", plant_prose(6, "T6: Goal Hijacking Attack", "T6")),
    Case("MC203", "another threat's name after a dash", plant_prose(6, "T6 \u2014 Tool Misuse", "T6")),
    Case("MC203", "name before the ID", plant_prose(6, "We saw Goal Manipulation (T6) twice.", "T6")),
    Case("MC203", "name in the next table cell", plant_prose(6, "| T6 | Goal Hijack | High |", "T6")),
    Case("MC203", "lower-case label", plant_prose(6, "T2 (tool misuse) is the main risk.", "T2")),
    Case("MC203", "mitigation name after the ID", plant_prose(7, "We rely on L3-P1 Tool Allowlist for this.", "L3-P1")),
    Case("MC204", "undefined local threat", plant_prose(9, "CLN-T99 is accepted as well.", "CLN-T99")),
    Case("MC204", "undefined boundary", plant_prose(5, "The flow crosses TB9.", "TB9")),
    Case("MC204", "another project's prefix", plant_prose(6, "Same as PAY-T2 in the payments model.", "PAY-T2")),
    Case("MC205", "local mitigation with a foreign prefix", plant_bad_local_prefix),
    Case("MC206", "blindspot in maps_to", plant_wrong_kind),
    Case("MC207", "zero-width space inside an ID", plant_prose(6, "T\u200b99 is out of scope.", None)),
    Case("MC207", "right-to-left override", plant_prose(7, "Owner: \u202eNIMDA\u202c team.", None)),
    Case("MC207", "Cyrillic letter in an ID", plant_prose(6, "\u042212 applies here as well.", "\u042212")),
    Case("MC207", "Greek letter in a control name", plant_prose(7, "We add a T\u03bfol Allowlist.", "T\u03bfol")),
    Case("MC203", "more IDs than the name budget", plant_prose(6, " ".join(["T2 Tool Misuse;"] * 5001), "T2")),
    Case("MC301", "risk that the matrix does not give", plant_risk),
    Case("MC302", "threat mapped to nothing", plant_unmapped),
    Case("MC303", "crosswalk value missing", plant_no_crosswalk),
    Case("MC304", "High or Critical without a detective control", plant_missing_type),
    Case("MC305", "single control", plant_single_control),
    Case("MC306", "deterrents only", plant_deterrent_only),
    Case("MC307", "catalog control relabelled", plant_relabelled_type),
    Case("MC307", "local control typed against what it implements", plant_local_type),
    Case("MC308", "link in one direction only", plant_one_way_link),
    Case("MC309", "threat without likelihood", plant_unscored),
    Case("MC401", "status above what Phase 8 verified", plant_overclaim),
    Case("MC402", "claimed status never verified", plant_unverified),
    Case("MC403", "High or Critical without residual record", plant_no_residual),
    Case("MC404", "wrong effective risk", plant_effective),
    Case("MC108", "missing effective risk", plant_missing_effective),
    Case("MC405", "residual below effective risk", plant_low_residual),
    Case("MC406", "Mitigated without a verified control", plant_false_mitigated),
    Case("MC407", "Accepted without owner", plant_ownerless),
    Case("MC407", "Deferred without date", plant_undated_deferral),
    Case("MC501", "open Critical or High gap off the roadmap", plant_off_roadmap),
    Case("MC502", "open gap scheduled too late", plant_late),
    Case("MC503", "unknown top risk", plant_unknown_top_risk),
    Case("MC603", "no consent record", plant_no_consent),
    Case("MC601", "disclaimer removed", plant_no_disclaimer),
    Case("MC601", "text after the disclaimer", plant_text_after_disclaimer),
    Case("MC601", "export without disclaimer", plant_export_without_disclaimer, "export"),
    Case("MC602", "private key pasted in", plant_secret),
    Case("MC201", "invented ID in the export", plant_export_unknown_id, "export"),
    Case("MC103", "indented fence inside a block scalar", plant_indented_fence),
    Case("MC141", "template table disagrees with the record", plant_table_level),
    Case("MC141", "summary table shows a softer level and disposition", plant_summary_table),
    Case("MC131", "core phase skipped by hand", plant_skip_by_hand(6)),
    Case("MC131", "phase 8 skipped without a reason", plant_skip_by_hand(8)),
    Case("MC131", "export says a phase was skipped", plant_export_skips, "export"),
    Case("MC132", "layer scope narrowed by hand", plant_scope_narrowed),
    Case("MC133", "export recorded but missing", plant_export_gone),
    Case("MC134", "export that breaks the schema", plant_export_bad_schema),
    Case("MC134", "export claims a phase state.json does not", plant_export_claims_progress),
    Case("MC108", "a number that is not finite", plant_nan),
    Case("MC108", "an ID with a trailing newline", plant_id_newline),
    Case("MC421", "evidence n/a", plant_placeholder_evidence("n/a")),
    Case("MC421", "evidence a dash", plant_placeholder_evidence("-")),
    Case("MC421", "evidence see docs", plant_placeholder_evidence("see docs")),
    Case("MC423", "absolute path", plant_citation("file", "/etc/passwd")),
    Case("MC423", "path climbing out", plant_citation("file", "../../other-repo/app.py")),
    Case("MC423", "line that is no line", plant_citation("line", "somewhere")),
    Case("MC424", "no source tree given", plant_no_source),
    Case("MC425", "file not in the tree", plant_citation("file", "src/not_there.py")),
    Case("MC425", "line past the end", plant_citation("line", 99999)),
    Case("MC425", "snippet not on the line", plant_citation("snippet", "verify=False")),
    Case("MC422", "control the catalog does not link to the threat", plant_unfit_control),
    Case("MC422", "local control implementing an unrelated catalog control", plant_unfit_local_control),
]


# ---------------------------------------------------------------------- method and names rules (MC8xx)
def _clone(record):
    """A deep copy, so the YAML written back holds no anchors."""
    return json.loads(json.dumps(record))


def _rr(d, pred):
    return _first(d["residual_risks"], pred)


def plant_field(n, value, where):
    """Write ``value`` into a field of phase ``n``'s records; ``where`` writes it and returns the ID the finding must name."""
    def plant(e):
        box = []
        e.edit(n, lambda d: box.append(where(d, value)))
        return Want(e.file(n), box[0])
    return plant


def _residual_owner(d, value):
    r = d["residual_risks"][0]
    r["owner"] = value
    return r["id"]


def _mitigation_owner(d, value):
    m = d["mitigations"][0]
    m["owner"] = value
    return m["id"]


def _exception_approver(d, value):
    item = d["roadmap"][-1]
    item["exception"] = {"reason": "The vendor fix ships in the next quarter.", "approved_by": value}
    return item["id"]


def _consent_giver(d, value):
    d["business_context"]["consent"]["given_by"] = value
    return "business_context.consent"


def _consent_date(d, value):
    d["business_context"]["consent"]["date"] = value
    return "business_context.consent"


def _deferred_target(d, value):
    r = _rr(d, lambda r: r.get("target_date"))
    r["target_date"] = value
    return r["id"]


def _next_review(d, value):
    d["summary"]["next_review"] = value
    return "summary"


def plant_export_stale_review(e):
    tm = e.path("threat-model.json")
    doc = json.loads(tm.read_text())
    doc["summary"]["next_review"] = "2024-01-04"          # long before the export's own date
    tm.write_text(json.dumps(doc, indent=2))
    return Want("threat-model.json", "summary")


def plant_rare_review(e):
    box = []

    def fn(d):
        r = _rr(d, lambda r: r["residual"] in ("Critical", "High"))
        r["review"] = "Annually"
        box.append(r["id"])
    e.edit(9, fn)
    return Want(e.file(9), box[0])


def plant_second_residual(e):
    def fn(d):
        twin = dict(_clone(d["residual_risks"][0]), id="RR99")
        d["residual_risks"].append(twin)
    e.edit(9, fn)
    return Want(e.file(9), "RR99")


def plant_twin_threat(shout=False):
    def plant(e):
        def fn(d):
            t = d["threats"][0]
            twin = dict(_clone(t), id="CLN-T99", severity="Low", likelihood="Unlikely", risk="Low", mitigations=[])
            if shout:
                twin["name"] = "  " + t["name"].upper() + " "
                twin["description"] = t["description"].replace(" ", "  ")
            d["threats"].append(twin)
        e.edit(6, fn)
        return Want(e.file(6), "CLN-T99")
    return plant


def _eff(e):
    ctx = checks.file_context(e.kb, e.path("threat-model.json"))
    return {tid: p.effective for tid, p in ctx.postures.items()}


def plant_low_top_risk(e):
    eff = _eff(e)
    top = e.records(10)["summary"]["top_risks"]
    low = min((t for t in eff if t not in top), key=lambda t: eff[t])
    e.edit(10, lambda d: d["summary"]["top_risks"].__setitem__(-1, low))
    return Want(e.file(10), low)


def plant_short_top_risks(e):
    e.edit(10, lambda d: d["summary"].update(top_risks=d["summary"]["top_risks"][:2]))
    return Want(e.file(10), None)


def plant_wrong_count(e):
    e.edit(10, lambda d: d["summary"]["threat_counts"].update(high=d["summary"]["threat_counts"]["high"] - 1))
    return Want(e.file(10), "summary")


def plant_rosy_posture(e):
    e.edit(10, lambda d: d["summary"].update(posture="Low"))
    return Want(e.file(10), "summary")


def plant_complete_unbuilt(e):
    box = []

    def fn(d):
        item = d["roadmap"][0]
        item["status"] = "Complete"
        box.append(item["id"])
    e.edit(10, fn)
    return Want(e.file(10), box[0])


def plant_wrong_kind_in(n, key, field, value):
    def plant(e):
        box = []

        def fn(d):
            r = d[key][0]
            if isinstance(r[field], list):
                r[field].append(value)
            else:
                r[field] = value
            box.append(r.get("id") or r["name"])
        e.edit(n, fn)
        return Want(e.file(n), box[0])
    return plant


def plant_mcp_unconsidered(e):
    mcp = {t for t, x in e.kb.threats.items() if x.get("mcp")}
    e.edit(6, lambda d: [t.update(maps_to=[r for r in t["maps_to"] if r["id"] not in mcp] or [{"id": "T2", "name": e.kb.name_of("T2")}])
                         for t in d["threats"]])
    return Want(e.file(6), "uses_mcp")


def plant_stub(n, key, keep):
    def plant(e):
        box = []

        def fn(d):
            r = d[key][-1]
            box.append(r["id"])
            d[key][-1] = {k: r[k] for k in keep}
        e.edit(n, fn)
        return Want(e.file(n), box[0])
    return plant


def plant_state_prefix(prefix):
    def plant(e):
        st = json.loads(e.path("state.json").read_text())
        st["prefix"] = prefix
        e.path("state.json").write_text(json.dumps(st, indent=2))
        return Want("state.json", prefix)
    return plant


def plant_export_prefix(e):
    tm = e.path("threat-model.json")
    doc = json.loads(tm.read_text())
    doc["prefix"] = "AML"
    tm.write_text(json.dumps(doc, indent=2))
    return Want("threat-model.json", "AML")


def plant_unknown_name(n, key, field, value, scalar=False):
    def plant(e):
        box = []

        def fn(d):
            r = d[key][0]
            if scalar:
                r[field] = value
            else:
                r[field] = list(r.get(field) or []) + [value]
            box.append(r.get("id") or r["name"])
        e.edit(n, fn)
        return Want(e.file(n), box[0])
    return plant


def plant_disjoint_layers(e):
    tid = e.threats()[3]["id"]
    theirs = {layer for r in e.threats()[3]["maps_to"] for layer in e.kb.threat_layers[r["id"]]}
    other = next(layer for layer in ("L7", "L5", "L4", "L3", "L1", "L2", "L6") if layer not in theirs)
    e.edit(6, lambda d: d["threats"][3].update(layers=[other]))
    return Want(e.file(6), tid, "warning")


def plant_foreign_crosswalk(field, value):
    def plant(e):
        tid = e.threats()[3]["id"]
        e.edit(6, lambda d: d["threats"][3].__setitem__(field, list(d["threats"][3].get(field) or []) + [value]))
        return Want(e.file(6), tid, "warning")
    return plant


CASES += [
    Case("MC801", "AI assistant owns a residual risk", plant_field(9, "Claude (AI assistant)", _residual_owner)),
    Case("MC801", "placeholder owns a mitigation", plant_field(7, "TBD", _mitigation_owner)),
    Case("MC801", "distribution list approves an exception", plant_field(10, "security-team@northbrook.example", _exception_approver)),
    Case("MC801", "team alias owns a residual risk", plant_field(9, "Platform team", _residual_owner)),
    Case("MC801", "job title with nobody named gives consent", plant_field(1, "Director of Digital Patient Services", _consent_giver)),
    Case("MC801", "the user gives consent", plant_field(1, "the user", _consent_giver)),
    Case("MC802", "impossible consent date", plant_field(1, "2026-02-30", _consent_date)),
    Case("MC802", "month 13", plant_field(9, "2026-13-01", _deferred_target)),
    Case("MC802", "quarter as a target date", plant_field(9, "Q3", _deferred_target)),
    Case("MC802", "template text as a date", plant_field(9, "YYYY-MM-DD", _deferred_target)),
    Case("MC802", "date not written YYYY-MM-DD", plant_field(10, "01/04/2027", _next_review)),
    Case("MC803", "target date years before the engagement", plant_field(9, "2024-06-30", _deferred_target)),
    Case("MC803", "consent older than a year", plant_field(1, "2025-06-01", _consent_date)),
    Case("MC803", "stale review date in the export", plant_export_stale_review, "export"),
    Case("MC804", "severe residual reviewed annually", plant_rare_review),
    Case("MC805", "two residual records for one threat", plant_second_residual),
    Case("MC806", "verbatim twin rated lower", plant_twin_threat()),
    Case("MC806", "twin differing only in case and spacing", plant_twin_threat(shout=True)),
    Case("MC807", "low threat among the top risks", plant_low_top_risk),
    Case("MC807", "top risks cut short", plant_short_top_risks),
    Case("MC808", "summary count off by one", plant_wrong_count),
    Case("MC809", "posture rosier than the register", plant_rosy_posture),
    Case("MC810", "roadmap item Complete with unbuilt controls", plant_complete_unbuilt),
    Case("MC811", "residual-risk ID as a threat's mitigation", plant_wrong_kind_in(6, "threats", "mitigations", "RR1")),
    Case("MC811", "asset ID as a roadmap mitigation", plant_wrong_kind_in(10, "roadmap", "mitigations", "AF2")),
    Case("MC811", "threat ID as the validated mitigation", plant_wrong_kind_in(8, "code_validation", "mitigation", "CLN-T3")),
    Case("MC811", "mitigation ID in an attack chain", plant_wrong_kind_in(6, "attack_chains", "threats", "CLN-M1")),
    Case("MC812", "MCP system with no MCP threat and no reason", plant_mcp_unconsidered),
    Case("MC813", "assumption reduced to its ID", plant_stub(1, "assumptions", ("id",))),
    Case("MC813", "threat actor reduced to ID and name", plant_stub(3, "threat_actors", ("id", "name"))),
    Case("MC814", "prefix of the CWE family", plant_state_prefix("CWE")),
    Case("MC814", "prefix that reads as a layer", plant_state_prefix("L3")),
    Case("MC814", "ATLAS prefix in the export", plant_export_prefix, "export"),
    Case("MC851", "threat names a component Phase 2 lacks", plant_unknown_name(6, "threats", "affected_components", "payment gateway")),
    Case("MC851", "misspelt component in a trust zone", plant_unknown_name(4, "trust_zones", "components", "agent runtme")),
    Case("MC851", "data flow to an undefined component", plant_unknown_name(5, "data_flows", "to", "SMS provider", scalar=True)),
    Case("MC851", "boundary from an undefined zone", plant_unknown_name(4, "trust_boundaries", "from", "Internet", scalar=True)),
    Case("MC852", "layers apart from the mapped threats", plant_disjoint_layers),
    Case("MC853", "CWE no mapped entry carries", plant_foreign_crosswalk("cwe", "CWE-79")),
    Case("MC853", "STRIDE letter no mapped entry carries", plant_foreign_crosswalk("stride", "R")),
]

# ---------------------------------------------------------------------- the sweep's candidates (MC431)
def plant_unreviewed_sweep(e):
    """A sweep.json as `maestro sweep --project` writes it, with one finding nobody has reviewed yet."""
    from maestro import sweep
    hit = sweep.Finding("SW-PY-002", "src/agent/tools.py", 41, ["T11", "T2"], ["CWE-78"], "L3-P1", "A shell runs a built command line.")
    doc = sweep.record(sweep.Result([hit], ["src/agent/tools.py"], "semgrep"), e.folder, None, None)
    e.path(sweep.RESULT_FILE).write_text(json.dumps(doc, indent=2))
    return Want(sweep.RESULT_FILE, "SW-PY-002:src/agent/tools.py:41")


CASES += [
    Case("MC431", "sweep finding not reviewed", plant_unreviewed_sweep),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}-{c.what.replace(' ', '-')}")
def test_planted_fault(eng, case):
    want = case.plant(eng)
    target = eng.folder / "threat-model.json" if case.target == "export" else eng.folder
    before = eng.snapshot()
    code, doc = eng.check(target)
    assert eng.snapshot() == before, "check changed a file"
    found = [f for f in doc["findings"] if f["rule"] == case.rule]
    assert found, f"{case.rule} not reported; got {[(f['rule'], f['message']) for f in doc['findings']]}"
    match = [f for f in found if f["file"].endswith(want.file) and (want.id is None or f["id"] == want.id)]
    assert match, f"{case.rule} reported elsewhere: {[(f['file'], f['id'], f['message']) for f in found]}"
    assert match[0]["severity"] == want.severity and match[0]["hint"] and match[0]["line"] >= 1
    assert code == (1 if any(f["severity"] == "error" for f in doc["findings"]) else 0)
    if want.severity == "error":
        assert code == 1


def test_every_rule_has_a_planted_fault():
    assert {c.rule for c in CASES} == set(checks.RULES)


def test_forward_reference_to_a_later_phase_is_pending(kb, maestro_cli, engagement_at, tmp_path):
    code, out, err = maestro_cli("new", "fwd", "--dir", tmp_path, "--prefix", "FWD", "--depth", "lightweight")
    folder = tmp_path / "fwd"
    for n in ("1", "2", "6"):
        maestro_cli("mark", "fwd", n, "complete" if n != "6" else "in_progress", "--dir", tmp_path)
    e = engagement_at(folder)
    e.insert_prose(6, "CV4 will check the refund cap; RR2 records who accepts the rest.")
    code, doc = e.check()
    hits = {f["id"]: f["severity"] for f in doc["findings"] if f["rule"] == "MC204"}
    assert hits == {"CV4": "pending", "RR2": "pending"}


def test_an_exported_draft_is_checked_like_the_project(kb, maestro_cli, engagement_at, tmp_path):
    """A lightweight model exported mid-way: unstarted phases are pending in the file too, and it is labelled a draft."""
    maestro_cli("new", "mid", "--dir", tmp_path, "--prefix", "MID", "--depth", "lightweight")
    folder = tmp_path / "mid"
    e = engagement_at(folder)
    e.set_records(1, {"business_context": {"application_name": "Mid", "consent": {"given_by": "Ana Owens, Finance Director", "date": "2026-12-01"}},
                      "assumptions": [], "scope": "One agent"})
    e.set_records(2, {"components": [{"name": "Agent", "layers": ["L3"]}], "system_type": "single-agent", "uses_mcp": False})
    for n, status in (("1", "complete"), ("2", "complete"), ("6", "in_progress")):
        assert maestro_cli("mark", "mid", n, status, "--dir", tmp_path)[0] == 0
    e.set_records(6, {"threats": [{"id": "MID-T1", "name": "Injected ticket text", "layers": ["L1"], "maps_to": ["T6"],
                                   "severity": "High", "mitigations": [], "llm_top10": [], "asi_top10": [], "cwe": [], "atlas": []}],
                      "attack_chains": []})
    code, out, err = maestro_cli("export", "mid", "--dir", tmp_path)
    assert code == 0, out + err
    exported = json.loads((folder / "threat-model.json").read_text())
    assert exported["phase_status"]["6"] == "in_progress" and exported["phase_status"]["9"] == "pending"
    code, doc = e.check(folder / "threat-model.json")
    by_rule = {}
    for f in doc["findings"]:
        by_rule.setdefault(f["rule"], set()).add(f["severity"])
    assert code == 0, doc["findings"]
    assert by_rule["MC309"] == {"pending"}           # not scored yet, and Phase 6 is open
    assert by_rule["MC304"] == {"pending"}           # Phase 7 has not started
    assert by_rule["MC115"] == {"warning"}           # labelled a draft
    exported["phase_status"]["6"] = "complete"
    (folder / "threat-model.json").write_text(json.dumps(exported, indent=2))
    code, doc = e.check(folder / "threat-model.json")
    assert code == 1 and any(f["rule"] == "MC309" and f["severity"] == "error" for f in doc["findings"])


def test_schema_error_names_the_line_in_the_phase_file(eng):
    tid = eng.threats()[0]["id"]
    eng.edit(6, lambda d: d["threats"][0].update(severity="Severe"))
    code, doc = eng.check()
    hit = next(f for f in doc["findings"] if f["rule"] == "MC108")
    assert code == 1 and hit["id"] == tid and hit["file"].endswith(eng.file(6))
    assert "severity: Severe" in eng.text(6).split("\n")[hit["line"] - 1]


def test_one_broken_record_does_not_hide_the_others(eng):
    second = eng.threats()[1]
    wrong = next(x for x in ("Low", "Medium", "High", "Critical") if x != second["risk"])

    def plant(d):
        d["threats"][0]["severity"] = "Severe"
        d["threats"][1]["risk"] = wrong
    eng.edit(6, plant)
    eng.edit(3, lambda d: d["threat_actors"][0].update(id="ACTOR1"))
    code, doc = eng.check()
    rules = {(f["rule"], f["id"]) for f in doc["findings"]}
    assert ("MC301", second["id"]) in rules
    assert any(r == "MC108" and f.endswith(eng.file(3)) for r, f in ((x["rule"], x["file"]) for x in doc["findings"]))


# ------------------------------------------------------------------ claims that must pass (issue 20): near misses of MC421-MC425
@pytest.mark.parametrize("evidence", ["Pen-test report PT-2026-04 by Acme Labs, 2026-10-02",
                                      "SOC 2 Type II report, section CC6.1 (2026)", "Audit ticket SEC-1182 closed 2026-11-20"])
def test_evidence_that_names_an_artifact_earns_credit(eng, evidence):
    plant_placeholder_evidence(evidence)(eng)
    code, doc = eng.check()
    assert not [f for f in doc["findings"] if f["rule"] == "MC421"], doc["findings"]


def test_a_real_cwe_outside_the_knowledge_base_is_a_warning(eng):
    eng.edit(6, lambda d: d["threats"][0].setdefault("cwe", []).append("CWE-89"))
    code, doc = eng.check()
    hits = [f for f in doc["findings"] if f["rule"] == "MC201"]
    assert hits and all(f["severity"] == "warning" and "CWE-89" in f["message"] for f in hits), hits


def test_a_malformed_cwe_is_still_an_error(eng):
    eng.edit(6, lambda d: d["threats"][0].setdefault("cwe", []).append("CWE-0x9"))
    code, doc = eng.check()
    assert code == 1 and any(f["rule"] == "MC201" and f["severity"] == "error" for f in doc["findings"])


def test_citations_with_snippets_verify_and_the_commit_is_reported(maestro_cli, eng, tmp_path):
    import subprocess
    cv = eng.records(8)["code_validation"][0]
    line = int(str(cv["line"]).split("-")[0])
    eng.edit(8, lambda d: d["code_validation"][0].update(snippet="guardrail = true"))
    src = source_tree(eng.records(8), tmp_path / "checkout")
    subprocess.run(["git", "init", "-q", str(src)], check=True)
    subprocess.run(["git", "-C", str(src), "-c", "user.email=t@example.org", "-c", "user.name=T", "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(src), "-c", "user.email=t@example.org", "-c", "user.name=T", "commit", "-qm", "x"], check=True)
    head = subprocess.run(["git", "-C", str(src), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    code, out, err = maestro_cli("check", eng.folder, "--json", "--source", src)
    doc = json.loads(out)
    assert code == 0 and not [f for f in doc["findings"] if f["rule"].startswith("MC42")], doc["findings"]
    assert doc["source"] == {"path": str(src.resolve()), "commit": head}
    assert (src / cv["file"]).read_text().split("\n")[line - 1] == "guardrail = true"


def test_a_copy_of_a_clean_engagement_is_not_stale(maestro_cli, eng, tmp_path):
    import os
    import time
    copy = tmp_path / "copy" / "clinic-assistant"
    shutil.copytree(eng.folder, copy)
    future = time.time() + 1000
    for p in copy.glob("[01][0-9]-*.md"):  # a zip round trip or a checkout gives the phase files newer times
        os.utime(p, (future, future))
    code, out, err = maestro_cli("check", copy, "--json", "--source", eng.source)
    doc = json.loads(out)
    assert code == 0 and doc["findings"] == [], doc["findings"]


# ------------------------------------------------------------------ the registry
RULE_MODULES = sorted(checks.rule_modules())


@pytest.mark.parametrize("module", RULE_MODULES)
def test_every_rule_module_registers_rules(module):
    """checks/__init__.py imports every module of the package (pkgutil); each of them holds at least one rule."""
    registered = {r.func.__module__ for r in checks.RULES.values()}
    assert f"maestro.checks.{module}" in registered, f"maestro/checks/{module}.py registers no rule"


def test_every_module_of_the_package_is_a_rule_module_or_the_framework():
    package = ROOT / "maestro" / "checks"
    modules = {p.stem for p in package.glob("*.py") if p.stem != "__init__"}
    assert modules == set(RULE_MODULES) | set(checks.FRAMEWORK_MODULES)


@pytest.fixture(scope="module")
def listed_rules(maestro_cli) -> dict:
    """What `maestro rules --json` lists, by code."""
    code, out, err = maestro_cli("rules", "--json")
    assert code == 0, err
    return {r["code"]: r for r in json.loads(out)["rules"]}


@pytest.fixture(scope="module")
def documented_rules() -> str:
    """The rule table of docs/reference/check-rules.md, as its macro renders it."""
    from maestro_site.tables.reference import check_rules
    assert "{{ check_rules() }}" in (ROOT / "docs" / "reference" / "check-rules.md").read_text(encoding="utf-8")
    return check_rules()


@pytest.mark.parametrize("code", sorted(checks.RULES))
def test_every_registered_rule_is_documented(code, listed_rules, documented_rules):
    r = checks.RULES[code]
    assert r.summary.strip() and r.hint.strip(), f"{code} has no summary or no fix hint"
    assert listed_rules.get(code, {}).get("summary") == r.summary, f"{code} is missing from `maestro rules`"
    assert f'<span id="{code.lower()}"></span>`{code}`' in documented_rules, f"{code} is missing from docs/reference/check-rules"


# ------------------------------------------------------------------ MC113 state-invalid
def test_mc113_passes_a_valid_state(kb, eng):
    doc = engagement.read_doc(eng.path("state.json"))
    assert checks.state_problems(kb, doc, str(eng.path("state.json"))) == []
    code, result = eng.check()
    assert not [f for f in result["findings"] if f["rule"] == "MC113"]


def test_mc113_names_a_phase_whose_output_file_is_not_its_own(eng):
    st = json.loads(eng.path("state.json").read_text())
    st["phases"]["3"]["output_file"] = eng.file(4)
    eng.path("state.json").write_text(json.dumps(st, indent=2))
    code, result = eng.check()
    found = [(f["rule"], f["id"], f["message"]) for f in result["findings"]]
    assert code == 1 and found == [("MC113", "phase 3", f"output_file should be {eng.file(3)}")], found


def test_mc113_is_the_rule_that_finds_it(kb, eng):
    """The registered function does the work: run alone through the registry, it reports the invalid state."""
    plant_invalid_state(eng)
    state_path = eng.path("state.json")
    ctx = checks.Context(kb, {}, str(state_path), "state", state=engagement.read_doc(state_path), state_file=str(state_path))
    findings = checks.run(ctx, ["MC113"])
    assert findings and {f.rule for f in findings} == {"MC113"} and all(f.file == str(state_path) for f in findings)
