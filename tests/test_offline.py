"""The offline copy (`make offline`: mkdocs.yml built with MAESTRO_OFFLINE=true): one zip that works opened from disk,
search included.

The zip is built once for the module and unpacked into a temporary folder; Chromium then opens its pages
through file:// URLs, as a workshop participant on an air-gapped laptop would, and every request the
browser makes must stay on file://.
"""
from __future__ import annotations

import os
import posixpath
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[1]
LOCAL = ("file:", "data:", "blob:", "about:")


@pytest.fixture(scope="module")
def offline_zip(kb, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("offline")
    env = dict(os.environ, MAESTRO_OFFLINE="true", NO_MKDOCS_2_WARNING="1")
    res = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out / "offline")], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    assert res.returncode == 0, f"offline build failed:\n{res.stdout}\n{res.stderr}"
    return out / f"maestro-playbook-offline-v{kb.version}.zip"


@pytest.fixture(scope="module")
def unpacked(offline_zip, tmp_path_factory) -> Path:
    dst = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(offline_zip) as z:
        z.extractall(dst)
    return dst / offline_zip.stem


@pytest.fixture
def open_page(browser, unpacked):
    """open_page("threats/T12.html") -> a Playwright page that records requests and script errors."""
    ctxs = []

    def open_(rel: str):
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        ctxs.append(ctx)
        pg = ctx.new_page()
        pg.requests_seen, pg.errors = [], []
        pg.on("request", lambda r: pg.requests_seen.append(r.url))
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))
        pg.goto((unpacked / rel).as_uri(), wait_until="load")
        return pg
    yield open_
    for c in ctxs:
        c.close()


def assert_offline(pg):
    away = [u for u in pg.requests_seen if not u.startswith(LOCAL)]
    assert not away, f"requests that left file://: {away}"
    assert not pg.errors, pg.errors


@pytest.mark.parametrize("value,offline", [(None, False), ("false", False), ("true", True)])
def test_offline_is_a_switch_of_the_one_config(monkeypatch, value, offline):
    """One mkdocs.yml: MAESTRO_OFFLINE=true turns on Material's offline plugin, which turns directory URLs off."""
    from mkdocs.config import load_config
    if value is None:
        monkeypatch.delenv("MAESTRO_OFFLINE", raising=False)
    else:
        monkeypatch.setenv("MAESTRO_OFFLINE", value)
    config = load_config(str(ROOT / "mkdocs.yml"))
    plugin = config.plugins["material/offline"]
    assert plugin.config.enabled is offline
    plugin.on_config(config)
    assert config.use_directory_urls is not offline
    assert not (ROOT / "mkdocs.offline.yml").exists(), "no second config to drift from the first"


def test_makefile_offline_target_builds_with_the_switch():
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "## offline:" in make
    assert "MAESTRO_OFFLINE=true $(BIN)/mkdocs build --strict" in make


def test_zip_is_one_folder_with_the_whole_site(offline_zip):
    with zipfile.ZipFile(offline_zip) as z:
        names = z.namelist()
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {offline_zip.stem}
    inside = {n.split("/", 1)[1] for n in names}
    # file names instead of directory URLs, the inlined search index, the local worker shim, the exports
    for f in ("index.html", "threats/T12.html", "layers/cross-layer.html", "search/search_index.js",
              "assets/javascripts/offline-worker.js", "ids.json", "kb.json", "llms.txt", "T12/index.html"):
        assert f in inside, f
    assert not any("unpkg" in n for n in inside)


def test_every_relative_link_opens_a_file_from_disk(parse_html, unpacked):
    """From disk a link must name a file: one ending in a slash opens a folder listing (or the wrong folder)."""
    broken, checked = [], 0
    for f in sorted(unpacked.rglob("*.html")):
        here = f.relative_to(unpacked).as_posix()
        if here == "404.html":
            continue  # a server's page for any missing path: its links are root-relative by design
        for href, _, _ in parse_html(f.read_text(encoding="utf-8")).links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(here), unquote(parts.path)))
            if parts.path.endswith("/") or not (unpacked / target).is_file():
                broken.append(f"{here}: {href}")
            checked += 1
    assert checked > 5000
    assert not broken, f"{len(broken)} links do not open a file, e.g.\n" + "\n".join(broken[:30])


def test_no_page_names_another_host_for_a_script(unpacked):
    for rel in ("index.html", "threats/T12.html", "playbook/03-mapping-matrix.html"):
        html = (unpacked / rel).read_text(encoding="utf-8")
        assert "unpkg.com" not in html and "iframe-worker/shim" not in html, rel


def test_home_page_renders_from_disk(open_page):
    pg = open_page("index.html")
    assert pg.locator("h1").first.is_visible()
    assert pg.locator(".md-nav__link").count() > 10
    assert_offline(pg)


def test_threat_page_renders_and_links_work(open_page, unpacked):
    pg = open_page("threats/T12.html")
    assert pg.locator("h1").first.inner_text().startswith("T12")
    assert pg.title().startswith("T12")
    # a link to another ID page, as the page writes it (relative, with the file name)
    link = pg.locator('.md-content a[href*="mitigations/"][href$=".html"]').first
    href = link.get_attribute("href")
    assert href and not href.startswith(("/", "http")), href
    link.click()
    pg.wait_for_load_state("load")
    assert pg.url.startswith("file://") and "/mitigations/" in pg.url and pg.url.endswith(".html")
    assert pg.locator("h1").first.inner_text().split(":")[0] in pg.url
    # and the sidebar's way back to the threat taxonomy
    pg.goto((unpacked / "threats/T12.html").as_uri(), wait_until="load")
    nxt = pg.locator('a[data-maestro-step="next"]')
    nxt.click()
    pg.wait_for_load_state("load")
    assert pg.url.endswith("threats/T13.html")
    assert_offline(pg)


def test_search_returns_results_from_disk(open_page):
    pg = open_page("threats/T12.html")
    pg.locator(".md-search__input").click()     # the search field's label opens the search overlay
    pg.locator(".md-search__input").type("poisoning", delay=20)
    items = pg.locator(".md-search-result__item")
    items.first.wait_for(timeout=10000)
    assert items.count() > 0
    first = items.locator("a").first
    href = first.get_attribute("href")
    assert href.startswith("file://") and ".html" in href, href
    first.click()
    pg.wait_for_load_state("load")
    assert pg.url.startswith("file://") and pg.locator("h1").first.is_visible()
    assert_offline(pg)


def test_short_form_redirects_from_disk(open_page):
    pg = open_page("T12/index.html")
    pg.wait_for_url("**/threats/T12.html", timeout=5000)
    assert pg.locator("h1").first.inner_text().startswith("T12")
    assert_offline(pg)


# The site's own scripts from disk. Material never emits document$ on a file:// page; docs/assets/pages.js runs page
# scripts on load there instead, so the copy buttons, the table filters and the risk calculator work offline too.
def test_citation_copy_button_is_bound_from_disk(open_page):
    pg = open_page("threats/T12.html")
    assert pg.evaluate("document.querySelector('button.maestro-cite__copy').dataset.bound") == "1"


def test_matrix_filters_show_from_disk(open_page):
    pg = open_page("playbook/03-mapping-matrix.html")
    assert pg.evaluate("[...document.querySelectorAll('form[data-filter-for]')].every(f => !f.hidden)")


def test_risk_calculator_runs_from_disk(open_page):
    pg = open_page("guides/risk-scoring.html")
    assert pg.evaluate("document.querySelectorAll('form.maestro-calc[data-level]').length") == 1


def test_an_id_typed_into_search_finds_its_page_first_from_disk(open_page):
    """Offline there is no ID jump box (the browser refuses fetch() of ids.json from file://); the search results
    themselves put the ID's page first, as online."""
    pg = open_page("playbook/08-checklists.html")
    pg.locator(".md-search__input").click()
    pg.locator(".md-search__input").type("T12", delay=20)
    first = pg.locator(".md-search-result__item a").first
    first.wait_for(timeout=10000)
    pg.wait_for_function("() => /T12/.test(document.querySelector('.md-search-result__item a').textContent)", timeout=10000)
    assert first.get_attribute("href").split("?")[0].endswith("threats/T12.html")
