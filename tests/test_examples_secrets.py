"""The secret scan (MC602) of every worked example: the site build skips it to stay fast (BUILD_SKIPS in
maestro_site/tables/examples.py), so it runs here, on the same files the build renders."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from maestro_site.tables.examples import BUILD_SKIPS
from maestro import checks

ROOT = Path(__file__).resolve().parents[1]

EXAMPLES = sorted(p.stem for p in (ROOT / "data" / "examples").glob("*.json"))


@pytest.mark.parametrize("name", EXAMPLES)
def test_worked_example_holds_no_secret(kb, name):
    path = ROOT / "data" / "examples" / f"{name}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert "MC602" in BUILD_SKIPS  # the build leaves the scan to this test
    found = [f for f in checks.check_doc(kb, doc, str(path)) if f.rule == "MC602"]
    assert not found, [str(f) for f in found]


def test_the_scan_the_build_skips_still_finds_a_secret(kb, tmp_path):
    planted = tmp_path / "quickstart.json"
    shutil.copy(ROOT / "data" / "examples" / "quickstart.json", planted)
    key = '{"aws_note": "AKIAIOSFODNN7EXAMPLE aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",'
    planted.write_text(planted.read_text(encoding="utf-8").replace("{", key, 1), encoding="utf-8")
    doc = json.loads(planted.read_text(encoding="utf-8"))
    assert any(f.rule == "MC602" for f in checks.check_doc(kb, doc, str(planted)))
