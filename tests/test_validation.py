"""Bad input in data/ stops everything with a message naming file, line and ID."""
from __future__ import annotations

import re
import shutil

import pytest

from conftest import DATA, mkdocs
from maestro import KBError, load_kb


@pytest.fixture
def data(tmp_path):
    dst = tmp_path / "data"
    shutil.copytree(DATA, dst)
    return dst


def edit(path, old, new, count=1):
    text = path.read_text()
    assert old in text, f"fixture text not found: {old!r}"
    path.write_text(text.replace(old, new, count))


def splice(path, anchor, start, end, new):
    """Replace the text from marker ``start`` up to marker ``end`` (kept) with ``new``; both are
    searched after ``anchor``, so edits land inside the entry of one ID."""
    text = path.read_text()
    i = text.index(start, text.index(anchor))
    j = text.index(end, i + len(start))
    path.write_text(text[:i] + new + text[j:])


def insert_after(path, anchor, marker, new):
    """Insert ``new`` right after ``marker``, the first one following ``anchor``."""
    text = path.read_text()
    i = text.index(marker, text.index(anchor)) + len(marker)
    path.write_text(text[:i] + new + text[i:])


def problems(data_dir):
    with pytest.raises(KBError) as exc:
        load_kb(data_dir)
    return exc.value.problems, str(exc.value)


def line_of(path, needle):
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(needle)


def test_valid_data_loads(data):
    assert load_kb(data).version


def test_malformed_yaml(data):
    f = data / "mitigations.yaml"
    edit(f, "- id: L3-D2\n", "- id: L3-D2\n  name: [unclosed\n")
    probs, msg = problems(data)
    assert probs[0].file == "data/mitigations.yaml"
    assert "malformed YAML" in msg
    assert probs[0].line >= line_of(f, "- id: L3-D2")


def test_duplicate_yaml_key(data):
    f = data / "layers.yaml"
    edit(f, "  short_label: Data Ops\n", "  short_label: Data Ops\n  short_label: Again\n")
    probs, msg = problems(data)
    assert "duplicate key 'short_label'" in msg and probs[0].file == "data/layers.yaml"


def test_duplicate_id(data):
    f = data / "mitigations.yaml"
    edit(f, "- id: L3-D3\n", "- id: L3-D2\n")
    probs, msg = problems(data)
    hit = [p for p in probs if "duplicate ID L3-D2" in p.message]
    assert hit and hit[0].id == "L3-D2" and hit[0].file == "data/mitigations.yaml"
    second = [n for n, l in enumerate(f.read_text().splitlines(), 1) if l == "- id: L3-D2"][1]
    assert hit[0].line == second
    # the gap left behind is reported too
    assert any("L3-D" in p.id and "without gaps" in p.message for p in probs)


def test_dangling_reference(data):
    f = data / "mitigations.yaml"
    splice(f, "- id: L3-D2", "addresses:", "\n", "addresses: [T19, T99]")
    probs, msg = problems(data)
    hit = [p for p in probs if "unknown threat T99" in p.message]
    assert hit and hit[0].id == "L3-D2" and hit[0].file == "data/mitigations.yaml"
    assert hit[0].line == line_of(f, "addresses: [T19, T99]")


def test_reserved_id_referenced(data):
    f = data / "mapping.yaml"
    edit(f, "- threat: T25\n", "- threat: T26\n  L7: primary\n- threat: T25\n")
    probs, msg = problems(data)
    assert any(p.id == "T26" and "reserved" in p.message and p.file == "data/mapping.yaml" for p in probs)


def test_missing_field(data):
    f = data / "blindspots.yaml"
    splice(f, "- id: BV-3", "  example:", "\n- id: BV-4", "")
    probs, msg = problems(data)
    hit = [p for p in probs if "'example' is a required property" in p.message]
    assert hit and hit[0].id == "BV-3" and hit[0].file == "data/blindspots.yaml"
    assert hit[0].line == line_of(f, "- id: BV-3")


def test_markup_in_text(data):
    f = data / "threats.yaml"
    insert_after(f, "- id: T12", "  description: >-\n", "    <script>alert(1)</script>\n")
    probs, msg = problems(data)
    hit = [p for p in probs if "markup is not allowed" in p.message]
    assert hit and hit[0].id == "T12" and hit[0].file == "data/threats.yaml"


def test_template_syntax_in_text(data):
    f = data / "glossary.yaml"
    insert_after(f, "- term: Agent\n", "definition: >-\n", "    {{ config.secret }}\n")
    probs, _ = problems(data)
    assert any("markup is not allowed" in p.message and p.id == "Agent" for p in probs)


def test_unknown_atlas_id(data):
    f = data / "threats.yaml"
    insert_after(f, "- id: T1\n", "  atlas: [", "AML.T9999, ")
    probs, _ = problems(data)
    assert any(p.id == "T1" and "AML.T9999" in p.message for p in probs)


def test_wrong_id_format(data):
    f = data / "mitigations.yaml"
    edit(f, "- id: L3-D2\n", "- id: L3-X2\n")
    probs, _ = problems(data)
    assert any("L3-X2" in p.message and p.file == "data/mitigations.yaml" for p in probs)


def test_mapping_row_for_missing_threat(data):
    f = data / "mapping.yaml"
    edit(f, "- threat: T25\n", "- threat: T48\n  L7: primary\n- threat: T25\n")
    probs, _ = problems(data)
    assert any(p.id == "T48" and "unknown threat T48" in p.message for p in probs)


def test_threat_without_mapping_row(data):
    f = data / "mapping.yaml"
    splice(f, "- threat: T25\n", "- threat: T25\n", "- threat:", "")
    probs, _ = problems(data)
    assert any(p.id == "T25" and "no row in mapping.yaml" in p.message for p in probs)


def test_unknown_id_in_prose(data):
    f = data / "layers.yaml"
    insert_after(f, "- id: L3\n", "  description: >-\n", "    See T99 and L3-D9 and BV-13 for details.\n")
    probs, _ = problems(data)
    msgs = " ".join(p.message for p in probs if p.id == "L3")
    assert "T99" in msgs and "L3-D9" in msgs and "BV-13" in msgs


def test_too_short_description(data):
    f = data / "threats.yaml"
    splice(f, "- id: T5\n", "  description: >-\n", "  manifestation:", "  description: Too short.\n")
    probs, _ = problems(data)
    assert any(p.id == "T5" and "at least 80 words" in p.message for p in probs)


def test_counts_per_layer_and_type(data):
    f = data / "mitigations.yaml"
    splice(f, "- id: L3-R3", "- id: L3-R3", "- id: L4-P1", "")
    probs, _ = problems(data)
    assert any(p.id == "L3-R" and "layer L3 has 2 deterrent mitigations, meta.yaml counts declare 3" in p.message for p in probs)


def test_lost_checklist_item_is_counted(data):
    f = data / "checklists.yaml"
    splice(f, "  - id: CK-L5-08", "  - id: CK-L5-08", "- id: L6", "")
    probs, _ = problems(data)
    assert any(p.id == "L5" and "7 checklist items, meta.yaml counts declare 8" in p.message for p in probs)


def test_missing_file(data):
    (data / "patterns.yaml").unlink()
    probs, _ = problems(data)
    assert probs[0].file == "data/patterns.yaml" and "missing" in probs[0].message


def test_error_format_names_file_line_and_id(data):
    edit(data / "mitigations.yaml", "- id: L3-D3\n", "- id: L3-D2\n")
    _, msg = problems(data)
    assert re.search(r"data/mitigations\.yaml:\d+: \[L3-D2\] duplicate ID", msg)


@pytest.mark.build
def test_bad_data_stops_build_before_writing(project_copy):
    edit(project_copy / "data" / "mitigations.yaml", "- id: L3-D3\n", "- id: L3-D2\n")
    out = project_copy / "site"
    out.mkdir()
    (out / "keep.txt").write_text("previous build")
    res = mkdocs("build", "--strict", "-d", str(out), cwd=project_copy, check=False)
    assert res.returncode != 0
    assert "data/mitigations.yaml" in res.stderr and "[L3-D2] duplicate ID" in res.stderr
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"], "nothing may be written or cleaned"


@pytest.mark.build
def test_unknown_id_in_page_stops_build(project_copy):
    page = project_copy / "docs" / "playbook" / "09-mitigation-catalog.md"
    page.write_text(page.read_text() + "\n\nSee also T99 here.\n")
    res = mkdocs("build", "--strict", "-d", str(project_copy / "site"), cwd=project_copy, check=False)
    assert res.returncode != 0
    assert re.search(r"docs/playbook/09-mitigation-catalog\.md:\d+: unknown ID T99", res.stderr)
