"""Small pure functions that turn knowledge-base data into Markdown fragments.

Every data string goes through ``esc`` (or ``prose``, which escapes and then links IDs),
so nothing in data/ can inject markup into a page. Links point at Markdown source files
(``../threats/T12.md``) so that MkDocs validates and rewrites them like any other link.
"""
from __future__ import annotations

import html
import posixpath
import re

from mkdocs.utils import get_relative_url

from maestro import crosswalk, ids
from maestro.kb import KB
from maestro.schemas import HTTPS_URL

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|-])")


def esc(text) -> str:
    """Escape a data string for Markdown (and HTML inside it)."""
    s = html.escape(str(text), quote=False)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    # A leading "1." would start an ordered list; a period cannot be escaped blindly elsewhere.
    return re.sub(r"^(\d+)\.", r"\1\\.", s)


def attr(text) -> str:
    """Escape for a quoted Markdown link title."""
    return html.escape(str(text), quote=True)


from maestro.urls import src_of  # noqa: E402  (the URL contract)

CHECKLISTS = "playbook/08-checklists.md"
PATTERNS = "layers/cross-layer.md"
CASES = "playbook/10-case-studies.md"
MATRIX = "playbook/03-mapping-matrix.md"
TAXONOMY = "playbook/02-threat-taxonomy.md"
CATALOG = "playbook/09-mitigation-catalog.md"


class Linker:
    """Builds Markdown links from one page (``here``, a docs-relative source path) to others.

    Labels are escaped with ``self.esc``; maestro_site/render_html.py's HtmlLinker writes the same links as HTML."""

    esc = staticmethod(esc)

    def __init__(self, kb: KB, here: str, directory_urls: bool = True):
        """``directory_urls``: the site's ``use_directory_urls`` (off in the offline copy), for the links of raw HTML."""
        self.kb = kb
        self.here = here
        self.directory_urls = directory_urls

    def rel(self, target: str) -> str:
        if target.startswith("#"):
            return target
        path, _, frag = target.partition("#")
        if path == self.here:
            return "#" + frag if frag else posixpath.basename(path)
        out = posixpath.relpath(path, posixpath.dirname(self.here) or ".")
        return out + ("#" + frag if frag else "")

    def href(self, target: str) -> str:
        """URL of a docs source path relative to this page's URL, as MkDocs would write it (for raw HTML)."""
        path, _, frag = target.partition("#")
        if path == self.here or not path:
            return "#" + frag
        out = get_relative_url(page_url(path, self.directory_urls), page_url(self.here, self.directory_urls))
        if self.directory_urls and not out.endswith("/"):
            out += "/"  # a folder, written as one (the site root seen from a page is "../../", not "../..")
        return out + ("#" + frag if frag else "")

    def a(self, label_html: str, target: str, title: str | None = None, cls: str | None = None) -> str:
        """A raw HTML link; ``label_html`` must already be escaped."""
        return anchor_tag(self.href(target), label_html, title, cls)

    def id_link(self, tok: str, in_html: bool = False) -> str | None:
        """The one place an ID becomes a link: Markdown, or raw HTML where Markdown is not parsed; None if unknown."""
        kind = ids.kind_of(tok)
        table = {"threat": self.kb.threats, "blindspot": self.kb.blindspots, "mitigation": self.kb.mitigations}.get(kind)
        if table is None or tok not in table:
            return None
        return self.a(html.escape(tok), src_of(kind, tok), self.hover(tok)) if in_html else self.id(tok)

    def _linked(self, text: str, escape, in_html: bool) -> str:
        out, pos = [], 0
        s = str(text)
        for m in ids.CITABLE.finditer(s):
            out.append(escape(s[pos:m.start()]))
            out.append(self.id_link(m.group(0), in_html) or escape(m.group(0)))
            pos = m.end()
        out.append(escape(s[pos:]))
        return "".join(out)

    def html_prose(self, text: str) -> str:
        """Escape data text for HTML and link every citable ID in it."""
        return self._linked(text, html.escape, in_html=True)

    def link(self, label: str, target: str, title: str | None = None) -> str:
        t = f' "{attr(title)}"' if title else ""
        return f"[{label}]({self.rel(target)}{t})"

    # IDs ---------------------------------------------------------------
    def id(self, ident: str, name: bool = False) -> str:
        """Link an ID to its page; hover text is the canonical name."""
        kind = ids.kind_of(ident)
        if kind is None:
            raise KeyError(ident)
        nm = self.kb.name_of(ident) or ("Reserved" if ident in self.kb.threats else "")
        label = self.esc(ident) + (f" {self.esc(nm)}" if name and nm else "")
        return self.link(label, src_of(kind, ident), self.hover(ident) or None)

    def hover(self, ident: str) -> str:
        """What a reader sees hovering a link to an ID: its canonical name, and for a threat the layers it maps to."""
        return self.kb.hover_text(ident)

    def named(self, ident: str) -> str:
        """Link an ID to its page, labelled with the ID and its name."""
        return self.id(ident, name=True)

    def ids(self, idents, name=False, sep=", ") -> str:
        return sep.join(self.id(i, name=name) for i in idents) or "-"

    def item(self, item_id: str) -> str:
        return self.link(self.esc(item_id), f"{CHECKLISTS}#{item_id}", self.kb.items[item_id]["text"])

    def pattern(self, n: int, name=True) -> str:
        p = self.kb.patterns[n]
        label = f"Pattern {n}" + (f": {self.esc(p['name'])}" if name else "")
        return self.link(label, f"{PATTERNS}#pattern-{n}", p["name"])

    def case(self, cid: str) -> str:
        c = self.kb.cases[cid]
        return self.link(f"Case {self.esc(cid)}: {self.esc(c['name'])}", f"{CASES}#case-{cid.lower()}")

    def external(self, ident: str, url: str, name: str | None = None, title: str | None = None) -> str:
        """A link to an external framework's page for ``ident``, labelled with the ID (and ``name``)."""
        label = self.esc(ident) + (f" {self.esc(name)}" if name else "")
        return self.url_link(label, external_url(url), title)

    @staticmethod
    def url_link(label: str, url: str, title: str | None = None) -> str:
        """A link to an absolute URL; ``label`` is already escaped."""
        return f"[{label}]({url}" + (f' "{attr(title)}"' if title else "") + ")"

    def atlas(self, aid: str, name=True) -> str:
        t = self.kb.atlas_techniques[aid]
        return self.external(aid, crosswalk.url(self.kb, crosswalk.ATLAS, aid), t["name"] if name else None, t["name"])

    def atlas_mitigation(self, aid: str) -> str:
        return self.external(aid, crosswalk.url(self.kb, crosswalk.ATLAS_MITIGATIONS, aid), self.kb.atlas_mitigations[aid]["name"])

    def atlas_tactic(self, aid: str) -> str:
        return self.external(aid, crosswalk.url(self.kb, crosswalk.ATLAS_TACTICS, aid), self.kb.atlas_tactics[aid]["name"])

    def cwe(self, cid: str) -> str:
        return self.external(cid, crosswalk.url(self.kb, crosswalk.CWE, cid), None, self.kb.cwe[cid])

    def consideration(self, key: str) -> str:
        c = self.kb.considerations[key]
        return self.link(self.esc(c["name"]), f"{TAXONOMY}#{key}")

    # prose ---------------------------------------------------------------
    def prose(self, text: str) -> str:
        """Escape data text and turn every citable ID in it into a link."""
        return self._linked(text, esc, in_html=False)


def page_url(src: str, directory_urls: bool = True) -> str:
    """The site URL MkDocs gives the page of docs source ``src`` (``threats/T1.md`` -> ``threats/T1/``)."""
    stem = src[: -len(".md")]
    if not directory_urls:
        return stem + ".html"
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def external_url(url: str) -> str:
    """``url``, if it is an https address (maestro.schemas.HTTPS_URL); escaping an href cannot stop a javascript: or
    data: link, so anything else stops the build here, even if it got past the loader's rules."""
    if not HTTPS_URL.fullmatch(url):
        raise ValueError(f"refusing to link to {url!r}: links to other sites must be https addresses")
    return url


def anchor_tag(href: str, label_html: str, title: str | None = None, cls: str | None = None) -> str:
    """An HTML link to ``href``; ``label_html`` must already be escaped."""
    t = f' title="{attr(title)}"' if title else ""
    c = f' class="{cls}"' if cls else ""
    return f'<a href="{attr(href)}"{t}{c}>{label_html}</a>'


def table(head: list[str], rows: list[list[str]], cls: str | None = None) -> str:
    """A Markdown table; cells are already-rendered Markdown (pipes escaped by esc)."""
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(c.replace("\n", " ") for c in r) + " |")
    body = "\n".join(lines)
    if cls:
        return f'<div class="{cls}" markdown>\n\n{body}\n\n</div>'
    return body


def bullet(lines: list[str]) -> str:
    return "\n".join(f"- {l}" for l in lines)


def admonition(kind: str, title: str, body: str) -> str:
    indented = "\n".join("    " + l if l else "" for l in body.splitlines())
    return f'!!! {kind} "{attr(title)}"\n\n{indented}\n'


