"""Phase skeletons without blank template tables (issue 22): `maestro new` writes none, and
maestro/skeleton_cleanup.py removes the ones older skeletons carry, only where every value cell is empty."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from maestro import project
from maestro.skeleton_cleanup import blank_template_tables

ROOT = Path(__file__).resolve().parents[1]

FIXTURE = ROOT / "tests" / "fixtures" / "engagement" / "clinic-assistant"
HEAD = "| Field | Allowed values / guidance | Value |"


def old_table(kb, tname: str, prefix: str) -> list[str]:
    """A template's table as `maestro new` wrote it before this change: every field with its guidance, the value empty."""
    t = next(t for t in kb.templates.values() if t["name"] == tname)
    rows = [f"| {f['name']} | {('; '.join(f.get('values', [])) or f.get('hint', '')).replace('<PROJ>', prefix)} |  |"
            for f in t.get("fields", [])]
    return [HEAD, "|---|---|---|", *rows, ""] if rows else []


def old_skeleton(kb, n: int, prefix: str) -> str:
    """The skeleton of phase ``n`` with each template's blank table back under its purpose line."""
    lines = project.skeleton(kb, n, "demo", prefix).split("\n")
    for tname in kb.phases[n]["templates"]:
        at = lines.index(f"## {tname}") + 3  # heading, blank line, purpose line, blank line
        lines[at:at] = old_table(kb, tname, prefix)
    return "\n".join(lines)


@pytest.mark.kb_params("n", lambda kb: sorted(kb.phases))
def test_an_old_skeleton_loses_exactly_its_blank_tables(kb, n):
    old = old_skeleton(kb, n, "DEM")
    assert (HEAD in old) == any(t.get("fields") for t in kb.templates.values() if t["name"] in kb.phases[n]["templates"])
    assert blank_template_tables(old) == project.skeleton(kb, n, "demo", "DEM")


def test_maestro_new_writes_no_template_table(kb, maestro_cli, tmp_path):
    code, _, err = maestro_cli("new", "demo", "--dir", tmp_path, "--prefix", "DEM", cwd=tmp_path)
    assert code == 0, err
    files = sorted((tmp_path / "demo").glob("[01][0-9]-*.md"))
    assert len(files) == len(kb.phases)
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert "Allowed values / guidance" not in text and "|---|" not in text, f.name
        assert "```yaml maestro" in text and "## Structured record" in text
    code, _, _ = maestro_cli("check", tmp_path / "demo", cwd=tmp_path)
    assert code == 0


def test_filled_tables_stay_as_they_are():
    for f in sorted(FIXTURE.glob("[01][0-9]-*.md")):
        text = f.read_text(encoding="utf-8")
        assert blank_template_tables(text) == text, f.name
    assert any("Allowed values / guidance" in f.read_text(encoding="utf-8") for f in FIXTURE.glob("*.md"))


def test_one_filled_value_keeps_the_table():
    text = "\n".join([HEAD, "|---|---|---|", "| Name | text |  |", "| Owner | a person | Dana |", "", "after", ""])
    assert blank_template_tables(text) == text


def test_a_blank_table_of_several_records_goes_and_crlf_survives():
    table = ["| Field | Allowed values / guidance | RR1 | RR2 |", "|---|---|---|---|", "| Owner | a person |  |  |", "| Review | Monthly |   |  |"]
    text = "\r\n".join(["## Residual Risk Template", "", "Purpose.", "", *table, "", "## Findings", ""])
    assert blank_template_tables(text) == "\r\n".join(["## Residual Risk Template", "", "Purpose.", "", "## Findings", ""])


def test_tables_in_code_fences_and_other_tables_are_left_alone():
    blank = [HEAD, "|---|---|---|", "| Name | text |  |"]
    fenced = "\n".join(["```markdown", *blank, "```", "~~~", *blank, "~~~", ""])
    assert blank_template_tables(fenced) == fenced
    other = "\n".join(["| Field | Meaning | Value |", "|---|---|---|", "| a | b |  |", ""])
    assert blank_template_tables(other) == other
    no_separator = "\n".join([HEAD, "| Name | text |  |", ""])
    assert blank_template_tables(no_separator) == no_separator


def test_a_pipe_escaped_in_guidance_does_not_make_a_value():
    text = "\n".join([HEAD, "|---|---|---|", r"| Mode | read \| write |  |", ""])
    assert blank_template_tables(text) == ""
    assert re.search(r"write", blank_template_tables(text.replace("|  |", "| x |"))), "a filled value keeps it"


def test_migrate_removes_blank_tables_and_keeps_filled_ones(maestro_cli, kb, tmp_path):
    """`maestro migrate` on a project whose skeletons still carry blank template tables: they go, with a .bak kept;
    a filled one (the clinic fixture's Phase 6 table) stays; a second run changes nothing."""
    assert maestro_cli("new", "demo", "--dir", tmp_path, "--prefix", "DEM")[0] == 0
    folder = tmp_path / "demo"
    for n in sorted(kb.phases):
        (folder / kb.phases[n]["output_file"]).write_text(old_skeleton(kb, n, "DEM"), encoding="utf-8")
    filled = (FIXTURE / "06-threat-register.md").read_text(encoding="utf-8")
    table = filled[filled.index("| Field |"):filled.index("\n\n", filled.index("| Field |"))]
    p6 = folder / kb.phases[6]["output_file"]
    p6.write_text(p6.read_text(encoding="utf-8").replace("## Findings", table + "\n\n## Findings", 1), encoding="utf-8")
    code, out, err = maestro_cli("migrate", folder)
    assert code == 0, out + err
    assert "blank template tables" in out
    for n in sorted(kb.phases):
        text = (folder / kb.phases[n]["output_file"]).read_text(encoding="utf-8")
        assert HEAD not in text, n
    assert table in p6.read_text(encoding="utf-8")  # filled in: kept
    assert (folder / (kb.phases[1]["output_file"] + ".bak")).exists()
    assert "blank template tables" not in maestro_cli("migrate", folder)[1]
