"""Jinja templates for the generated ID pages (macros/templates/<type>.md.j2).

Templates produce Markdown. Every value they print is escaped for Markdown and HTML (``finalize``),
except what a helper built and marked safe: links from the Linker, tables, lists and notices. So a
data string cannot inject markup, and no template escapes anything by hand.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

import jinja2
from markupsafe import Markup

from .render import CATALOG, MATRIX, TAXONOMY, Linker, admonition, attr, bullet, esc, table

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _safe(fn):
    def wrapped(*a, **k):
        return Markup(fn(*a, **k))
    return wrapped


class SafeLinker:
    """A Linker whose results are marked safe for the templates (they are escaped Markdown already)."""

    def __init__(self, linker: Linker):
        self._l = linker

    def __getattr__(self, name):
        return _safe(getattr(self._l, name))


def front(title: str, description: str, kind: str, ident: str, redirect: str | None = None, nav: dict | None = None) -> Markup:
    """The page's front matter; ``nav`` (pages.browse) feeds the sidebar, breadcrumb and pager of overrides/main.html."""
    lines = ["---", f"title: {json.dumps(title)}", f"description: {json.dumps(description[:160])}", "render_macros: false",
             f"maestro_id: {json.dumps(ident)}", f"maestro_kind: {json.dumps(kind)}"]
    if redirect:
        lines.append(f"redirect: {json.dumps(redirect)}")
    lines += _search(kind, redirect)
    if nav:
        lines.append(f"maestro_nav: {json.dumps(nav, ensure_ascii=True)}")
    return Markup("\n".join(lines + ["---", ""]))


SEARCH_BOOST = 3
"""How much more a page that defines an ID weighs in search than a page that mentions it (Material's ``search.boost``)."""


def _search(kind: str, redirect: str | None) -> list[str]:
    """Search settings of a generated page: the page defining an ID outranks the pages that mention it; a revoked ID's
    page (a redirect) and the section indexes (their tables repeat the ID pages) stay out of the index."""
    if redirect or kind == "index":
        return ["search:", "  exclude: true"]
    return ["search:", f"  boost: {SEARCH_BOOST}"]


def h1(ident: str, name: str) -> Markup:
    return Markup(f"# {esc(ident)}: {esc(name)} {{ #top }}")


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


def _finalize(value):
    if value is None:
        return ""
    return value if isinstance(value, Markup) else Markup(esc(value))


def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=False, finalize=_finalize,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    env.globals.update(front=front, h1=h1, badges=badges, cite=cite, table=_safe(table), bullet=_safe(bullet),
                       admonition=_safe(admonition), MATRIX=MATRIX, CATALOG=CATALOG, TAXONOMY=TAXONOMY, esc=_safe(esc),
                       each=lambda fn, items: [fn(x) for x in items], joined=lambda parts, sep=", ": Markup(sep.join(parts)))
    return env


_ENV = None


def render(template: str, linker: Linker, **context) -> str:
    global _ENV
    _ENV = _ENV or environment()
    return _ENV.get_template(template).render(L=SafeLinker(linker), **context)
