"""/llms.txt and /llms-full.txt: the llms.txt convention, generated from the knowledge base (issue 13)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from maestro import exports, schemas
from maestro.urls import url_of

SITE_URL = ""  # the session's site is built without SITE_URL, so its addresses are site-relative (tests/test_site_url.py builds one with it)

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.build

LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def test_llms_txt_follows_the_convention(kb, site):
    text = (site / "llms.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "# MAESTRO Playbook"                 # one H1, the site's name, first
    assert sum(1 for l in lines if l.startswith("# ")) == 1
    assert lines[2].startswith("> ") and kb.version in lines[2]  # then the blockquote summary
    active = sum(1 for t in kb.threats if kb.status_of(t) == "active")
    assert f" {active} threats " in lines[2], lines[2]                 # reserved IDs are not counted as threats
    heads = [l[3:] for l in lines if l.startswith("## ")]
    assert heads[0] == "Data and schemas" and heads[-1] == "Optional"
    assert {"For AI assistants", "Playbook", "Guides", "Knowledge base", "Reference"} <= set(heads)
    # every section after the prose is a list of links
    body = text[text.index("\n## "):]
    for l in body.splitlines():
        assert not l or l.startswith("## ") or LINK.match(l[2:]) and l.startswith("- "), l


def test_llms_txt_points_at_the_exports_schemas_chapters_and_agents_page(kb, site):
    text = (site / "llms.txt").read_text(encoding="utf-8")
    urls = [u for _, u in LINK.findall(text)]
    for path in ["ids.json", "kb.json", "llms-full.txt", "schemas/threat-model.schema.json", "schemas/state.schema.json",
                 "schemas/data/threats.schema.json", "agents/", "playbook/03-mapping-matrix/", "csv/mapping.csv"]:
        assert SITE_URL + path in urls, path
    for name in schemas.DATA:
        assert name in text
    # every link names a file of the build (directory URLs as the site serves them)
    for u in urls:
        rel = u[len(SITE_URL):]
        assert (site / rel / "index.html").exists() if rel.endswith("/") or not rel else (site / rel).exists(), u
    assert f"MAESTRO T12 (v{kb.version})" in text                 # how to cite an ID
    assert "MAESTRO T16" in text and "OWASP T16" in text          # and the namespaced form where numbers collide


def test_llms_full_has_every_id_from_the_data(kb, site):
    text = (site / "llms-full.txt").read_text(encoding="utf-8")
    assert text.startswith("# ") and "\n> " in text
    entries = dict(re.findall(r"^### (\S+): (.+)$", text, re.M))
    ids = kb.all_ids()
    assert list(entries) == [i for t in ("layer", "threat", "blindspot", "mitigation") for i, v in ids.items() if v["type"] == t]
    for ident, info in ids.items():
        block = text[text.index(f"### {ident}: "):]
        block = block[: block.index("\n### ")] if "\n### " in block else block
        assert f"- URL: {SITE_URL}{url_of(info['type'], ident)[1:]}" in block, ident
        assert f"- Type: {info['type']}" in block, ident
        assert f"- Status: {info['status']}" in block, ident
        if info["status"] != "reserved":
            assert entries[ident] == info["name"] and f"- Cite as: MAESTRO {ident} (v{kb.version})" in block
    t12 = text[text.index("### T12: "):text.index("### T13: ")]
    assert "- Layers: primary " in t12 and kb.threats["T12"]["description"].strip()[:80] in t12
    d2 = text[text.index("### L3-D2: "):text.index("### L3-D3: ")]
    assert "- Type: mitigation (detective)" in d2 and "- Layers: L3" in d2 and "- Addresses: T19, T21" in d2


def test_llms_files_follow_the_build_address(kb):
    """A release build (mike puts the version into site_url) links its own versioned pages."""
    text = exports.llms_full_txt(kb, "https://maestro-playbook.example.org/1.1.0")
    assert "- URL: https://maestro-playbook.example.org/1.1.0/threats/T12/" in text
    assert "](threats/T12/)" not in exports.llms_txt(kb, None) and "[ids.json](ids.json)" in exports.llms_txt(kb, None)


def test_exports_module_stays_free_of_mkdocs():
    assert "mkdocs" not in (ROOT / "maestro" / "exports.py").read_text(encoding="utf-8")
