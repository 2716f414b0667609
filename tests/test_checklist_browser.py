"""The interactive checklist forms in a real Chromium (issue 12): answers kept in the browser per form and
knowledge-base version, the live count, Export (the JSON `maestro import` reads) and Reset, on the checklist
forms page and in the quickstart, with Material's instant navigation and from file://; print hides the tools."""
from __future__ import annotations

import json
import re

import pytest

from maestro import checklist_answers

pytestmark = [pytest.mark.browser, pytest.mark.build]

PALETTES = [("light", "default"), ("dark", "slate")]  # the OS preference the page follows, and Material's scheme

FORMS_PAGE = "/workshop/checklists/"
QUICKSTART = "/guides/quickstart/"
CK = '.ck-form[data-ck-form="checklists"]'
MVTM = '.ck-form[data-ck-form="mvtm"]'


def key(kb, form: str) -> str:
    return f"maestro:answers:{form}:{kb.version}"


def open_(pg, url: str):
    """Go to a page (a site path, or a whole URL) and wait until the script has drawn every form's tools."""
    if not hasattr(pg, "errors"):
        pg.errors = []
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.goto((pg.base if url.startswith("/") else "") + url, wait_until="networkidle")
    return ready(pg)


def ready(pg):
    pg.wait_for_function("[...document.querySelectorAll('.ck-form')].every(f => f.querySelector('.ck-tools .ck-progress'))")
    return pg


def reload(pg):
    pg.reload(wait_until="networkidle")
    return ready(pg)


def progress(pg, form: str) -> str:
    return pg.locator(f"{form} .ck-progress").inner_text().strip()


def stored(pg, kb, form: str):
    raw = pg.evaluate("k => localStorage.getItem(k)", key(kb, form))
    return None if raw is None else json.loads(raw)


def answer(pg, item: str, result: str | None = None, evidence: str | None = None, finding: str | None = None):
    if result:
        pg.locator(f'{CK} label[for="{item}-{result}"]').click()
    if evidence is not None:
        pg.locator(f'{CK} textarea[name="{item}:evidence"]').fill(evidence)
    if finding is not None:
        pg.locator(f'{CK} textarea[name="{item}:finding"]').fill(finding)


def shown(pg, item: str) -> dict:
    return pg.evaluate("""item => {
        const row = document.querySelector('.ck-form[data-ck-form="checklists"] .ck-row[data-item="' + item + '"]');
        const r = row.querySelector('input[type=radio]:checked');
        return {result: r ? r.value : null, evidence: row.querySelector('textarea[name$=":evidence"]').value,
                finding: row.querySelector('textarea[name$=":finding"]').value}; }""", item)


def test_each_form_gets_a_count_and_two_real_buttons(assert_local, page, kb):
    open_(page, FORMS_PAGE)
    assert page.locator(".ck-form").count() == 2
    for form, total in ((CK, len(kb.items)), (MVTM, len(kb.depth["mvtm"]))):
        tools = page.locator(f"{form} .ck-tools")
        assert tools.is_visible() and tools.get_attribute("hidden") is None
        assert progress(page, form) == f"0 of {total} answered"
        assert page.locator(f"{form} .ck-progress").get_attribute("aria-live") == "polite"
        buttons = tools.locator("button")
        assert [b.inner_text().strip() for b in buttons.all()] == ["Export answers", "Reset answers"]
        for b in buttons.all():
            assert b.get_attribute("type") == "button" and "md-button" in b.get_attribute("class").split()
    assert page.locator(f"{CK} .ck-row[data-item]").count() == len(kb.items)
    assert not page.errors, page.errors
    assert_local(page)


AXE_TOOLS = """async () => (await axe.run({include: [['.ck-tools']]}, {resultTypes: ['violations']})).violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ') + ' -- ' + ((n.any[0] || {}).message || '')).join('; '))"""


@pytest.fixture(params=PALETTES, ids=[p for _, p in PALETTES])
def palette_page(request, scheme_page, server, axe_source):
    """The checklist forms page in one palette, with an answer exported (so the status line shows) and axe-core loaded."""
    scheme, palette = request.param
    _, pg = scheme_page(scheme)  # its context is closed by the fixture
    pg.base = server
    open_(pg, FORMS_PAGE)
    assert pg.evaluate("document.body.getAttribute('data-md-color-scheme')") == palette
    answer(pg, "CK-L1-01", "holds")
    with pg.expect_download():
        pg.locator(f"{CK} .ck-tools button", has_text="Export answers").click()
    assert pg.locator(f"{CK} .ck-status").inner_text().startswith("Exported 1 answer")
    pg.mouse.move(0, 0)
    pg.evaluate("document.activeElement.blur()")
    pg.add_style_tag(content="*, *::before, *::after { transition: none !important; }")  # colours as they settle, not mid-fade
    pg.add_script_tag(content=axe_source)
    return pg


def test_tools_pass_axe(palette_page):
    """axe-core (serious and critical) on what this script draws: the count, the buttons and the status line."""
    assert not palette_page.evaluate(AXE_TOOLS)


def test_focused_tool_buttons_stay_readable(palette_page):
    for b in palette_page.locator(".ck-tools button").all():
        b.focus()
        assert not palette_page.evaluate(AXE_TOOLS), b.inner_text()


def test_answers_survive_a_reload_and_a_new_tab(page, kb):
    open_(page, FORMS_PAGE)
    answer(page, "CK-L3-04", "fails", "Steps run out of order in staging", "ACME-T4")
    answer(page, "CK-BV-01", "na")
    want = {"result": "fails", "evidence": "Steps run out of order in staging", "finding": "ACME-T4"}
    assert stored(page, kb, "checklists") == {"CK-L3-04": want, "CK-BV-01": {"result": "na"}}
    reload(page)
    assert shown(page, "CK-L3-04") == want and shown(page, "CK-BV-01")["result"] == "na"
    assert progress(page, CK) == f"2 of {len(kb.items)} answered"
    # a new tab has no form state of its own to restore: only the saved answers can fill it
    other = page.context.new_page()
    other.base = page.base
    open_(other, FORMS_PAGE)
    assert shown(other, "CK-L3-04") == want
    assert shown(other, "CK-L1-01") == {"result": None, "evidence": "", "finding": ""}
    assert progress(other, MVTM) == f"0 of {len(kb.depth['mvtm'])} answered"  # the other form is untouched
    assert not page.errors and not other.errors, page.errors + other.errors


def test_answers_are_kept_per_knowledge_base_version(page, kb):
    open_(page, FORMS_PAGE)
    page.evaluate("k => localStorage.setItem(k, JSON.stringify({'CK-L1-01': {result: 'fails', evidence: 'old questions'}}))",
                  f"maestro:answers:checklists:0.0.1-not-{kb.version}")
    reload(page)
    assert shown(page, "CK-L1-01") == {"result": None, "evidence": "", "finding": ""}
    assert progress(page, CK) == f"0 of {len(kb.items)} answered"


def test_count_follows_results_not_text(page, kb):
    total = len(kb.items)
    open_(page, FORMS_PAGE)
    answer(page, "CK-L2-01", evidence="asked the data team")
    assert progress(page, CK) == f"0 of {total} answered"
    assert stored(page, kb, "checklists") == {"CK-L2-01": {"evidence": "asked the data team"}}
    answer(page, "CK-L2-01", "partial")
    assert progress(page, CK) == f"1 of {total} answered"
    answer(page, "CK-L2-01", "holds")  # another result for the same item
    assert progress(page, CK) == f"1 of {total} answered"
    answer(page, "CK-L5-02", "fails")
    assert progress(page, CK) == f"2 of {total} answered"
    page.locator(f'{MVTM} input[name="MVTM-1"]').check()
    assert progress(page, MVTM) == f"1 of {len(kb.depth['mvtm'])} answered" and progress(page, CK) == f"2 of {total} answered"


def test_export_downloads_the_contract_json_that_maestro_import_reads(maestro_cli, page, kb, tmp_path):
    open_(page, FORMS_PAGE)
    answer(page, "CK-L6-03", "fails", "No audit log for tool calls\nsecond line", "ACME-T2")
    answer(page, "CK-L1-01", "holds", "Red-team report RT-12")
    answer(page, "CK-CL-02", evidence="to ask the platform team")
    with page.expect_download() as info:
        page.locator(f"{CK} .ck-tools button", has_text="Export answers").click()
    dl = info.value
    assert dl.suggested_filename == f"maestro-checklists-answers-{kb.version}.json"
    target = tmp_path / dl.suggested_filename
    dl.save_as(target)
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert set(doc) == {"format", "format_version", "form", "kb_version", "exported", "answers"}
    assert (doc["format"], doc["format_version"], doc["form"], doc["kb_version"]) == ("maestro-checklist-answers", 1, "checklists", kb.version)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["exported"]), doc["exported"]
    assert doc["answers"] == [  # page order, unanswered items left out
        {"item": "CK-L1-01", "result": "holds", "evidence": "Red-team report RT-12", "finding": ""},
        {"item": "CK-L6-03", "result": "fails", "evidence": "No audit log for tool calls\nsecond line", "finding": "ACME-T2"},
        {"item": "CK-CL-02", "result": None, "evidence": "to ask the platform team", "finding": ""},
    ]
    # the file goes straight into a project made with `maestro new`
    code, out, err = maestro_cli("new", "acme", "--dir", tmp_path / "tm", "--prefix", "ACME")
    assert code == 0, out + err
    code, out, err = maestro_cli("import", "acme", target, "--dir", tmp_path / "tm")
    assert code == 0, out + err
    text = (tmp_path / "tm" / "acme" / "06-threat-register.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| CK-L6-03 |"))
    assert kb.items["CK-L6-03"]["text"] in row and "| Fails | No audit log for tool calls<br>second line | ACME-T2 |" in row
    assert "| CK-CL-02 |" in text and "| not answered | to ask the platform team |" in text
    assert text.index("## Checklist answers") < text.index("## Structured record")


def test_export_of_the_mvtm_form_by_keyboard(page, kb):
    open_(page, FORMS_PAGE)
    page.locator(f'{MVTM} input[name="MVTM-2"]').check()
    page.locator(f'{MVTM} input[name="MVTM-7"]').focus()
    page.keyboard.press("Space")
    assert progress(page, MVTM) == f"2 of {len(kb.depth['mvtm'])} answered"
    page.locator(f"{MVTM} .ck-tools button", has_text="Export answers").focus()
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    doc = json.loads(open(info.value.path(), encoding="utf-8").read())
    assert info.value.suggested_filename == f"maestro-mvtm-answers-{kb.version}.json"
    assert doc["form"] == "mvtm" and [(a["item"], a["result"]) for a in doc["answers"]] == [("MVTM-2", "done"), ("MVTM-7", "done")]
    checklist_answers.parse_export(kb, doc, "mvtm.json")  # valid for `maestro import`


def test_reset_asks_first_then_clears(page, kb):
    open_(page, FORMS_PAGE)
    answer(page, "CK-L4-01", "partial", "half the clusters")
    page.locator(f'{MVTM} input[name="MVTM-5"]').check()
    reset = page.locator(f"{CK} .ck-tools button", has_text="Reset answers")
    asked = []
    page.once("dialog", lambda d: (asked.append(d.type), d.dismiss()))
    reset.click()
    assert asked == ["confirm"]
    assert shown(page, "CK-L4-01")["result"] == "partial" and stored(page, kb, "checklists") is not None
    page.once("dialog", lambda d: d.accept())
    reset.focus()
    page.keyboard.press("Enter")
    assert shown(page, "CK-L4-01") == {"result": None, "evidence": "", "finding": ""}
    assert progress(page, CK) == f"0 of {len(kb.items)} answered"
    assert stored(page, kb, "checklists") is None
    assert stored(page, kb, "mvtm") == {"MVTM-5": {"result": "done"}}  # the other form keeps its answers
    reload(page)
    assert shown(page, "CK-L4-01")["result"] is None and page.locator(f'{MVTM} input[name="MVTM-5"]').is_checked()


def sitemap_for_this_server(pg, site):
    """Material navigates instantly only to pages its sitemap lists with the site's address (SITE_URL). The session's
    build has no address, so MkDocs writes an empty sitemap; it is served here as a build with SITE_URL set to this
    test server's address would write it: every page of the built site."""
    urls = sorted("/" + p.parent.relative_to(site).as_posix().strip(".") for p in site.rglob("index.html"))
    body = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<url><loc>{pg.base}{u.rstrip('/')}/</loc></url>" for u in urls) + "</urlset>")
    pg.route("**/sitemap.xml", lambda route: route.fulfill(status=200, content_type="application/xml", body=body))


def test_quickstart_mvtm_tick_persists_and_follows_instant_navigation(page, kb, site):
    sitemap_for_this_server(page, site)
    open_(page, QUICKSTART)
    form = page.locator(MVTM)
    assert form.count() == 1
    assert progress(page, MVTM) == f"0 of {len(kb.depth['mvtm'])} answered"
    form.locator('input[name="MVTM-3"]').check()
    assert progress(page, MVTM) == f"1 of {len(kb.depth['mvtm'])} answered"
    reload(page)
    assert page.locator(f'{MVTM} input[name="MVTM-3"]').is_checked()
    assert not page.locator(f'{MVTM} input[name="MVTM-4"]').is_checked()
    # follow a link with Material's instant navigation: the page is swapped in without a load, and the
    # forms it brings are bound too, with the same answers (same form, same knowledge-base version)
    page.evaluate("""() => { window.__sameDocument = true; const a = document.createElement('a');
        a.id = 'go-forms'; a.href = new URL('../../workshop/checklists/', location.href).href; a.textContent = 'forms';
        document.querySelector('.md-content article').appendChild(a); }""")
    page.locator("#go-forms").click()
    page.wait_for_url("**/workshop/checklists/")
    page.wait_for_function("document.querySelectorAll('.ck-form .ck-progress').length === 2")
    assert page.evaluate("window.__sameDocument === true"), "the link was not followed by instant navigation"
    assert page.locator(f'{MVTM} input[name="MVTM-3"]').is_checked()
    assert progress(page, MVTM) == f"1 of {len(kb.depth['mvtm'])} answered"
    answer(page, "CK-L7-01", "holds")
    assert stored(page, kb, "checklists") == {"CK-L7-01": {"result": "holds"}}
    assert not page.errors, page.errors


def test_print_hides_the_tools(page):
    open_(page, FORMS_PAGE)
    answer(page, "CK-L1-02", "holds")
    assert page.locator(".ck-tools").first.is_visible()
    page.emulate_media(media="print")
    tools = page.locator(".ck-tools")
    assert tools.count() == 2 and not any(t.is_visible() for t in tools.all())
    assert page.locator(f'{CK} .ck-row[data-item="CK-L1-02"]').is_visible()  # the form itself still prints
    page.emulate_media(media="screen")
    assert all(t.is_visible() for t in tools.all())


def test_printed_pack_is_not_interactive(page):
    open_(page, "/workshop/")
    assert page.locator(".ck-form").count() == 0
    assert page.locator(".ck-tools").count() == 0
    assert page.locator("button", has_text="Export answers").count() == 0


def test_works_from_file_urls(browser, site, kb):
    ctx = browser.new_context()
    pg = ctx.new_page()
    pg.base = ""
    try:
        url = (site / "workshop" / "checklists" / "index.html").as_uri()
        open_(pg, url)
        assert progress(pg, CK) == f"0 of {len(kb.items)} answered"
        answer(pg, "CK-L3-01", "fails", "offline workshop")
        assert progress(pg, CK) == f"1 of {len(kb.items)} answered"
        other = ctx.new_page()
        other.base = ""
        open_(other, url)
        assert shown(other, "CK-L3-01") == {"result": "fails", "evidence": "offline workshop", "finding": ""}
        with other.expect_download() as info:
            other.locator(f"{CK} .ck-tools button", has_text="Export answers").click()
        doc = json.loads(open(info.value.path(), encoding="utf-8").read())
        assert doc["answers"] == [{"item": "CK-L3-01", "result": "fails", "evidence": "offline workshop", "finding": ""}]
        assert not pg.errors and not other.errors, pg.errors + other.errors
    finally:
        ctx.close()
