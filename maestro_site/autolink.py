"""Turn taxonomy IDs written in prose into links to their pages.

Authors write ``T12``, ``BV-7``, ``L3-D2`` or ``CL-P1`` in Markdown and get a link with the
canonical name as hover text. Code (fenced blocks and inline spans), existing links, raw
HTML tags and headings are left alone. An ID-shaped token that does not exist stops the
build with the page and line.
"""
from __future__ import annotations

import re

from mkdocs.exceptions import PluginError

from maestro import ids
from maestro.kb import KB

from .render import Linker

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_PROTECT = re.compile(
    r"(?P<jinja>\{\{.*?\}\}|\{%.*?%\})"      # macro calls: their output links its own IDs
    r"|(?P<code>(`+).+?\3)"                 # inline code
    r"|(?P<link>!?\[[^\]]*\]\([^)]*\))"     # inline link or image
    r"|(?P<ref>\[[^\]]*\]\[[^\]]*\])"       # reference link
    r"|(?P<url><https?://[^>]+>|https?://\S+)"  # autolinks and bare URLs
    r"|(?P<anchor><(?P<el>a|code|svg)\b[^>]*>.*?</(?P=el)>)"   # HTML links, code and diagrams: their text stays as written
    r"|(?P<tag><[^>\n]+>)"                  # raw HTML tag (attributes stay untouched)
    r"|(?P<id>" + ids.ID_SHAPED.pattern + ")"
)


def link_ids(markdown: str, kb: KB, here: str, first_line: int = 1, origin: str = "", directory_urls: bool = True) -> str:
    """Link IDs in ``markdown`` (page ``here``); ``first_line`` is the source line of its first line.

    ``origin`` names where the text came from when it is not the page source (macro output).
    """
    out, fence = [], None
    errors = []
    linker = Linker(kb, here, directory_urls)
    for lineno, line in enumerate(markdown.split("\n"), first_line):
        m = _FENCE.match(line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            out.append(line)
            continue
        if m:
            fence = m.group(1)
            out.append(line)
            continue
        if line.lstrip().startswith("#") or re.match(r"^\s*\[[^\]]+\]:\s", line):
            out.append(line)  # headings and link reference definitions stay literal
            continue

        if not ids.ID_SHAPED.search(line):
            out.append(line)  # most lines name no ID: nothing for the full scan below to change
            continue
        html_line = line.lstrip().startswith("<")

        def sub(mm, html_line=html_line, lineno=lineno):
            tok = mm.group("id")
            if tok is None:
                return mm.group(0)
            link = linker.id_link(tok, in_html=html_line)  # raw HTML blocks are not parsed as Markdown
            if link:
                return link
            where = f"docs/{here} ({origin})" if origin else f"docs/{here}:{lineno}"
            errors.append(f"{where}: unknown ID {tok} (no such threat, blindspot or mitigation)")
            return tok

        out.append(_PROTECT.sub(sub, line))
    if errors:
        raise PluginError("IDs in prose that do not exist:\n  " + "\n  ".join(errors))
    return "\n".join(out)
