"""`maestro sweep`: the rule pack, each rule against code it must and must not match, and the command end to end.

Each rule SW-<area>-<nnn> has tests/fixtures/sweep/<rule>/: files named match.* (every line that follows a line
reading `# expect` or `// expect` must be reported by the rule, and no other line) and nomatch.* (near misses the
rule must leave alone). The fixtures are swept once per session and the results split per rule, so a failure names
the rule. tests/fixtures/vulnerable-agent/ is a small agent app with planted weaknesses; its findings are asserted
exactly. The engine must never reach the network: its flags and environment are asserted, and where the machine
allows, a run in an empty network namespace and a run under strace show it does not try.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from maestro import checks, ids, sweep

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

FIXTURES = ROOT / "tests" / "fixtures" / "sweep"
APP = ROOT / "tests" / "fixtures" / "vulnerable-agent"
AREAS = {"PY": ["python"], "JS": ["javascript", "typescript"], "GO": ["go"], "DF": ["dockerfile"], "YML": ["yaml"]}
EXPECT = re.compile(r"^\s*(#|//)\s*expect\s*$")


def rule_ids() -> list[str]:
    doc = yaml.safe_load((DATA / "sweep.yaml").read_text(encoding="utf-8"))
    return [r["id"] for w in doc["weaknesses"] for r in w["rules"]]


RULES = rule_ids()

# The planted weaknesses of tests/fixtures/vulnerable-agent/: (rule, file, line), and nothing else.
APP_FINDINGS = {
    ("SW-DF-009", "Dockerfile", 2), ("SW-DF-012", "Dockerfile", 3),
    ("SW-PY-011", "agent/prompts.py", 5),
    ("SW-PY-013", "agent/server.py", 14), ("SW-PY-008", "agent/server.py", 19), ("SW-PY-009", "agent/server.py", 21),
    ("SW-PY-004", "agent/server.py", 27), ("SW-PY-001", "agent/server.py", 28), ("SW-PY-005", "agent/server.py", 38),
    ("SW-PY-002", "agent/tools.py", 16), ("SW-PY-003", "agent/tools.py", 22), ("SW-PY-004", "agent/tools.py", 28),
    ("SW-PY-007", "agent/tools.py", 35), ("SW-PY-012", "agent/tools.py", 35), ("SW-PY-006", "agent/tools.py", 42),
    ("SW-YML-005", "docker-compose.yml", 5), ("SW-YML-012", "docker-compose.yml", 7), ("SW-YML-006", "docker-compose.yml", 9),
    ("SW-JS-010", "web/Reply.tsx", 7),
    ("SW-JS-013", "web/server.ts", 9), ("SW-JS-012", "web/server.ts", 11), ("SW-JS-008", "web/server.ts", 13),
    ("SW-JS-007", "web/server.ts", 24), ("SW-JS-002", "web/server.ts", 29), ("SW-JS-005", "web/server.ts", 40),
}


def run_json(maestro_cli, *args, cwd=None) -> tuple[int, dict, str]:
    code, out, err = maestro_cli("sweep", *args, "--json", cwd=cwd)
    return code, (json.loads(out) if out.strip().startswith("{") else {}), err


def triples(doc: dict) -> set:
    return {(f["rule"], f["file"], f["line"]) for f in doc["findings"]}


def tree_state(root: Path) -> dict:
    """Every path under ``root`` with its kind, size and modification time: what a write would change."""
    out = {}
    for p in sorted(root.rglob("*")):
        st = p.lstat()
        out[p.relative_to(root).as_posix()] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture(scope="session")
def fixture_sweep(kb):
    """One sweep of every rule's fixtures: {(rule, file): set of lines} and the files scanned."""
    result = sweep.sweep(kb, DATA, FIXTURES)
    lines: dict = {}
    for f in result.findings:
        lines.setdefault((f.rule, f.file), set()).add(f.line)
    return lines, set(result.files)


def _kb():
    from maestro import load_kb
    return load_kb(DATA)


@pytest.fixture(scope="module")
def app_report(maestro_cli):
    code, doc, err = run_json(maestro_cli, APP)
    assert code == 1, err
    return doc


# ====================================================================== the rule pack
def test_every_rule_file_is_in_the_catalog_and_every_rule_has_one():
    files = sorted(p.stem for p in (DATA / "sweep").glob("*.yaml"))
    assert files == sorted(RULES), "data/sweep/*.yaml and the rules of data/sweep.yaml differ"
    assert sorted(p.name for p in FIXTURES.iterdir()) == sorted(RULES), "every rule has a fixture folder, and only rules do"


@pytest.mark.parametrize("rule", RULES)
def test_rule_file_holds_only_its_rule_for_its_area(rule):
    doc = yaml.safe_load((DATA / "sweep" / f"{rule}.yaml").read_text(encoding="utf-8"))
    assert [r["id"] for r in doc["rules"]] == [rule]
    body = doc["rules"][0]
    assert sorted(body["languages"]) == sorted(AREAS[rule.split("-")[1]])
    assert body["message"] and body["severity"] == "WARNING"
    assert "r/" not in str(body.get("options", "")), "rules never pull from a registry"


@pytest.mark.parametrize("rule", RULES)
def test_rule_metadata_resolves_against_the_knowledge_base(kb, rule):
    r = sweep.catalog(kb)[rule]
    assert r.threats and all(kb.listed(t) and t in kb.threats and kb.threats[t]["kind"] != "reserved" for t in r.threats)
    assert r.control in kb.mitigations and kb.listed(r.control) and kb.mitigation_type(r.control) == "P"
    assert r.cwe and all(re.fullmatch(ids.CWE, c) and c in kb.cwe for c in r.cwe)
    assert rule.rsplit("-", 1)[1] == r.weakness.rsplit("-", 1)[1]
    assert r.finds.endswith(".") and len(r.finds.split()) >= 8


def test_engine_version_is_the_pinned_one(kb):
    pins = dict(line.strip().split("==", 1) for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line)
    assert pins.get("semgrep") == sweep.engine_version(kb)


# ====================================================================== each rule, must and must not
def expected_lines(path: Path) -> set:
    lines = path.read_text(encoding="utf-8").split("\n")
    return {i + 2 for i, line in enumerate(lines) if EXPECT.match(line)}


def fixture_files(rule: str, kind: str) -> list[Path]:
    return sorted(p for p in (FIXTURES / rule).iterdir() if (p.name.startswith("nomatch") == (kind == "nomatch")))


@pytest.mark.parametrize("rule", RULES)
def test_rule_reports_every_planted_line(fixture_sweep, rule):
    lines, scanned = fixture_sweep
    files = fixture_files(rule, "match")
    assert files and all(expected_lines(p) for p in files), f"{rule}: needs match files with `expect` lines"
    for p in files:
        rel = p.relative_to(FIXTURES).as_posix()
        assert rel in scanned, f"{rel} was not scanned"
        got = lines.get((rule, rel), set())
        assert got == expected_lines(p), f"{rule} in {rel}: missing {sorted(expected_lines(p) - got)}, extra {sorted(got - expected_lines(p))}"


@pytest.mark.parametrize("rule", RULES)
def test_rule_leaves_near_misses_alone(fixture_sweep, rule):
    lines, scanned = fixture_sweep
    files = fixture_files(rule, "nomatch")
    assert files, f"{rule}: needs a nomatch file"
    for p in files:
        rel = p.relative_to(FIXTURES).as_posix()
        assert rel in scanned, f"{rel} was not scanned"
        assert not lines.get((rule, rel)), f"{rule} reports near misses in {rel}: lines {sorted(lines[(rule, rel)])}"


# ====================================================================== end to end
def test_vulnerable_agent_findings_are_exactly_the_planted_ones(app_report):
    assert triples(app_report) == APP_FINDINGS


def test_vulnerable_agent_plants_every_weakness_and_every_area(kb):
    weaknesses = {w["id"].split("-")[1] for w in kb.docs["sweep"]["weaknesses"]}
    assert {r.split("-")[2] for r, _, _ in APP_FINDINGS} == weaknesses
    assert {r.split("-")[1] for r, _, _ in APP_FINDINGS} == set(AREAS) - {"GO"}  # Go has its own fixtures only


def test_json_findings_carry_the_catalog(kb, app_report):
    rules = sweep.catalog(kb)
    for f in app_report["findings"]:
        assert set(f) == {"rule", "file", "line", "threats", "cwe", "control", "message"}
        r = rules[f["rule"]]
        assert (f["threats"], f["cwe"], f["control"], f["message"]) == (list(r.threats), list(r.cwe), r.control, r.finds)
    assert app_report["scanned"] == 8 and app_report["engine"] == f"semgrep {sweep.engine_version(kb)}"


def test_text_output_names_file_line_rule_threats_and_cwe(maestro_cli):
    code, out, err = maestro_cli("sweep", APP)
    assert code == 1 and "Traceback" not in err
    lines = out.strip().split("\n")
    assert "agent/tools.py:16: SW-PY-002 [T11, T2, CWE-78] A command that is not a fixed string runs through a shell" in out
    assert all(re.match(r"^[\w./-]+:\d+: SW-[A-Z]+-\d{3} \[(T\d+, )+CWE-\d+(, CWE-\d+)*\] \S", ln) for ln in lines[:-1])
    assert lines[-1].startswith(f"{len(APP_FINDINGS)} finding(s) in 8 file(s)")


def test_sarif_lists_each_finding_with_its_rule(maestro_cli, kb):
    code, out, _ = maestro_cli("sweep", APP, "--sarif")
    doc = json.loads(out)
    assert code == 1 and doc["version"] == "2.1.0"
    run = doc["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == sorted(sweep.catalog(kb))
    got = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in run["results"]}
    assert got == APP_FINDINGS
    assert all(rules[r["ruleIndex"]] == r["ruleId"] and r["level"] == "warning" for r in run["results"])


def test_test_code_is_swept_only_when_asked(maestro_cli):
    code, doc, _ = run_json(maestro_cli, APP, "--include-tests")
    assert code == 1 and triples(doc) == APP_FINDINGS | {("SW-PY-012", "tests/test_tools.py", 6)}


def test_clean_tree_exits_0(maestro_cli, tmp_path):
    (tmp_path / "app.py").write_text("import json\n\ndef load(text):\n    return json.loads(text)\n")
    code, doc, _ = run_json(maestro_cli, tmp_path)
    assert code == 0 and doc["findings"] == [] and doc["scanned"] == 1


def _missing(folder: Path) -> Path:
    return folder / "missing"


def _a_file(folder: Path) -> Path:
    (folder / "file.py").write_text("x = 1\n")
    return folder / "file.py"


@pytest.mark.parametrize("make", [_missing, _a_file], ids=["missing", "a-file"])
def test_unusable_source_exits_2_with_one_line(maestro_cli, tmp_path, make):
    target = make(tmp_path)
    code, out, err = maestro_cli("sweep", target)
    assert code == 2 and out == ""
    assert err.strip().split("\n")[-1] == f"maestro: {target}: not a folder; give the root of the source tree to sweep"


def test_a_broken_rule_file_exits_2(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "sweep" / "SW-PY-003.yaml").write_text("rules:\n- id: SW-PY-999\n")
    with pytest.raises(sweep.SweepError, match="SW-PY-003.yaml: must hold exactly one rule, SW-PY-003"):
        sweep.sweep(_kb(), data, APP)


def test_dockerfile_names_the_engine_does_not_know_are_swept(maestro_cli, tmp_path):
    (tmp_path / "Dockerfile.dev").write_text("FROM python:3.12\nARG GITHUB_TOKEN\n")
    (tmp_path / "Containerfile").write_text("FROM node:22\nRUN curl --insecure https://example.com/x.sh | sh\n")
    code, doc, _ = run_json(maestro_cli, tmp_path)
    assert code == 1 and triples(doc) == {("SW-DF-009", "Dockerfile.dev", 2), ("SW-DF-012", "Containerfile", 2)}


# ====================================================================== the source tree is read only
def test_nothing_is_written_inside_a_read_only_source(maestro_cli, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(APP, src)
    before = tree_state(src)
    for p in [src, *src.rglob("*")]:
        p.chmod(p.stat().st_mode & ~0o222)
    try:
        code, doc, _ = run_json(maestro_cli, src, cwd=src)
    finally:
        for p in [src, *src.rglob("*")]:
            p.chmod(p.stat().st_mode | 0o200)
    assert code == 1 and triples(doc) == APP_FINDINGS
    assert tree_state(src) == before


def test_symlinks_out_of_the_tree_are_not_followed(maestro_cli, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret_loader.py").write_text("import pickle\n\ndef load(b):\n    return pickle.loads(b)\n")
    src = tmp_path / "src"
    src.mkdir()
    (src / "app.py").write_text("def ok():\n    return 1\n")
    (src / "linked.py").symlink_to(outside / "secret_loader.py")
    (src / "linked_dir").symlink_to(outside, target_is_directory=True)
    code, doc, _ = run_json(maestro_cli, src)
    assert code == 0 and doc["findings"] == [] and doc["scanned"] == 1


# ====================================================================== never on the network
def test_engine_is_run_with_local_rules_and_no_calls_home(kb, tmp_path):
    configs = sweep.rule_files(DATA, sweep.catalog(kb))
    args = sweep.engine_args(configs, [tmp_path / "a.py"], 2)
    assert {"--metrics=off", "--disable-version-check", "--no-git-ignore"} <= set(args)
    given = [args[i + 1] for i, a in enumerate(args) if a == "--config"]
    assert given == [str(c) for c in configs] and all(Path(c).is_file() and Path(c).parent == DATA / "sweep" for c in given)
    assert not any(a.startswith(("--config=", "p/", "r/", "auto", "--pro", "--secrets")) or "://" in a for a in args)
    os.environ["SEMGREP_APP_TOKEN"] = "must-not-reach-the-engine"
    try:
        env = sweep.engine_env(tmp_path)
    finally:
        del os.environ["SEMGREP_APP_TOKEN"]
    assert "SEMGREP_APP_TOKEN" not in env
    assert env["SEMGREP_SEND_METRICS"] == "off" and env["SEMGREP_ENABLE_VERSION_CHECK"] == "0" and env["HOME"] == str(tmp_path)


def _cli_in_subprocess(cache_env, prefix: list[str], src: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG")} | cache_env
    return subprocess.run([*prefix, sys.executable, "-m", "maestro", "sweep", str(src), "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def _usable(command: list[str]) -> bool:
    try:
        return shutil.which(command[0]) is not None and subprocess.run(command, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def test_a_sweep_works_with_no_network_at_all(cache_env):
    if not _usable(["unshare", "-rn", "true"]):
        pytest.skip("this machine does not allow a private network namespace (unshare -rn)")
    proc = _cli_in_subprocess(cache_env, ["unshare", "-rn"], APP)
    assert proc.returncode == 1, proc.stderr
    assert triples(json.loads(proc.stdout)) == APP_FINDINGS


def test_a_sweep_opens_no_network_connection(cache_env, tmp_path):
    if not _usable(["strace", "-f", "-e", "trace=connect", "true"]):
        pytest.skip("strace is not available here")
    trace = tmp_path / "trace.txt"
    proc = _cli_in_subprocess(cache_env, ["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(trace)], APP)
    assert proc.returncode == 1, proc.stderr
    calls = [ln for ln in trace.read_text().splitlines() if "connect(" in ln and "AF_UNIX" not in ln and "AF_LOCAL" not in ln]
    assert calls == [], calls[:5]


# ====================================================================== --project: candidates to review
@pytest.fixture
def project(maestro_cli, tmp_path):
    code, _, err = maestro_cli("new", "demo", "--dir", tmp_path / "tm", "--prefix", "DEMO", "--answers", "n,n,y,n,n")
    assert code == 0, err
    return tmp_path / "tm" / "demo"


def test_project_gets_candidates_with_no_review(maestro_cli, project):
    code, doc, _ = run_json(maestro_cli, APP, "--project", "demo", "--dir", project.parent)
    assert code == 1 and doc["project_file"] == str(project / "sweep.json")
    rec = json.loads((project / "sweep.json").read_text())
    assert {(f["rule"], f["file"], f["line"]) for f in rec["findings"]} == APP_FINDINGS
    assert all(f["review"] is None and len(f["fingerprint"]) == 16 for f in rec["findings"])
    assert rec["source"] == str(APP.resolve()) and rec["scanned"] == 8
    assert "d.page_content for d in docs" not in (project / "sweep.json").read_text(), "the line text is never stored"


def test_reviews_survive_a_new_sweep_when_lines_move(maestro_cli, project, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(APP, src)
    run_json(maestro_cli, src, "--project", "demo", "--dir", project.parent)
    rec = json.loads((project / "sweep.json").read_text())
    first = next(f for f in rec["findings"] if f["rule"] == "SW-PY-003")
    first["review"] = {"verdict": "false_positive", "reason": "the calculator runs in a separate, network-less process"}
    (project / "sweep.json").write_text(json.dumps(rec))
    tools = src / "agent" / "tools.py"
    tools.write_text("# a new first line\n" + tools.read_text())
    run_json(maestro_cli, src, "--project", "demo", "--dir", project.parent)
    again = json.loads((project / "sweep.json").read_text())
    moved = next(f for f in again["findings"] if f["rule"] == "SW-PY-003")
    assert moved["line"] == first["line"] + 1 and moved["review"] == first["review"]
    assert sum(1 for f in again["findings"] if f["review"]) == 1 and (project / "sweep.json.bak").is_file()


def test_project_inside_the_source_is_refused(maestro_cli, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(APP, src)
    maestro_cli("new", "inner", "--dir", src / "tm", "--prefix", "IN", "--answers", "n,n,y,n,n")
    before = tree_state(src)
    code, out, err = maestro_cli("sweep", src, "--project", "inner", "--dir", src / "tm")
    assert code == 2 and "lies inside the swept tree" in err and tree_state(src) == before


def test_check_reports_each_unreviewed_finding_until_it_is_recorded(maestro_cli, project):
    run_json(maestro_cli, APP, "--project", "demo", "--dir", project.parent)
    findings, _ = checks.check_project(_kb(), project)
    open_ = [f for f in findings if f.rule == "MC431"]
    assert len(open_) == len(APP_FINDINGS) and all(f.file.endswith("sweep.json") and f.severity == "pending" for f in open_)
    rec = json.loads((project / "sweep.json").read_text())
    for f in rec["findings"]:
        f["review"] = {"verdict": "false_positive", "reason": "the test app is never deployed"}
    rec["findings"][0]["review"] = {"verdict": "confirmed", "record": "DEMO-T9"}
    rec["findings"][1]["review"] = {"verdict": "false_positive", "reason": " "}
    (project / "sweep.json").write_text(json.dumps(rec, indent=2))
    findings, _ = checks.check_project(_kb(), project)
    messages = sorted(f.message for f in findings if f.rule == "MC431")
    assert messages == ["sweep finding is confirmed in DEMO-T9, which is no Phase 8 record or threat of this project",
                        "sweep finding is dismissed as a false positive without a reason"]


# ====================================================================== on the site
def test_phase_8_page_renders_every_weakness_and_rule(kb):
    from maestro_site.render import Linker
    from maestro_site.tables import MACROS
    page = (ROOT / "docs" / "playbook" / "06-modeling-process.md").read_text(encoding="utf-8")
    assert "{{ sweep_rules() }}" in page
    raw = MACROS["sweep_rules"](kb, Linker(kb, "playbook/06-modeling-process.md"))
    assert all(f"`{rid}`" in raw for rid in RULES), "rule IDs in code spans, unescaped (an escape would show)"
    md = raw.replace("\\", "")  # Markdown escapes dropped
    for w in kb.docs["sweep"]["weaknesses"]:
        assert f'<span id="{w["id"].lower()}"></span>**{w["id"]} ' in md
        assert all(f'<span id="{r["id"].lower()}"></span>`{r["id"]}`' in md for r in w["rules"])
        assert f'mitigations/{w["control"]}.md' in md and all(f"threats/{t}.md" in md for t in w["threats"])
    assert all(f"definitions/{c.split('-')[1]}.html" in md for r in sweep.catalog(kb).values() for c in r.cwe)
