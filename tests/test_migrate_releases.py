"""Saved engagements survive upgrades: a threat-model.json or a project folder in the record format of any kept
release migrates to the current format, keeps every record and every field's content, leaves .bak copies, marks
what it could not derive (MC116) and changes nothing on a second run."""
from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from maestro import checks, formats, jsonschema_check, phasefile, project, releases
from maestro.findings import TO_FILL

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

FIXTURES = ROOT / "tests" / "fixtures"
CLINIC = FIXTURES / "engagement" / "clinic-assistant"
FORMAT_RULES = {"MC103", "MC104", "MC105", "MC106", "MC108", "MC113", "MC134"}
RECORD_LISTS = ("assumptions", "components", "threat_actors", "trust_zones", "trust_boundaries", "assets", "data_flows",
                "threats", "attack_chains", "mitigations", "code_validation", "residual_risks", "roadmap")
KEPT = sorted((p.name for p in releases.ROOT.iterdir() if (p / "ids.json").exists()), key=lambda v: tuple(map(int, v.split("."))))


# ------------------------------------------------------------------ an engagement as release 1.0.0 wrote it
def written_by_1_0_0(doc: dict) -> dict:
    """The clinic model as release 1.0.0 let an agent write it: Phase 8 and 10 records named after the templates'
    fields (status, test_coverage, a location, bucket with the template's day range, responsible_team), one roadmap
    item unnumbered with its threats as text, no effective risks, six top risks, and none of the later header keys."""
    old = {k: copy.deepcopy(v) for k, v in doc.items() if k not in ("layer_scope", "phase_status", "sources")}
    old["schema_version"] = old["kb_version"] = "1.0.0"
    for m in old["mitigations"]:
        if "evidence" in m:  # 1.0.0 cards had no evidence field: the agent wrote it into the description
            m["description"] = f"{m.get('description', '')} Evidence: {m.pop('evidence')}".strip()
    for cv in old["code_validation"]:
        cv["status"], cv["test_coverage"] = cv.pop("verified_status"), cv.pop("tests", "None")
    first = old["code_validation"][0]
    first["location"] = f"{first.pop('file')}:{first.pop('line')}"
    first["reviewer"] = "Kofi Mensah read this file with the platform team"
    del old["code_validation"][-1]["status"]  # a record that never said what was verified: left TO FILL
    days = {"Immediate": "Immediate (0-30d)", "Short-term": "Short-term (30-90d)", "Medium-term": "Medium-term (90-180d)", "Long-term": "Long-term (180d+)"}
    for item in old["roadmap"]:
        item["bucket"] = days[item.pop("phase")]
        if "team" in item:
            item["responsible_team"] = item.pop("team")
    last = old["roadmap"][-1]
    del last["id"]
    last["threats"] = ", ".join(last["threats"])
    for r in old["residual_risks"]:
        r.pop("effective_risk", None)
    old["summary"]["top_risks"] = old["summary"]["top_risks"] + [t["id"] for t in old["threats"] if t["id"] not in old["summary"]["top_risks"]][:1]
    return old


BUILDERS = {"1.0.0": [("clinic-assistant", lambda: written_by_1_0_0(json.loads((CLINIC / "threat-model.json").read_text())))]}


def samples(kb, version: str) -> list[tuple[str, dict]]:
    """Engagements written for ``version``: the files kept in tests/fixtures/v<version>/, the models this test knows
    how that release wrote, and, for the current release, the worked examples."""
    out = [(p.stem, json.loads(p.read_text(encoding="utf-8"))) for p in sorted((FIXTURES / f"v{version}").glob("*.json"))]
    out += [(name, build()) for name, build in BUILDERS.get(version, [])]
    if version == kb.version:
        out += [(p.stem, json.loads(p.read_text(encoding="utf-8"))) for p in sorted((DATA / "examples").glob("*.json"))]
    return out


# ------------------------------------------------------------------ what must survive
def record_ids(doc: dict) -> set:
    return {(key, r.get("id") or r.get("name")) for key in RECORD_LISTS for r in doc.get(key) or [] if isinstance(r, dict)}


def strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return []


def prose(doc: dict) -> set:
    """Every text of three words or more: what a reader wrote, which must survive wherever it is moved."""
    return {s for s in strings(doc) if len(s.split()) >= 3}


def assert_nothing_lost(before: dict, after: dict):
    ids_before = record_ids(before)
    assert ids_before - {(k, None) for k in RECORD_LISTS} <= record_ids(after), "a record disappeared"
    assert sum(len(before.get(k) or []) for k in RECORD_LISTS) == sum(len(after.get(k) or []) for k in RECORD_LISTS)
    text = "\n".join(strings(after))
    assert [s for s in prose(before) if s not in text] == [], "text was dropped"


def format_errors(findings) -> list[str]:
    """Findings of the format rules that are not about a TO FILL marker."""
    return [str(f) for f in findings if f.rule in FORMAT_RULES and TO_FILL not in f.message]


def migrate(maestro_cli, path: Path) -> list[dict]:
    code, out, err = maestro_cli("migrate", path, "--json")
    assert code == 0, err
    return json.loads(out)["changes"]


# ------------------------------------------------------------------ every kept release
def test_every_kept_release_kept_its_engagement_schemas():
    for version in KEPT:
        for name in releases.SCHEMA_FILES.values():
            assert (releases.ROOT / version / name).exists(), f"release {version} has no {name}"


def test_the_1_0_0_format_is_detected(kb):
    kept = releases.schemas(kb)
    legacy = written_by_1_0_0(json.loads((CLINIC / "threat-model.json").read_text()))
    assert formats.detect_doc(kb, legacy, kept) == "1.0.0"
    assert formats.detect_doc(kb, json.loads((CLINIC / "threat-model.json").read_text()), kept) == kb.version
    assert formats.detect_doc(kb, {**legacy, "schema_version": "0.9"}, kept) is None


@pytest.mark.parametrize("version", KEPT)
def test_engagement_of_every_kept_release_migrates(kb, maestro_cli, tmp_path, version):
    docs = samples(kb, version)
    assert docs, f"no engagement written for release {version}: keep one in tests/fixtures/v{version}/"
    schema = releases.schemas(kb)[version]["threat-model"]
    for name, doc in docs:
        assert jsonschema_check.schema_errors(doc, schema) == [], f"{name} is not in the format of release {version}"
        p = tmp_path / name / "threat-model.json"
        p.parent.mkdir()
        before = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        p.write_text(before, encoding="utf-8")
        migrate(maestro_cli, p)
        after = json.loads(p.read_text(encoding="utf-8"))
        assert after["schema_version"] == "1.1.0" and after["kb_version"] == kb.version, name
        assert format_errors(checks.check_file(kb, p)) == [], f"{name} of release {version}"
        assert_nothing_lost(doc, after)
        if (p.parent / "threat-model.json.bak").exists() or version != kb.version:
            assert (p.parent / "threat-model.json.bak").read_text(encoding="utf-8") == before
        assert migrate(maestro_cli, p) == [], f"a second migration of {name} changed something"


# ------------------------------------------------------------------ the 1.0.0 format in detail
@pytest.fixture
def legacy_json(tmp_path):
    doc = written_by_1_0_0(json.loads((CLINIC / "threat-model.json").read_text()))
    p = tmp_path / "threat-model.json"
    p.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return p, doc


def test_1_0_0_threat_model_json_takes_the_current_format(kb, maestro_cli, legacy_json):
    p, old = legacy_json
    before = p.read_text()
    assert len(format_errors(checks.check_file(kb, p))) >= 20     # what a 1.0.0 file meets today
    changes = migrate(maestro_cli, p)
    new = json.loads(p.read_text())
    assert (p.parent / "threat-model.json.bak").read_text() == before
    cv_old, cv_new = old["code_validation"], new["code_validation"]
    assert [c.get("verified_status") for c in cv_new[:-1]] == [c["status"] for c in cv_old[:-1]]
    assert [c["tests"] for c in cv_new] == [c["test_coverage"] for c in cv_old]
    file, line = cv_old[0]["location"].rsplit(":", 1)
    assert (cv_new[0]["file"], cv_new[0]["line"]) == (file, int(line))
    assert "[reviewer in release 1.0.0: Kofi Mensah read this file with the platform team]" in cv_new[0]["gaps"]
    assert cv_new[-1]["verified_status"].startswith(TO_FILL)
    assert [r["phase"] for r in new["roadmap"]] == [r["bucket"].split(" (")[0] for r in old["roadmap"]]
    assert new["roadmap"][-1]["id"] == f"REM{len(new['roadmap'])}" and isinstance(new["roadmap"][-1]["threats"], list)
    assert all(isinstance(r["effective_risk"], (int, float)) for r in new["residual_risks"])
    assert len(new["summary"]["top_risks"]) == 5 and new["summary"]["other_risks"] == old["summary"]["top_risks"][5:]
    assert {c["what"].split(" (")[0] for c in changes} >= {"field renamed", "value spelled as the format allows", "record numbered",
                                                           "text turned into a list", "required field to fill", "field kept in 'gaps'"}
    findings = checks.check_file(kb, p)
    assert format_errors(findings) == []
    to_fill = [f for f in findings if f.rule == "MC116"]
    assert [f.id for f in to_fill] == [cv_new[-1]["id"]] and to_fill[0].line > 1 and to_fill[0].severity == "error"
    assert_nothing_lost(old, new)
    assert migrate(maestro_cli, p) == []


# ------------------------------------------------------------------ a project folder in the 1.0.0 format
def _block(text: str):
    m = re.search(r"^```ya?ml maestro\n(.*?)^```$", text, re.S | re.M)
    assert m, "no record block"
    return m


def write_1_0_0_project(kb, folder: Path, doc: dict) -> None:
    """A project folder as release 1.0.0 left it: its state.json (no layer scope, knowledge base 1.0.0) and each phase
    file's prose around a record block holding that phase's records; Phase 10's block opened with ```yml maestro."""
    shutil.copytree(CLINIC, folder)
    (folder / "threat-model.json").unlink()
    state = json.loads((folder / "state.json").read_text())
    state.pop("layer_scope", None)
    state.pop("depth_reason", None)
    state["version_metadata"]["playbook_version"] = "1.0.0"
    state["phases"]["10j"] = {"status": "pending", "output_file": "threat-model.json"}
    (folder / "state.json").write_text(json.dumps(state, indent=2))
    for n, keys in phasefile.PHASE_KEYS.items():
        path = folder / kb.phases[n]["output_file"]
        text = path.read_text()
        m = _block(text)
        body = yaml.safe_dump({k: doc[k] for k in keys if k in doc}, sort_keys=False, allow_unicode=True, width=100)
        opener = "```yml maestro\n" if n == 10 else "```yaml maestro\n"
        path.write_text(text[:m.start()] + opener + body + text[m.end(1):])


def prose_around(text: str) -> tuple[str, str]:
    m = _block(text)
    return text[:m.start()], text[m.end():]


@pytest.fixture
def legacy_project(kb, tmp_path):
    doc = written_by_1_0_0(json.loads((CLINIC / "threat-model.json").read_text()))
    folder = tmp_path / "clinic-assistant"
    write_1_0_0_project(kb, folder, doc)
    return folder, doc


def test_1_0_0_project_folder_takes_the_current_format(kb, maestro_cli, legacy_project, tmp_path):
    folder, old = legacy_project
    files = {p.name: p.read_text() for p in folder.glob("[01][0-9]-*.md")}
    state_before = (folder / "state.json").read_text()
    before, _ = checks.check_project(kb, folder)
    assert len(format_errors(before)) >= 20
    changes = migrate(maestro_cli, folder)
    assert any(c["what"] == "record block opener" for c in changes)
    for name, text in files.items():
        now = (folder / name).read_text()
        assert prose_around(now) == prose_around(text.replace("```yml maestro", "```yaml maestro")), f"{name}: prose changed"
        if now != text:
            assert (folder / f"{name}.bak").read_text() == text
    assert (folder / "state.json.bak").read_text() == state_before
    state = json.loads((folder / "state.json").read_text())
    assert state["version_metadata"]["playbook_version"] == kb.version and state["layer_scope"]
    findings, _ = checks.check_project(kb, folder)
    assert format_errors(findings) == []
    gap = [f for f in findings if f.rule == "MC116"]
    assert len(gap) == 1 and gap[0].file.endswith("08-code-validation.md")
    assert TO_FILL in (folder / "08-code-validation.md").read_text().split("\n")[gap[0].line - 1]
    records = {k: v for k, v in project.export(kb, folder)[0].items() if k in phasefile.RECORD_KEYS}
    assert_nothing_lost({k: old[k] for k in records}, records)
    as_json = tmp_path / "alone.json"
    as_json.write_text(json.dumps(old))
    migrate(maestro_cli, as_json)
    assert {k: v for k, v in json.loads(as_json.read_text()).items() if k in records} == json.loads(json.dumps(records))
    assert migrate(maestro_cli, folder) == []


def test_only_changed_records_are_rewritten(maestro_cli, legacy_project):
    """A record the migration does not touch keeps its lines exactly, comments included."""
    folder, _ = legacy_project
    p10 = folder / "10-output-summary.md"
    text = p10.read_text().replace("roadmap:\n", "# kept as written\nroadmap:\n", 1)
    p10.write_text(text)
    p6 = folder / "06-threat-register.md"
    before6 = p6.read_text()
    migrate(maestro_cli, folder)
    assert "# kept as written\nroadmap:\n" in p10.read_text()
    assert p6.read_text() == before6
