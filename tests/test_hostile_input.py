"""Hostile input against the CLI: non-regular files, pathological YAML and JSON, symlinks, locks and failing writes.

Each case runs the real `maestro` command in a subprocess (so a hang, a traceback or a crash shows), with a
timeout far above what a refusal needs. Each asserts the exit code or the rule code, that stderr is one line
naming the file, and that nothing outside the project changed.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

FIXTURE = ROOT / "tests" / "fixtures" / "engagement" / "clinic-assistant"
PHASE1 = "01-business-context.md"
PHASE6 = "06-threat-register.md"
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi"))


def run(*args, cwd=None, env=None, timeout=60):
    """`python -m maestro ARGS` in a subprocess: (exit code, stdout, stderr)."""
    res = subprocess.run([sys.executable, "-m", "maestro", *map(str, args)], cwd=cwd or ROOT, capture_output=True,
                         text=True, timeout=timeout, env={**os.environ, **(env or {})})  # os.environ holds the session's MAESTRO_CACHE_DIR
    return res.returncode, res.stdout, res.stderr


def refused(res, name: str) -> str:
    """Assert exit 2 with one stderr line naming ``name`` and no traceback; return that line."""
    code, out, err = res
    lines = [ln for ln in err.splitlines() if ln.strip() and "differ from the release manifest" not in ln]
    assert code == 2, f"exit {code}\n{out}\n{err}"
    assert "Traceback" not in err and len(lines) == 1, err
    assert name in lines[0], lines[0]
    return lines[0]


def snapshot(folder: Path) -> dict:
    """Every file below ``folder`` (links not followed) with its bytes or link target; the lock file is left out."""
    out = {}
    for dirpath, _, files in os.walk(folder):
        for f in files:
            if f == ".maestro.lock":
                continue
            p = Path(dirpath, f)
            out[str(p.relative_to(folder))] = os.readlink(p) if p.is_symlink() else (p.read_bytes() if p.is_file() else "special")
    return out


@pytest.fixture
def clinic(tmp_path) -> Path:
    """A copy of the complete clinic engagement under tmp/threat-models/clinic-assistant."""
    dst = tmp_path / "threat-models" / "clinic-assistant"
    import shutil
    shutil.copytree(FIXTURE, dst)
    return dst


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder outside the project holding a file that parses as YAML and a secret; its state is compared after."""
    d = tmp_path / "outside"
    d.mkdir()
    (d / "secrets.yaml").write_text("api_key: sk-live-4f9a8b7c6d5e\nowner: someone\n")
    return d


# ------------------------------------------------------------------ files that are not regular files
SPECIAL = {
    "fifo": lambda p: os.mkfifo(p),
    "dev-zero": lambda p: p.symlink_to("/dev/zero"),
    "folder": lambda p: p.mkdir(),
}


@pytest.mark.parametrize("kind", SPECIAL)
@pytest.mark.parametrize("target", [PHASE6, "state.json"])
def test_check_refuses_a_special_file_in_a_project(clinic, kind, target):
    path = clinic / target
    path.unlink()
    SPECIAL[kind](path)
    refused(run("check", clinic, "--json"), target)


@pytest.mark.parametrize("kind", ["fifo", "folder"])  # a link to /dev/zero leaves the project: refused like a phase file
def test_a_special_export_in_a_project_is_a_finding_not_a_pass(clinic, kind):
    (clinic / "threat-model.json").unlink()
    SPECIAL[kind](clinic / "threat-model.json")
    code, out, err = run("check", clinic, "--json")
    hits = [f for f in json.loads(out)["findings"] if f["file"].endswith("threat-model.json") and f["severity"] == "error"]
    assert code == 1 and hits and "cannot be read" in hits[0]["message"], out


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
@pytest.mark.parametrize("command", [["check"], ["score"], ["diagram", "-o", "-"], ["migrate", "--dry-run"]])
def test_file_commands_refuse_a_special_file(tmp_path, kind, command):
    path = tmp_path / "threat-model.json"
    SPECIAL[kind](path)
    refused(run(command[0], path, *command[1:]), "threat-model.json")


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_import_refuses_a_special_answers_file(clinic, kind):
    answers = clinic.parent / "answers.json"
    SPECIAL[kind](answers)
    before = snapshot(clinic)
    refused(run("import", "clinic-assistant", answers, "--dir", clinic.parent), "answers.json")
    assert snapshot(clinic) == before


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
@pytest.mark.parametrize("command", [["status", "x"], ["score", "--severity", "High", "--likelihood", "Likely"], ["verify"]])
def test_a_special_data_file_stops_every_command(tmp_path, kind, command):
    import shutil
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "meta.yaml").unlink()
    SPECIAL[kind](data / "meta.yaml")
    code, out, err = run(*command, env={"MAESTRO_DATA": str(data)})
    assert code in (1, 2) and "Traceback" not in err  # verify reports a changed file (1); the others stop (2)
    assert "meta.yaml" in out + err


def test_a_file_over_the_limit_is_refused_while_reading(clinic):
    with open(clinic / PHASE1, "a", encoding="utf-8") as fh:
        fh.write(("x" * 1023 + "\n") * 4200)
    assert "4 MiB" in refused(run("check", clinic), PHASE1)


# ------------------------------------------------------------------ pathological YAML and JSON
@pytest.mark.parametrize("command", [["check", "{folder}"], ["status", "{name}"], ["export", "{name}"], ["score", "{folder}"]],
                         ids=lambda c: c[0])
def test_an_alias_bomb_in_a_record_block_is_refused(clinic, command):
    text = (clinic / PHASE1).read_text()
    (clinic / PHASE1).write_text(text.replace("```yaml maestro\n", "```yaml maestro\n" + BOMB, 1))
    (clinic / "threat-model.json").unlink()  # score and check would read the export otherwise
    args = [a.format(folder=clinic, name=clinic.name) for a in command] + (["--dir", clinic.parent] if "{name}" in command else [])
    line = refused(run(*args, timeout=20), PHASE1)
    assert "anchors (&a) are not allowed" in line


@pytest.mark.parametrize("target", ["state.json", "threat-model.json"])
def test_an_alias_bomb_in_a_json_file_is_refused(clinic, target):
    (clinic / target).write_text(BOMB)
    refused(run("check", clinic / target if target == "threat-model.json" else clinic, timeout=20), target)


@pytest.mark.parametrize("target", ["state.json", "threat-model.json", "answers"])
@pytest.mark.parametrize("shape", ["[", '{"a":'])
def test_deep_nesting_is_refused(clinic, target, shape):
    text = shape * 200000
    if target == "answers":
        answers = clinic.parent / "answers.json"
        answers.write_text(text)
        refused(run("import", "clinic-assistant", answers, "--dir", clinic.parent), "answers.json")
        return
    (clinic / target).write_text(text)
    refused(run("check", clinic / target if target == "threat-model.json" else clinic), target)


def test_deep_nesting_in_a_record_block_is_refused(clinic):
    text = (clinic / PHASE1).read_text()
    (clinic / PHASE1).write_text(text.replace("```yaml maestro\n", "```yaml maestro\nx: " + "[" * 100000 + "\n", 1))
    assert "nested deeper" in refused(run("check", clinic, "--json"), PHASE1)


def test_a_long_line_of_ids_is_scanned_in_linear_time(clinic):
    line = " ".join(f"T{n % 40 + 1} Prompt Injection Attack, L3-D2: Foo Bar (BV-3) https://x.test/threats/T1/" for n in range(30000))
    text = (clinic / PHASE1).read_text()
    (clinic / PHASE1).write_text(text.replace("\n## ", f"\n{line}\n\n## ", 1))
    code, out, err = run("check", clinic, "--json", timeout=120)  # quadratic time would take hours
    doc = json.loads(out)
    assert code == 1 and any("were not checked" in f["message"] for f in doc["findings"] if f["rule"] == "MC203")


# ------------------------------------------------------------------ writes through symlinks and outside the project
WRITERS = [["mark", "{name}", "1", "in_progress"], ["export", "{name}"], ["diagram", "{folder}"], ["migrate", "{folder}"]]


@pytest.mark.parametrize("command", WRITERS, ids=lambda c: c[0])
def test_a_project_folder_that_links_elsewhere_is_refused(clinic, outside, command):
    import shutil
    real = outside / "real-project"
    shutil.copytree(clinic, real)
    base = clinic.parent
    (base / "evil").symlink_to(real, target_is_directory=True)
    before = snapshot(outside)
    args = [a.format(name="evil", folder=base / "evil") for a in command]
    code, out, err = run(*args, *(["--dir", base] if "{name}" in command else []))
    assert code == 2 and "Traceback" not in err, out + err
    assert snapshot(outside) == before


@pytest.mark.parametrize("name", ["state.json", "threat-model.json", "state.json.bak", "threat-model.json.bak", "architecture.svg"])
def test_no_write_goes_through_a_symlinked_file(clinic, outside, name):
    victim = outside / "victim.txt"
    victim.write_text("keep me\n")
    (clinic / name).unlink(missing_ok=True)
    (clinic / name).symlink_to(victim)
    base = clinic.parent
    for args in (["mark", "clinic-assistant", "10", "complete", "--dir", base], ["export", "clinic-assistant", "--dir", base],
                 ["diagram", clinic]):
        code, out, err = run(*args)
        assert "Traceback" not in err
    assert victim.read_text() == "keep me\n"


def test_a_symlinked_phase_file_is_never_read(clinic, outside):
    (clinic / PHASE1).unlink()
    (clinic / PHASE1).symlink_to(outside / "secrets.yaml")
    code, out, err = run("check", clinic, "--json")
    assert code == 2 and "sk-live" not in out + err and "owner" not in out + err


# ------------------------------------------------------------------ locks and failing writes
def test_a_locked_project_makes_the_second_writer_wait_then_fail(clinic):
    from maestro import safeio
    base = clinic.parent
    with safeio.locked(clinic):
        line = refused(run("mark", "clinic-assistant", "1", "complete", "--dir", base, env={"MAESTRO_LOCK_WAIT": "0.3"}),
                       "clinic-assistant")
    assert "another maestro command" in line
    assert run("mark", "clinic-assistant", "1", "complete", "--dir", base)[0] == 0


def test_concurrent_marks_all_land(maestro_cli, tmp_path):
    assert maestro_cli("new", "race", "--dir", tmp_path, "--depth", "full")[0] == 0
    folder = tmp_path / "race"
    results = []

    def mark(args):
        results.append(run("mark", "race", *args, "--dir", tmp_path))
    jobs = [["1", "in_progress"], ["8", "skipped", "--reason", "no source access"], ["10j", "in_progress"], ["1", "in_progress"]]
    threads = [threading.Thread(target=mark, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r[0] == 0 for r in results), results
    phases = json.loads((folder / "state.json").read_text())["phases"]
    assert (phases["1"]["status"], phases["8"]["status"], phases["10j"]["status"]) == ("in_progress", "skipped", "in_progress")


@pytest.mark.parametrize("errno_name", ["ENOSPC", "EROFS", "EACCES"])
def test_a_failing_write_is_one_line_and_leaves_the_file(maestro_cli, clinic, monkeypatch, errno_name):
    import errno
    from maestro import safeio
    before = snapshot(clinic)

    def fail(*a, **k):
        raise OSError(getattr(errno, errno_name), os.strerror(getattr(errno, errno_name)))
    monkeypatch.setattr(safeio.tempfile, "mkstemp", fail)
    refused(maestro_cli("mark", "clinic-assistant", "1", "in_progress", "--dir", clinic.parent), "state.json: cannot write")
    assert snapshot(clinic) == before


def test_new_leaves_nothing_when_a_write_fails(maestro_cli, tmp_path, monkeypatch):
    from maestro import safeio
    real, calls = safeio.write_atomic, []

    def fail_on_fourth(path, data, backup=True):
        calls.append(path)
        if len(calls) == 4:
            raise safeio.Unusable(f"{path}: cannot write (No space left on device)")
        return real(path, data, backup)
    monkeypatch.setattr(safeio, "write_atomic", fail_on_fourth)
    code, out, err = maestro_cli("new", "half", "--dir", tmp_path)
    assert code == 2 and "No space left" in err
    assert not (tmp_path / "half").exists()


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_the_site_build_reports_a_special_data_file(tmp_path, kind):
    """The build's loader (kb.load_cached, what maestro_site/site.py calls) names the file as a knowledge-base problem."""
    import shutil
    from maestro.kb import KBError, load_cached
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "threats.yaml").unlink()
    SPECIAL[kind](data / "threats.yaml")
    with pytest.raises(KBError, match=r"threats\.yaml:1: .*not a regular file"):
        load_cached(data)
