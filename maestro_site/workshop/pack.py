"""The workshop pack: /workshop/ on screen lists the kit; printed, the same page is the whole kit in one job.

The printed part is a cover (contents with the page each piece starts on, knowledge-base version, date), the
facilitator's guide, the worksheets in phase order, the minimum viable threat model, the two-sided card, the two
one-page matrices and the checklist forms, each starting on a new sheet; every page carries its number. It is the paper form of every piece (empty boxes, no inputs) and is hidden on screen. The
markup is templates/fragments/pack-page.html.j2.
"""
from __future__ import annotations

import re

from markupsafe import Markup, escape

from maestro.kb import KB
from maestro_site.templating import fragment

from . import card, checklists, worksheets
from .paper import front_matter, src

FACILITATOR = "facilitator"


def pieces(kb: KB, L) -> list[tuple[str, str, Markup]]:
    """(title, docs path of its screen page, printed HTML) for every piece after the cover, in print order."""
    out = [(f"Worksheet: {worksheets.title_of(t)}", src(t["key"]), worksheets.sheet(kb, t, L)) for t in worksheets.in_phase_order(kb)]
    out += [("Minimum viable threat model", src(checklists.PAGE) + "#mvtm", checklists.mvtm_form(kb, interactive=False)),
            ("Quick-reference card", src("quick-reference"), card.card(kb, L)),
            ("Mapping matrix", src("matrix"), card.mapping_sheet(kb, L)),
            ("Risk matrix", src("risk-matrix"), card.risk_sheet(kb)),
            ("Checklist forms", src(checklists.PAGE), checklists.checklists_form(kb, L, interactive=False, level=3))]
    return out


SHEETS = {"cover": 1, "Facilitator's guide": 2, "Quick-reference card": 2}
"""Sheets a piece of the pack prints on, where it is not one. The print stylesheet holds each piece to its count (a
worksheet, a matrix and the MVTM fill one sheet, the card two sides, the guide two sheets); the checklist forms,
whose length depends on the paper, come last, so every other piece starts on a page known here."""


def start_pages(titles: list[str]) -> list[int]:
    """The page each piece starts on, ``titles`` in print order after the cover: each starts a new sheet."""
    pages, page = [], 1 + SHEETS["cover"]
    for t in titles:
        pages.append(page)
        page += SHEETS.get(t, 1)
    return pages


def body_of(markdown: str) -> str:
    """A page's Markdown without its front matter."""
    return re.sub(r"\A---\n.*?\n---\n", "", markdown, flags=re.S)


def _demote(markdown: str) -> str:
    """The facilitator's guide inside the pack: front matter dropped, headings one level down under the pack's title."""
    return re.sub(r"^(#{1,5}) ", lambda m: "#" + m.group(1) + " ", body_of(markdown), flags=re.M)


def pack_page(kb: KB, L, facilitator_md: str) -> str:
    """/workshop/: the kit's contents on screen, the whole kit on paper."""
    ps = [{"title": t, "link": Markup(L.a(escape(t), target)), "body": body} for t, target, body in pieces(kb, L)]
    titles = ["Facilitator's guide"] + [p["title"] for p in ps]
    body = fragment("pack-page.html.j2", version=kb.meta["version"], released=kb.meta["released"], pieces=ps,
                    contents=list(zip(titles, start_pages(titles))), guide_link=Markup(L.a("Facilitator&#x27;s guide", src(FACILITATOR))),
                    guide=Markup(_demote(facilitator_md)))
    return "\n".join([
        *front_matter("Workshop kit", "Everything a facilitator prints for a MAESTRO workshop, one piece per sheet, in one print job.", search=False),
        "# Workshop kit", "", str(body), ""])
