"""A broken knowledge base fails tests; it never stops pytest from collecting them."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_broken_knowledge_base_fails_tests_not_collection(tmp_path, cache_env):
    proj = tmp_path / "proj"
    shutil.copytree(ROOT, proj, ignore=shutil.ignore_patterns(".git", ".venv", "site", "build", "*.egg-info", "__pycache__",
                                                              ".pytest_cache", "test_lazy_kb.py"))
    threats = proj / "data" / "threats.yaml"
    text = threats.read_text(encoding="utf-8")
    broken = re.sub(r"^(- id: )T1$", r"\1T1x", text, count=1, flags=re.M)  # an ID that breaks its pattern
    assert broken != text
    threats.write_text(broken, encoding="utf-8")
    env = dict(os.environ, **cache_env)  # conftest puts the copy first on sys.path
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", "--co", "-m", "not browser",
                          "tests"],
                         cwd=proj, env=env, capture_output=True, text=True)
    assert res.returncode == 0, f"collection failed:\n{res.stdout}\n{res.stderr}"
    assert "knowledge-base-invalid" in res.stdout
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not browser", "-k", "not build",
                          "tests/test_data.py"], cwd=proj, env=env, capture_output=True, text=True)
    summary = res.stdout.strip().splitlines()[-1]
    assert res.returncode == 1, f"{res.stdout}\n{res.stderr}"
    assert "failed" in summary and "error" not in summary, summary
    assert "T1x" in res.stdout
