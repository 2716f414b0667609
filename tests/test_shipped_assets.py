"""The built site ships no source maps and no lunr files for languages it does not use (issue 13), and search still
works without them (tests/test_search_browser.py types into the real search box)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.build


def test_no_source_maps_are_shipped_or_referenced(site):
    assert not list(site.rglob("*.map"))
    for p in list((site / "assets").rglob("*.min.js")) + list((site / "assets").rglob("*.min.css")):
        assert b"sourceMappingURL" not in p.read_bytes(), p.relative_to(site)


def test_only_the_languages_the_site_uses_are_shipped(site):
    lunr = site / "assets" / "javascripts" / "lunr"
    shipped = [p.name for p in lunr.rglob("*.js")] if lunr.exists() else []
    assert shipped == [], shipped            # English needs no stemmer or language file from this folder
