"""Workshop worksheets: one blank form per template, drawn from data/templates.yaml, one printed page each."""
from __future__ import annotations

import copy
import re

import pytest

from conftest import KB, kb_ids, page
from macros import workshop

KEYS = kb_ids(lambda kb: list(kb.templates))


@pytest.mark.parametrize("key", KEYS)
def test_worksheet_has_every_field_and_tick_boxes_for_choices(key):
    kb = KB.load()
    t = kb.templates[key]
    body = workshop.worksheet_body(kb, t)
    for f in t.get("fields", []):
        row = re.search(r'<tr><th scope="row">' + re.escape(f["name"].replace("&", "&amp;")) + r".*?</tr>", body)
        assert row, (key, f["name"])
        choices = workshop._choices(kb, f)
        assert row.group(0).count("\u2610") == len(choices), (key, f["name"])
        assert (not choices) == ('class="ws-line"' in row.group(0)), (key, f["name"])   # ruled space where nothing is ticked
    for c in t.get("columns", []):
        assert f">{c}</th>" in body, (key, c)


def test_a_value_added_to_the_data_appears_as_a_box():
    kb = copy.deepcopy(KB.load())
    severity = next(f for f in kb.templates["threat-card"]["fields"] if f["name"] == "Severity")
    severity["values"].append("Catastrophic")
    assert "\u2610</span> Catastrophic" in workshop.worksheet_body(kb, kb.templates["threat-card"])


@pytest.mark.build
@pytest.mark.parametrize("key", KEYS)
def test_worksheet_page_is_built_with_a_print_button(site, key):
    p = page(site, f"/workshop/{key}/")
    assert p.h1.startswith("Worksheet:")
    assert 'onclick="window.print()"' in (site / "workshop" / key / "index.html").read_text(encoding="utf-8")
