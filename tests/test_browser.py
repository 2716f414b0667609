"""What a person sees: pages in a real Chromium, search by ID, colour scheme, the matrix, print.

Uses Playwright with Debian's Chromium (/usr/bin/chromium); the site is served from a
strict build on 127.0.0.1. Every request the browser makes is recorded and must stay local.
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.build]

CHROMIUM = os.environ.get("MAESTRO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    pw_sync = pytest.importorskip("playwright.sync_api")
    assert os.path.exists(CHROMIUM), "Chromium is required for browser tests (make browser installs it)"
    with pw_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.requests_seen = []
    pg.on("request", lambda r: pg.requests_seen.append(r.url))
    pg.base = server
    yield pg
    ctx.close()


def assert_local(pg):
    foreign = [u for u in pg.requests_seen if urlsplit(u).hostname not in ("127.0.0.1", None) and not u.startswith("data:")]
    assert not foreign, foreign


PAGES = ["/", "/threats/T12/", "/blindspots/BV-7/", "/mitigations/L3-D2/", "/layers/L6/", "/layers/cross-layer/",
         "/playbook/03-mapping-matrix/", "/playbook/08-checklists/", "/playbook/09-mitigation-catalog/", "/threats/T26/"]


@pytest.mark.parametrize("url", PAGES)
def test_page_renders_without_third_party_requests(page, url):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    resp = page.goto(page.base + url, wait_until="networkidle")
    assert resp.status == 200
    assert page.locator("h1").first.is_visible()
    assert not errors, errors
    assert_local(page)


@pytest.mark.parametrize("query,expected", [("BV-7", "/blindspots/BV-7/"), ("T1", "/threats/T1/"), ("l3-d2", "/mitigations/L3-D2/"),
                                            ("CL-P1", "/mitigations/CL-P1/"), ("T26", "/threats/T26/")])
def test_search_by_id_offers_the_id_page_first(page, query, expected):
    page.goto(page.base + "/playbook/08-checklists/", wait_until="networkidle")
    page.keyboard.press("s")
    page.keyboard.type(query, delay=30)
    first = page.locator(".md-search-result a").first
    first.wait_for(timeout=5000)
    assert urlsplit(first.get_attribute("href")).path == expected
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{expected}")
    assert page.locator("h1").first.inner_text().startswith(expected.strip("/").split("/")[-1])
    assert_local(page)


def test_search_by_words_still_works(page):
    page.goto(page.base + "/", wait_until="networkidle")
    page.keyboard.press("s")
    page.keyboard.type("memory poisoning", delay=30)
    page.locator(".md-search-result__item").first.wait_for(timeout=5000)
    assert "/threats/T1/" in page.locator(".md-search-result__item a").first.get_attribute("href")


@pytest.mark.parametrize("scheme,expected", [("dark", "slate"), ("light", "default")])
def test_palette_follows_the_os(browser, server, scheme, expected):
    ctx = browser.new_context(color_scheme=scheme)
    pg = ctx.new_page()
    pg.goto(server + "/threats/T1/", wait_until="networkidle")
    assert pg.evaluate("document.body.getAttribute('data-md-color-scheme')") == expected
    ctx.close()


def test_matrix_fits_1280_and_every_mark_links(page):
    page.goto(page.base + "/playbook/03-mapping-matrix/", wait_until="networkidle")
    overflow = page.evaluate("""() => [...document.querySelectorAll('table.maestro-matrix')].map(t => {
        const box = t.closest('.md-typeset__table') || t.parentElement;
        return [t.scrollWidth, box.clientWidth, document.documentElement.scrollWidth, window.innerWidth]; })""")
    for table_w, box_w, doc_w, win_w in overflow:
        assert table_w <= box_w + 1 and doc_w <= win_w, overflow
    cells = page.locator("table.maestro-matrix td.maestro-matrix__primary, table.maestro-matrix td.maestro-matrix__secondary")
    assert cells.count() > 60
    assert page.locator("table.maestro-matrix td.maestro-matrix__primary a, table.maestro-matrix td.maestro-matrix__secondary a").count() == cells.count()
    page.locator('table.maestro-matrix[data-kind="core"] tr:has(th a:text-is("T11")) td.maestro-matrix__secondary a').first.click()
    page.wait_for_url("**/threats/T11/#layers")


def test_citation_copy_button(browser, server):
    ctx = browser.new_context()
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    pg = ctx.new_page()
    pg.goto(server + "/mitigations/CL-P1/", wait_until="networkidle")
    pg.locator("button.maestro-cite__copy").click()
    pg.wait_for_function("document.querySelector('button.maestro-cite__copy').dataset.copied === 'true'", timeout=5000)
    assert pg.evaluate("navigator.clipboard.readText()").startswith("MAESTRO CL-P1 (v")
    ctx.close()


@pytest.mark.parametrize("url,selector,minimum", [
    ("/playbook/08-checklists/", "ul.maestro-checklist input[type=checkbox]", 90),
    ("/playbook/07-templates/", ".maestro-template table", 13),
    ("/playbook/12-quick-reference/", ".maestro-card table, ol.maestro-checklist li", 10),
])
def test_workshop_pages_print_cleanly(page, tmp_path, url, selector, minimum):
    page.goto(page.base + url, wait_until="networkidle")
    page.emulate_media(media="print")
    hidden = page.evaluate("""() => ['.md-header', '.md-sidebar--primary', '.md-sidebar--secondary', '.md-footer'].map(s => {
        const e = document.querySelector(s); return !e || getComputedStyle(e).display === 'none'; })""")
    assert all(hidden), hidden
    items = page.locator(selector)
    assert items.count() >= minimum and items.first.is_visible()
    width = page.evaluate("document.querySelector('.md-content').getBoundingClientRect().width")
    assert width > 0.8 * page.viewport_size["width"], "content uses the page width when printed"
    pdf = page.pdf(path=str(tmp_path / "page.pdf"), format="A4")
    assert pdf[:4] == b"%PDF" and len(pdf) > 20_000

def test_risk_calculator_agrees_with_scoring_on_every_cell(page):
    """Every matrix cell with uniform statuses, and mixed per-type statuses on the High and
    Critical cells: the widget shows what `maestro.scoring.score` computes (ruling R02)."""
    from conftest import KB
    from maestro import scoring

    page.goto(page.base + "/guides/risk-scoring/", wait_until="networkidle")
    form = page.locator("#maestro-calc")
    assert form.is_visible()
    # accessible form: every fieldset has a legend, every select sits in a label with text
    assert page.evaluate("""() => [...document.querySelectorAll('#maestro-calc fieldset')]
                              .every(f => f.querySelector(':scope > legend')?.textContent.trim())""")
    assert page.evaluate("""() => [...document.querySelectorAll('#maestro-calc select')]
                              .every(s => s.closest('label') && s.closest('label').textContent.replace(s.textContent, '').trim())""")

    sevs = [s["level"] for s in KB.scoring["severity"]]
    liks = [s["level"] for s in KB.scoring["likelihood"]]
    keys = [s["key"] for s in KB.scoring["implementation_status"]]
    typed = list(dict.fromkeys(k for kinds in KB.scoring["required_controls"].values() for k in kinds))
    assert typed == ["preventive", "detective", "corrective"]
    mixed = [("implemented", "not", "not"), ("partial", "not", "not"), ("implemented", "partial", "not"),
             ("not", "implemented", "implemented"), ("partial", "partial", "implemented"), ("implemented", "implemented", "partial")]

    def set_statuses(required, values):
        if required:
            for kind, v in zip(required, values, strict=True):
                form.locator(f"select[name=status-{kind}]").select_option(v)
        else:
            form.locator("select[name=status]").select_option(values[0])

    def shown():
        return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#maestro-calc [data-out]')]
                                  .map(e => [e.dataset.out, e.textContent]))""")

    checked = {"uniform": 0, "mixed": 0}
    for sev in sevs:
        form.locator("select[name=severity]").select_option(sev)
        for lik in liks:
            form.locator("select[name=likelihood]").select_option(lik)
            level = scoring.risk_level(KB, sev, lik)
            required = scoring.required_types(KB, level)
            # only the inputs that count at this level are offered
            assert form.locator('fieldset[data-controls="per-type"]').is_visible() == bool(required), (sev, lik)
            assert form.locator('fieldset[data-controls="strongest"]').is_visible() == (not required), (sev, lik)
            for kind in typed:
                assert form.locator(f"select[name=status-{kind}]").is_visible() == (kind in required), (sev, lik, kind)
            combos = [("uniform", (k,) * len(typed)) for k in keys] + ([("mixed", m) for m in mixed] if required else [])
            for what, values in combos:
                set_statuses(required, values if required else values[:1])
                spec = ",".join(f"{kind}={v}" for kind, v in zip(typed, values, strict=True))
                want = scoring.score(KB, sev, lik, spec)
                triples = [(kind, st, "full") for kind, st in scoring.parse_statuses(KB, spec).items()]
                credit = scoring.control_credit(KB, want.level, triples)
                got = shown()
                ctx = (sev, lik, spec)
                assert got["level"] == want.level and int(got["value"]) == want.value, ctx
                assert got["action"] == want.action and got["timeframe"] == want.timeframe, ctx
                assert got["status"] == want.status, (ctx, got["status"])
                assert float(got["credit"]) == round(credit, 2), ctx
                assert float(got["effective"]) == want.effective and got["effective_level"] == want.effective_level, (ctx, got)
                checked[what] += 1
    severe = sum(1 for s in sevs for l in liks if scoring.required_types(KB, scoring.risk_level(KB, s, l)))
    assert checked == {"uniform": 16 * len(keys), "mixed": severe * len(mixed)} and severe == 9
