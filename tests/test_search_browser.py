"""Search in a real Chromium, typed into Material's own search box (issue 13): every ID, in its own case and in lower
case, and the exact name of every threat, blindspot and mitigation put the page that defines it first in the result
list itself (not only in the ID jump box above it); the search index is fetched only once a reader starts to search."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from maestro import ids, urls

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


@pytest.mark.kb_params("query,expected", _id_cases)
def test_an_id_finds_its_page_first(search, query, expected):
    assert search(query) == expected


@pytest.mark.kb_params("query,expected", _name_cases)
def test_an_exact_name_finds_its_page_first(search, query, expected):
    assert search(query) == expected


def test_searching_stays_on_the_site(assert_local, search):
    search("prompt injection")
    assert_local(search.page)


INDEX = "/search/search_index.json"


@pytest.fixture
def fresh(browser, server):
    """fresh(url) -> a page of its own, with the paths of every request it made in ``page.seen``."""
    ctxs = []

    def open_(url):
        ctx = browser.new_context()
        ctxs.append(ctx)
        pg = ctx.new_page()
        pg.seen = []
        pg.on("request", lambda r: pg.seen.append(urlsplit(r.url).path))
        pg.goto(server + url, wait_until="networkidle")
        return pg
    yield open_
    for c in ctxs:
        c.close()


def test_the_index_is_fetched_only_when_a_reader_starts_to_search(fresh):
    pg = fresh("/threats/T12/")
    pg.wait_for_timeout(500)
    assert INDEX not in pg.seen, "a page that nobody searches on fetches the index"
    pg.keyboard.press("s")
    pg.locator(".md-search__input").fill("T12")
    pg.locator(".md-search__input").dispatch_event("keyup")
    pg.locator(".md-search-result__item").first.wait_for(timeout=10000)
    assert pg.seen.count(INDEX) == 1


def test_a_shared_search_link_opens_with_results(fresh):
    pg = fresh("/threats/T12/?q=BV-7")
    pg.locator(".md-search-result__item").first.wait_for(timeout=10000)
    assert urlsplit(pg.locator(".md-search-result__item a").first.get_attribute("href")).path == "/blindspots/BV-7/"


def test_typing_in_a_form_does_not_fetch_the_index(fresh):
    """The search shortcut keys (s, f, /) count as an intent to search only outside text fields."""
    pg = fresh("/workshop/checklists/")
    pg.locator("textarea").first.type("safe, fast and signed", delay=5)
    pg.wait_for_timeout(300)
    assert INDEX not in pg.seen
