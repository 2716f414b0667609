"""The site's address is configuration (issue 24): SITE_URL at build time sets site_url and every absolute address
derived from it; without it nothing shows a host the site is not published at, and addresses are site-relative."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from maestro import urls

pytestmark = pytest.mark.build

ROOT = Path(__file__).resolve().parents[1]
SITE = "https://maestro.test.invalid/playbook/"


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """The site built with SITE_URL set, as a release build would be."""
    out = tmp_path_factory.mktemp("published") / "site"
    env = dict(os.environ, SITE_URL=SITE, NO_MKDOCS_2_WARNING="1")
    res = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    return out


def every_text_file(site: Path):
    for p in site.rglob("*"):
        if p.is_file() and p.suffix in (".html", ".xml", ".txt", ".json") and "schemas" not in p.parts:
            yield p


def test_without_site_url_no_page_or_export_names_a_host_it_is_not_at(site):
    hits = [str(p.relative_to(site)) for p in every_text_file(site) if urls.PLACEHOLDER_HOST in p.read_text(encoding="utf-8")]
    assert not hits, f"the placeholder host is shown in: {hits[:10]}"
    t12 = (site / "threats" / "T12" / "index.html").read_text(encoding="utf-8")
    assert 'data-copy="/threats/T12/" data-copy-path' in t12 and "This version" not in t12
    assert '<link rel="canonical"' not in t12


def test_with_site_url_everything_derived_uses_it(published):
    t12 = (published / "threats" / "T12" / "index.html").read_text(encoding="utf-8")
    assert f'<link rel="canonical" href="{SITE}threats/T12/">' in t12
    assert f'data-copy="{SITE}threats/T12/"' in t12 and "data-copy-path" not in t12
    assert "This version" in t12
    sitemap = (published / "sitemap.xml").read_text(encoding="utf-8")
    locs = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert locs and all(l.startswith(SITE) for l in locs)
    llms = (published / "llms.txt").read_text(encoding="utf-8")
    assert f"{SITE}ids.json" in llms and f"{SITE}threats/T12/" in llms
    assert all(u.startswith(SITE) for u in re.findall(r"\]\((https?://[^)]+)\)", llms) if "maestro.test.invalid" in u)


@pytest.mark.parametrize("value,message", [("http://example.com/", "https"), (f"https://{urls.PLACEHOLDER_HOST}/", "placeholder")])
def test_a_build_refuses_a_site_url_that_is_not_a_real_https_address(tmp_path, value, message):
    env = dict(os.environ, SITE_URL=value, NO_MKDOCS_2_WARNING="1")
    res = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-d", str(tmp_path / "s")], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    assert res.returncode != 0 and message in res.stderr, res.stderr[-1500:]


@pytest.mark.parametrize("value,want", [(None, None), ("", None), ("https://a.example/x", "https://a.example/x/"),
                                        ("https://a.example/", "https://a.example/")])
def test_site_url_reads_the_configuration(monkeypatch, value, want):
    if value is None:
        monkeypatch.delenv("SITE_URL", raising=False)
    else:
        monkeypatch.setenv("SITE_URL", value)
    assert urls.site_url() == want
    assert urls.permanent_url("threat", "T12") == (f"{want}threats/T12/" if want else "/threats/T12/")


def test_mkdocs_serve_address_is_not_taken_for_the_published_one(monkeypatch):
    """`mkdocs serve` sets site_url to its local http address; the build runs and cites no host (SITE_URL unset)."""
    from mkdocs.config import load_config
    monkeypatch.delenv("SITE_URL", raising=False)
    config = load_config(str(ROOT / "mkdocs.yml"), site_url="http://127.0.0.1:8000/")
    plugin = config.plugins["maestro"]
    plugin.on_config(config)
    assert plugin.site_url is None
