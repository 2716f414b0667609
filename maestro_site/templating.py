"""The Jinja templates of the site: ID pages as Markdown (templates/pages/), HTML fragments for macros (templates/fragments/).

ID pages (threats, blindspots, mitigations, layers, the index pages) are Markdown that MkDocs renders like any
page in docs/: the table of contents, anchors, link checks and the search index come from MkDocs and Material.
A page template gets plain data (the views of ``maestro/views.py``) and the page's Linker (``L``), the one place an
ID or a docs path becomes a link. Every value a page template prints is escaped for Markdown (``finalize``), except
what is Markup already: the Linker's links and prose, and the blocks of ``templates/pages/_blocks.md.j2``, which
escape what they print. Raw HTML blocks in a page (badges, the citation box) escape with ``| h``.

Fragments are HTML a macro puts into a prose page (a form, a card), rendered with autoescape on.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import jinja2
from markupsafe import Markup

from .render import attr, esc, external_url

TEMPLATES = Path(__file__).resolve().parent / "templates"
PAGES = TEMPLATES / "pages"
FRAGMENTS = TEMPLATES / "fragments"
_ANCHOR = re.compile(r"[a-z0-9][a-z0-9-]*")


def _markdown_text(value) -> Markup:
    """How a page template prints a value: Markup as it is, anything else escaped for Markdown."""
    if value is None:
        return Markup("")
    return value if isinstance(value, Markup) else Markup(esc(value))


def _html_text(value) -> Markup:
    """A value escaped for raw HTML inside a Markdown page (Markdown does not parse raw HTML blocks)."""
    return value if isinstance(value, Markup) else Markup(html.escape(str(value), quote=True))


def _cell(value) -> Markup:
    """A table cell: escaped like any value, on one line."""
    return Markup(str(_markdown_text(value)).replace("\n", " "))


def _each(items, fn) -> list:
    """``fn`` applied to every item (Jinja's ``map`` takes only filter names, not the Linker's methods)."""
    return [fn(x) for x in items]


def _anchor(value) -> str:
    """A heading anchor; only lowercase letters, digits and hyphens can reach the attribute list."""
    text = str(value).lower().replace(" ", "-")
    if not _ANCHOR.fullmatch(text):
        raise ValueError(f"not a heading anchor: {value!r}")
    return text


def _linker_call(fn):
    def wrapped(*a, **k):
        return Markup(fn(*a, **k))
    return wrapped


class SafeLinker:
    """A page's Linker whose results are marked safe: they are escaped Markdown already."""

    def __init__(self, linker):
        self._linker = linker

    def __getattr__(self, name):
        return _linker_call(getattr(self._linker, name))


def page_environment() -> jinja2.Environment:
    # autoescape on: a macro's output is Markup (printed as it is); every other value passes through finalize, which
    # escapes it for Markdown and HTML at once. Jinja's ``join`` escapes plain strings for HTML only, so
    # templates join Markup (``| each(md) | join``).
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(PAGES)), autoescape=True, finalize=_markdown_text,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    env.globals["md"] = _markdown_text   # for `| each(md)`
    env.filters.update(md=_markdown_text, h=_html_text, cell=_cell, anchor=_anchor, each=_each, attr=lambda v: Markup(attr(v)),
                       external_href=lambda v: Markup(attr(external_url(v))))
    return env


def fragment_environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(FRAGMENTS)), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["external_href"] = external_url
    return env


_ENVIRONMENTS: dict[str, jinja2.Environment] = {}


def _environment(kind: str) -> jinja2.Environment:
    if kind not in _ENVIRONMENTS:
        _ENVIRONMENTS[kind] = page_environment() if kind == "page" else fragment_environment()
    return _ENVIRONMENTS[kind]


def render_page(template: str, linker, **context) -> str:
    """The Markdown of one generated page: templates/pages/``template`` with ``context`` and the page's Linker."""
    return _environment("page").get_template(template).render(L=SafeLinker(linker), **context)


def fragment(template: str, **context) -> Markup:
    """templates/fragments/``template`` rendered with ``context`` (every value escaped unless it is Markup already)."""
    return Markup(_environment("fragment").get_template(template).render(**context))
