"""The HTML counterparts of maestro_site/render.py, for the generated ID pages (they skip Markdown; see maestro_site/html_page.py).

Same rule as render.py: every data string is escaped (``esc``) or escaped and ID-linked (``HtmlLinker.prose``),
so nothing in data/ can inject markup. The fragments are what Python-Markdown would write for the same
Markdown, so the theme's CSS and scripts and the search index treat both kinds of page alike.
"""
from __future__ import annotations

import html

from .render import Linker, anchor_tag, attr


def esc(text) -> str:
    """Escape a data string for HTML text."""
    return html.escape(str(text), quote=False)


class HtmlLinker(Linker):
    """A Linker that writes HTML links, with the page URLs MkDocs would give them, and remembers every docs target it
    linked to (``targets``), so the page can report a missing file or anchor as MkDocs reports a Markdown link."""

    esc = staticmethod(esc)

    def __init__(self, kb, here: str):
        super().__init__(kb, here)
        self.targets: list[str] = []

    def href(self, target: str) -> str:
        self.targets.append(target)
        return super().href(target)

    def a(self, label_html: str, target: str, title: str | None = None, cls: str | None = None) -> str:
        if target != self.here:
            return super().a(label_html, target, title, cls)
        self.targets.append(target)  # a link to the page itself, written as MkDocs writes a Markdown link to its own file
        return anchor_tag("./", label_html, title, cls)

    def link(self, label: str, target: str, title: str | None = None) -> str:
        return self.a(label, target, title)

    @staticmethod
    def url_link(label: str, url: str, title: str | None = None) -> str:
        return anchor_tag(url, label, title)

    def prose(self, text: str) -> str:
        """Escape data text for HTML and link every citable ID in it."""
        return self._linked(text, esc, in_html=True)


def paragraphs(text: str) -> str:
    """Blocks of already-escaped text separated by blank lines, as <p> elements."""
    return "\n".join(f"<p>{p.strip()}</p>" for p in text.split("\n\n") if p.strip())


def table(head: list[str], rows: list[list[str]]) -> str:
    """A table as Python-Markdown's tables extension writes it; cells are escaped HTML already."""
    def row(cells, tag):
        return "<tr>\n" + "".join(f"<{tag}>{c}</{tag}>\n" for c in cells) + "</tr>\n"
    return ("<table>\n<thead>\n" + row(head, "th") + "</thead>\n<tbody>\n"
            + "".join(row(r, "td") for r in rows) + "</tbody>\n</table>")


def bullet(items: list[str], empty: str = "") -> str:
    """A list of already-escaped items; ``empty`` (a paragraph) when there are none."""
    if not items:
        return f"<p>{empty}</p>" if empty else ""
    return "<ul>\n" + "".join(f"<li>{i}</li>\n" for i in items) + "</ul>"


def admonition(kind: str, title: str, body: str) -> str:
    """A Material admonition; ``body`` is escaped text in paragraphs separated by blank lines."""
    return f'<div class="admonition {kind}">\n<p class="admonition-title">{esc(title)}</p>\n{paragraphs(body)}\n</div>'


def heading(level: int, text: str, anchor: str, search: bool = True) -> str:
    """A heading with its permalink, as the toc extension writes it; ``search=False`` keeps the section out of the
    search index. ``text`` is escaped already."""
    skip = " data-search-exclude" if not search else ""
    return (f'<h{level}{skip} id="{attr(anchor)}">{text}'
            f'<a class="headerlink" href="#{attr(anchor)}" title="Permanent link">&para;</a></h{level}>')
