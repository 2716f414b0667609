"""Every internal link and anchor in the built site resolves; no page requests a third party."""
from __future__ import annotations

import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest


pytestmark = pytest.mark.build


def html_pages(site: Path):
    return sorted(site.rglob("*.html"))


def test_every_internal_link_and_anchor_resolves(parse_html, site):
    cache: dict = {}

    def parsed(p: Path):
        if p not in cache:
            cache[p] = parse_html(p.read_text(encoding="utf-8"))
        return cache[p]

    broken = []
    checked = 0
    for f in html_pages(site):
        here = "/" + f.relative_to(site).as_posix()
        for href, _, _ in parsed(f).links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            path = unquote(parts.path)
            if path.startswith("/") and not here.endswith("/404.html"):
                broken.append(f"{here}: absolute link {href} (breaks when the site is not at the domain root)")
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(here), path)) if path else here
            tfile = site / target.lstrip("/")
            if path.endswith("/") or (tfile.is_dir()):
                tfile = tfile / "index.html"
            if not tfile.exists():
                broken.append(f"{here}: {href} -> missing {target}")
                continue
            checked += 1
            frag = unquote(parts.fragment)
            if frag and tfile.suffix == ".html" and frag not in parsed(tfile).ids:
                broken.append(f"{here}: {href} -> no anchor #{frag}")
    assert checked > 5000
    assert not broken, "\n".join(broken[:50])


def test_no_third_party_requests_in_html(parse_html, site):
    offenders = []
    for f in html_pages(site):
        for ref in parse_html(f.read_text(encoding="utf-8")).requests:
            if urlsplit(ref).netloc:
                offenders.append(f"{f.relative_to(site)}: {ref}")
    assert not offenders, "\n".join(offenders[:20])


def test_no_google_fonts_or_cdn_in_assets(site):
    for f in list(site.rglob("*.html")) + list(site.rglob("*.css")):
        text = f.read_text(encoding="utf-8", errors="ignore")
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, f
