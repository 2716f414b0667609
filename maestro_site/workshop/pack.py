"""The workshop pack: /workshop/ on screen lists the kit; printed, the same page is the whole kit in one job.

The printed part is a cover (contents, knowledge-base version, date), the facilitator's guide, the worksheets in phase
order, the checklist forms, the minimum viable threat model, the two-page card and the two one-page matrices, each
starting on a new sheet. It is the paper form of every piece (empty boxes, no inputs) and is hidden on screen.
"""
from __future__ import annotations

import html
import re

from maestro.kb import KB

from . import card, checklists, worksheets
from .paper import front_matter, print_button, src

FACILITATOR = "facilitator"


def _piece(title: str, body: str) -> str:
    """One piece of the pack, starting on a new sheet. Its title is not a heading: the page is excluded from search
    and the printed part is hidden on screen, so headings would only add empty entries to the outline."""
    return f'<div class="ws-piece"><p class="ws-piece__title">{html.escape(title)}</p>{body}</div>'


def pieces(kb: KB, L) -> list[tuple[str, str, str]]:
    """(title, docs path of its screen page, printed HTML) for every piece after the cover, in print order."""
    out = [(f"Worksheet: {worksheets.title_of(t)}", src(t["key"]), worksheets.sheet(kb, t, L)) for t in worksheets.in_phase_order(kb)]
    out += [("Checklist forms", src(checklists.PAGE), checklists.checklists_form(kb, L, interactive=False, level=3)),
            ("Minimum viable threat model", src(checklists.PAGE) + "#mvtm", checklists.mvtm_form(kb, interactive=False)),
            ("Quick-reference card", src("quick-reference"), card.card(kb, L)),
            ("Mapping matrix", src("matrix"), card.mapping_sheet(kb, L)),
            ("Risk matrix", src("risk-matrix"), card.risk_sheet(kb))]
    return out


def body_of(markdown: str) -> str:
    """A page's Markdown without its front matter."""
    return re.sub(r"\A---\n.*?\n---\n", "", markdown, flags=re.S)


def _demote(markdown: str) -> str:
    """The facilitator's guide inside the pack: front matter dropped, headings one level down under the pack's title."""
    return re.sub(r"^(#{1,5}) ", lambda m: "#" + m.group(1) + " ", body_of(markdown), flags=re.M)


def cover(kb: KB, titles: list[str]) -> str:
    contents = "".join(f"<li>{html.escape(t)}</li>" for t in titles)
    v = html.escape(kb.meta["version"])
    return (f'<div class="ws-cover"><p class="ws-cover__title">MAESTRO threat-modeling workshop</p>'
            f'<p class="ws-cover__meta">Knowledge base v{v}, released {html.escape(kb.meta["released"])} \u00b7 '
            f'printed <span data-ws-today>{html.escape(kb.meta["released"])}</span></p>'
            '<p class="ws-cover__fill">System: <span class="ws-line ws-line--inline"></span></p>'
            '<p class="ws-cover__fill">Facilitator: <span class="ws-line ws-line--inline"></span></p>'
            '<p class="ws-cover__fill">Session date: <span class="ws-line ws-line--inline"></span></p>'
            f'<p class="ws-piece__title">Contents</p><ol class="ws-cover__contents">{contents}</ol></div>')


def pack_page(kb: KB, L, facilitator_md: str) -> str:
    """/workshop/: the kit's contents on screen, the whole kit on paper."""
    ps = pieces(kb, L)
    titles = ["Facilitator's guide"] + [t for t, _, _ in ps]
    guide = (f'<li>{L.a("Facilitator&#x27;s guide", src(FACILITATOR))}: agendas, roles, materials, and transcribing the '
             "results with <code>maestro</code></li>")
    screen_rows = guide + "".join(f"<li>{L.a(html.escape(t), target)}</li>" for t, target, _ in ps)
    printed = "".join(_piece(t, body) for t, _, body in ps)
    return "\n".join([
        *front_matter("Workshop kit", "Everything a facilitator prints for a MAESTRO workshop, one piece per sheet, in one print job.", search=False),
        "# Workshop kit", "",
        '<div class="ws-screen">', "",
        f"<p>Paper for a threat-modeling workshop, generated from knowledge base v{html.escape(kb.meta['version'])}. Each piece has "
        "its own page with a Print button; the button below prints all of them in one job, each starting on a new sheet, after a "
        "cover with the contents and the date. Print the card double-sided.</p>",
        print_button("the whole pack"),
        f'<ol class="ws-contents">{screen_rows}</ol>', "", "</div>", "",
        '<div class="ws-pack" markdown="1">', "",
        cover(kb, titles), "",
        '<div class="ws-piece ws-piece--guide" markdown="1">', "", _demote(facilitator_md), "", "</div>", "",
        printed, "", "</div>", ""])
