"""Jinja templates for the generated ID pages (maestro_site/templates/<type>.html.j2).

Templates produce the page's content as HTML (maestro_site/html_page.py hands it to MkDocs without Markdown). Every value
a template prints is escaped as HTML text (``finalize``), except what a helper built and marked safe: links from the
Linker, tables, lists and notices, which escape the data they contain themselves. So a data string cannot inject
markup, and no template escapes anything by hand; an attribute a template fills from data uses ``| attr``, and
a link to another site ``| external_href``, which also refuses any address that is not https.
The page's metadata (what front matter would hold) is ``meta``.
"""
from __future__ import annotations

import html
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from .render import CATALOG, MATRIX, TAXONOMY, attr, external_url
from .render_html import HtmlLinker, admonition, bullet, esc, heading, paragraphs, table

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _safe(fn):
    def wrapped(*a, **k):
        return Markup(fn(*a, **k))
    return wrapped


class SafeLinker:
    """A Linker whose results are marked safe for the templates (they are escaped HTML already)."""

    def __init__(self, linker: HtmlLinker):
        self._l = linker

    def __getattr__(self, name):
        return _safe(getattr(self._l, name))


SEARCH_BOOST = 3
"""How much more a page that defines an ID weighs in search than a page that mentions it (Material's ``search.boost``)."""


def meta(title: str, description: str, kind: str, ident: str, redirect: str | None = None, nav: dict | None = None) -> dict:
    """A generated page's metadata; ``nav`` (pages.browse) feeds the sidebar, breadcrumb and pager of overrides/main.html.

    Search: the page defining an ID outranks the pages that mention it; a revoked ID's page (a redirect) and the
    section indexes (their tables repeat the ID pages) stay out of the index.

    Title and description are stored escaped, as Markup. MkDocs gives the theme page titles as HTML (a Markdown page's
    title is its rendered h1, entities kept), and Material prints ``page.meta.title`` and ``.description`` as they are,
    in the head, the header and the navigation, in a Jinja environment without autoescape. Escaped here, a name or
    description from data is text in every one of those places, whatever it holds; being Markup, it is not escaped a
    second time where a template does apply ``| e`` (overrides/main.html does, in the head)."""
    out = {"title": escape(title), "description": escape(description[:160]), "render_macros": False, "maestro_id": ident,
           "maestro_kind": kind}
    if redirect:
        out["redirect"] = redirect
    out["search"] = {"exclude": True} if redirect or kind == "index" else {"boost": SEARCH_BOOST}
    if nav:
        out["maestro_nav"] = nav
    return out


def h1(ident: str, name: str) -> Markup:
    return Markup(heading(1, f"{esc(ident)}: {esc(name)}", "top"))


def h(level: int, text, anchor: str, search: bool = True) -> Markup:
    """A section heading (text escaped unless it is Markup) with its permalink; ``search=False`` keeps the section out
    of the search index."""
    return Markup(heading(level, _finalize(text), anchor, search))


def badges(pairs) -> Markup:
    spans = " ".join(f'<span class="maestro-badge maestro-badge--{k}">{html.escape(v)}</span>' for k, v in pairs)
    return Markup(f'<p class="maestro-badges" data-search-exclude>{spans}</p>')


def cite(v: dict) -> Markup:
    """The citation box of an ID page (v: maestro.views.cite_view): the versioned citation, the permanent URL and this
    version's URL, each with a copy button (docs/assets/maestro.js)."""
    def row(label: str, value: str, what: str) -> str:
        return (f'<span class="maestro-cite__label">{label}</span> <code class="maestro-cite__text">{html.escape(value)}</code> '
                f'<button class="md-button maestro-cite__copy" type="button" data-copy="{attr(value)}" '
                f'title="Copy {what}" aria-label="Copy {what}">Copy</button>')
    rows = [row("Cite as", v["citation"], "citation"), row("Permanent URL", v["permalink"], "permanent URL"),
            row("This version", v["version_url"], "URL of this version")]
    return Markup('<div class="maestro-cite" data-search-exclude>' + "".join(f'<div class="maestro-cite__row">{r}</div>' for r in rows)
                  + "</div>")


def _finalize(value) -> Markup:
    if value is None:
        return Markup("")
    return value if isinstance(value, Markup) else Markup(esc(value))


def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=False, finalize=_finalize,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    env.globals.update(h1=h1, h=h, badges=badges, cite=cite, table=_safe(table), bullet=_safe(bullet), paragraphs=_safe(paragraphs),
                       admonition=_safe(admonition), MATRIX=MATRIX, CATALOG=CATALOG, TAXONOMY=TAXONOMY,
                       each=lambda fn, items: [fn(x) for x in items], joined=lambda parts, sep=", ": Markup(sep.join(parts)))
    env.filters["attr"] = lambda v: Markup(attr(v))
    env.filters["external_href"] = lambda v: Markup(attr(external_url(v)))
    return env


_ENV = None


def render(template: str, linker: HtmlLinker, **context) -> str:
    """The content HTML of one generated page."""
    global _ENV
    _ENV = _ENV or environment()
    return _ENV.get_template(template).render(L=SafeLinker(linker), **context)


# ------------------------------------------------------------------ fragments
# HTML that a macro puts into a prose page (a form, a card, a table a Markdown table cannot draw) is a template in
# templates/fragments/, rendered with autoescape on: Python hands it plain data, the template writes the markup.
FRAGMENTS = TEMPLATES / "fragments"
_FRAGMENT_ENV: jinja2.Environment | None = None


def fragment(name: str, **context) -> Markup:
    """templates/fragments/``name`` rendered with ``context`` (every value escaped unless it is Markup already)."""
    global _FRAGMENT_ENV
    if _FRAGMENT_ENV is None:
        _FRAGMENT_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(str(FRAGMENTS)), autoescape=True,
                                           trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
        _FRAGMENT_ENV.filters["external_href"] = lambda v: external_url(v)
    return Markup(_FRAGMENT_ENV.get_template(name).render(**context))
