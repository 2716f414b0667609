"""Generated ID pages that reach MkDocs as finished HTML: no front matter to parse, no Markdown to convert.

maestro_site/pages.py renders each ID page from its template straight to HTML (a GeneratedPage), and hooks.on_files
gives MkDocs an ``HtmlPage`` for it: the supported way for a plugin to supply a page (``File.page`` set before the
navigation is built). ``HtmlPage`` does what ``Page.read_source`` and ``Page.render`` would have done for
Markdown: the metadata, the content, the table of contents, the anchors the page defines, and the links it
makes, so that MkDocs still reports a link to a missing page or anchor as it does for any Markdown link.
"""
from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field

from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

log = logging.getLogger("mkdocs.plugins.maestro")

_HEADING = re.compile(r'<h([1-6])(?: data-search-exclude)? id="([^"]+)">(.*?)<a class="headerlink"')
_ANCHOR = re.compile(r'\sid="([^"]+)"')
_TAG = re.compile(r"<[^>]+>")
_SECTION = re.compile(r"(?=<h[1-6][ >])")
_LEFT_OUT = re.compile(r"<h[1-6] data-search-exclude")  # how render_html.heading marks a section search leaves out


def searchable(content: str) -> str:
    """``content`` without the sections Material's search leaves out of its index (a heading marked
    ``data-search-exclude`` up to the next heading, as its parser splits sections): what the search plugin reads of
    a generated page, so it does not parse the related-ID tables only to drop them (hooks.on_page_context)."""
    return "".join(part for part in _SECTION.split(content) if not _LEFT_OUT.match(part))


@dataclass
class GeneratedPage:
    """One generated page: its metadata (what front matter would hold), its content as HTML, and every docs target
    (``path.md`` or ``path.md#anchor``, relative to docs/) its links point at."""
    meta: dict
    html: str
    targets: list[str] = field(default_factory=list)


def toc_tokens(content: str) -> list[dict]:
    """The headings of ``content`` nested as Python-Markdown's toc extension nests them (h2 under the h1, ...)."""
    root: list[dict] = []
    stack: list[dict] = []
    for level, anchor, inner in _HEADING.findall(content):
        token = {"level": int(level), "id": html.unescape(anchor), "name": _TAG.sub("", inner), "children": []}
        while stack and stack[-1]["level"] >= token["level"]:
            stack.pop()
        (stack[-1]["children"] if stack else root).append(token)
        stack.append(token)
    return root


def anchors(content: str) -> set[str]:
    """Every id an element of ``content`` defines (what a link's #fragment may point at)."""
    return {html.unescape(a) for a in _ANCHOR.findall(content)}


class HtmlPage(Page):
    """A page whose content is finished HTML (a GeneratedPage)."""

    def __init__(self, file, config, generated: GeneratedPage, title: str | None = None):
        """``title``: the page's title in mkdocs.yml's nav, if it is there (MkDocs would have passed it)."""
        super().__init__(title, file, config)
        self.generated = generated
        self.whole_content: str | None = None  # the content while the search plugin reads only part of it (hooks.py)

    def read_source(self, config) -> None:
        self.markdown, self.meta = "", dict(self.generated.meta)

    def render(self, config, files) -> None:
        content = self.generated.html
        self.content = content
        self.toc = get_toc(toc_tokens(content))
        self.present_anchor_ids = anchors(content)
        self.links_to_anchors = self._links(files, config)

    def _links(self, files, config) -> dict:
        """The docs targets of this page's links, checked as MkDocs checks a Markdown page's links: a missing file
        is reported now; anchors are checked by MkDocs once every page is rendered (``validate_anchor_links``)."""
        out: dict = {}
        for target in self.generated.targets:
            path, _, anchor = target.partition("#")
            to_file = self.file if not path or path == self.file.src_uri else files.get_file_from_path(path)
            if to_file is None:
                log.log(config.validation.links.not_found,
                        f"Doc file '{self.file.src_uri}' contains a link '{target}', but the target is not found among documentation files.")
                continue
            if anchor:
                out.setdefault(to_file, {})[anchor] = target
        return out
