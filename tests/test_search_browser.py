"""Search in a real Chromium, typed into Material's own search box (issue 13): every ID, in its own case and in lower
case, and the exact name of every threat, blindspot and mitigation put the page that defines it first in the result
list itself (not only in the ID jump box above it); the search index is fetched only once a reader starts to search."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from conftest import kb_ids
from maestro import ids, urls
from test_browser import assert_local, browser, server  # noqa: F401  (the suite's served site and Chromium)

pytestmark = [pytest.mark.browser, pytest.mark.build]


def _id_cases(kb):
    every = [*kb.threats, *kb.blindspots, *kb.mitigations, *kb.layers]
    return [(i, urls.url_of(ids.kind_of(i), i)) for i in every] + \
           [(i.lower(), urls.url_of(ids.kind_of(i), i)) for i in every if i.lower() != i]


def _name_cases(kb):
    named = [(t["name"], "threat", t["id"]) for t in kb.active_threats()] + \
            [(b["name"], "blindspot", b["id"]) for b in kb.blindspots.values()] + \
            [(m["name"], "mitigation", mid) for mid, m in kb.mitigations.items()]
    return [(name, urls.url_of(kind, i)) for name, kind, i in named]


ID_CASES = kb_ids(_id_cases, arity=2)
NAME_CASES = kb_ids(_name_cases, arity=2)


@pytest.fixture(scope="module")
def search(browser, server):
    """One page with the search box open, shared by the module's queries (each worker process opens its own)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.requests_seen = []
    pg.on("request", lambda r: pg.requests_seen.append(r.url))
    pg.goto(server + "/playbook/01-layers/", wait_until="networkidle")
    pg.keyboard.press("s")
    box = pg.locator(".md-search__input")
    box.wait_for(state="visible")

    def first_result(query: str) -> str:
        box.fill(query)
        box.dispatch_event("keyup")
        # search-tuning.js records which query the shown results answer
        pg.wait_for_function("(q) => window.maestroSearch && window.maestroSearch.answered === q && "
                             "document.querySelector('.md-search-result__item a')", arg=query, timeout=10000)
        return urlsplit(pg.locator(".md-search-result__item a").first.get_attribute("href")).path
    first_result.page = pg
    yield first_result
    ctx.close()


@pytest.mark.parametrize("query,expected", ID_CASES)
def test_an_id_finds_its_page_first(search, query, expected):
    assert search(query) == expected


@pytest.mark.parametrize("query,expected", NAME_CASES)
def test_an_exact_name_finds_its_page_first(search, query, expected):
    assert search(query) == expected


def test_searching_stays_on_the_site(search):
    search("prompt injection")
    assert_local(search.page)


def test_the_index_is_fetched_only_when_a_reader_starts_to_search(browser, server):
    ctx = browser.new_context()
    pg = ctx.new_page()
    seen = []
    pg.on("request", lambda r: seen.append(urlsplit(r.url).path))
    pg.goto(server + "/threats/T12/", wait_until="networkidle")
    pg.wait_for_timeout(500)
    assert "/search/search_index.json" not in seen, "a page that nobody searches on fetches the index"
    pg.keyboard.press("s")
    pg.locator(".md-search__input").fill("T12")
    pg.locator(".md-search__input").dispatch_event("keyup")
    pg.locator(".md-search-result__item").first.wait_for(timeout=10000)
    assert seen.count("/search/search_index.json") == 1
    ctx.close()


def test_a_shared_search_link_opens_with_results(browser, server):
    ctx = browser.new_context()
    pg = ctx.new_page()
    pg.goto(server + "/threats/T12/?q=BV-7", wait_until="networkidle")
    pg.locator(".md-search-result__item").first.wait_for(timeout=10000)
    assert urlsplit(pg.locator(".md-search-result__item a").first.get_attribute("href")).path == "/blindspots/BV-7/"
    ctx.close()


def test_typing_in_a_form_does_not_fetch_the_index(browser, server):
    """The search shortcut keys (s, f, /) count as an intent to search only outside text fields."""
    ctx = browser.new_context()
    pg = ctx.new_page()
    seen = []
    pg.on("request", lambda r: seen.append(urlsplit(r.url).path))
    pg.goto(server + "/workshop/checklists/", wait_until="networkidle")
    pg.locator("textarea").first.type("safe, fast and signed", delay=5)
    pg.wait_for_timeout(300)
    assert "/search/search_index.json" not in seen
    ctx.close()
