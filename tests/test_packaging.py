"""A wheel carries everything `maestro` needs: install it into a fresh venv and run it elsewhere.

The wheel is built (with pip's build isolation: the venv's own setuptools has no bdist_wheel)
from a copy of the checkout, so no build/ directory of the clone leaks stale files into it.
The fresh venv has no system site-packages and gets the wheel with --no-deps --no-index; the
pinned dependencies (pyyaml, jsonschema, ...) come from this venv's site-packages through a .pth
line, which adds the directory without running its .pth files, so the clone's editable install
of maestro stays invisible. The commands run from a directory outside the clone.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SKIP = shutil.ignore_patterns(".git", ".venv", "site", "build", "*.egg-info", "__pycache__", "*.pyc", ".pytest_cache", "tests", "bench")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """bin/ of a fresh venv holding only the wheel built from this checkout."""
    tmp = tmp_path_factory.mktemp("wheel")
    src, wheels, venv = tmp / "src", tmp / "dist", tmp / "venv"
    shutil.copytree(ROOT, src, ignore=SKIP)
    run = lambda *cmd: subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: E731
    res = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(src))
    assert res.returncode == 0, f"pip wheel failed:\n{res.stdout}\n{res.stderr}"
    wheel, = wheels.glob("maestro_playbook-*.whl")
    res = run(sys.executable, "-m", "venv", "--without-pip", str(venv))
    assert res.returncode == 0, res.stderr
    py = venv / "bin" / "python"
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    res = run(sys.executable, "-m", "pip", "--python", str(py), "install", "--quiet", "--no-deps", "--no-index", str(wheel))
    assert res.returncode == 0, f"pip install failed:\n{res.stdout}\n{res.stderr}"
    Path(purelib, "maestro-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def _run(cache_env, bin_dir: Path, *args, cwd: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MAESTRO_DATA", "VIRTUAL_ENV")}
    env.update(cache_env, PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}")
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_installed_package_reads_its_own_data(cache_env, installed, tmp_path):
    res = _run(cache_env, installed, installed / "python", "-c",
               "import json, maestro, maestro.paths as p, maestro.releases as r;"
               "print(json.dumps([maestro.__file__, str(p.root()), p.installed(), sorted(r.kept())]))", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    where, root, is_installed, releases = json.loads(res.stdout)
    venv = installed.parent.resolve()
    assert Path(where).resolve().is_relative_to(venv) and Path(root).resolve().is_relative_to(venv) and is_installed
    assert releases == sorted(p.name for p in (ROOT / "releases").iterdir() if (p / "ids.json").exists())


def test_installed_score_outside_the_clone(cache_env, installed, tmp_path):
    res = _run(cache_env, installed, installed / "maestro", "score", "--severity", "High", "--likelihood", "Likely", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "Risk level:" in res.stdout


def test_installed_verify_outside_the_clone(cache_env, maestro_cli, installed, tmp_path):
    """The wheel's bundle verifies exactly as the clone does: nothing of the covered files is missing or extra."""
    res = _run(cache_env, installed, installed / "maestro", "verify", "--json", cwd=tmp_path)
    assert res.returncode in (0, 1), res.stderr
    got = json.loads(res.stdout)
    code, out, _ = maestro_cli("verify", "--json")
    want = json.loads(out)
    assert {k: got[k] for k in ("ok", "changed", "missing", "extra")} == {k: want[k] for k in ("ok", "changed", "missing", "extra")}
    assert res.returncode == code


def test_installed_new_and_check_outside_the_clone(cache_env, installed, tmp_path):
    res = _run(cache_env, installed, installed / "maestro", "new", "pkg", "--dir", tmp_path, "--prefix", "PKG", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    res = _run(cache_env, installed, installed / "maestro", "check", tmp_path / "pkg", cwd=tmp_path)
    assert res.returncode in (0, 1) and "Traceback" not in res.stderr, res.stderr
    example = _run(cache_env, installed, installed / "python", "-c", "import maestro.paths as p; print(p.data_dir() / 'examples')", cwd=tmp_path)
    assert sorted(p.name for p in Path(example.stdout.strip()).glob("*.json")) == sorted(p.name for p in (ROOT / "data" / "examples").glob("*.json"))


def test_installed_report_outside_the_clone(cache_env, installed, tmp_path):
    """The report templates travel in the wheel: `maestro report` writes the same report as the clone's."""
    model = tmp_path / "threat-model.json"
    shutil.copy2(ROOT / "data" / "examples" / "rag-agent.json", model)
    res = _run(cache_env, installed, installed / "maestro", "--json", "report", model, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    written = json.loads(res.stdout)
    report = Path(written["file"])
    assert report == tmp_path / "report.html" and report.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "RAG-T18" in report.read_text(encoding="utf-8") and written["counts"]["threats"] == 18

