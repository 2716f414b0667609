"""The workshop kit: paper for a threat-modeling session, generated from the knowledge base at build time.

- worksheets.py: one blank form per template (data/templates.yaml), one page each;
- checklists.py: the checklists as forms (result, evidence, finding), interactive on screen;
- card.py: the two-page quick-reference card and the one-page mapping and risk matrices;
- pack.py: /workshop/, which prints all of it in one job after a cover and the facilitator's guide;
- paper.py: what they share (docs paths, front matter, the body of a one-piece page).
The markup is in maestro_site/templates/fragments/ (tick boxes, write-in lines and the Print button are macros of
_macros.html.j2). Print rules live in docs/assets/workshop.css; the screen behaviour of the forms in docs/assets/checklist.js.
"""
from __future__ import annotations

from maestro_site.render import Linker
from maestro.kb import KB

from . import card, checklists, pack, worksheets
from .paper import src

STATIC = (src(pack.FACILITATOR),)
"""Workshop pages written by hand in docs/ (the rest are generated)."""


def workshop_pages(kb: KB, facilitator_md: str, directory_urls: bool = True) -> dict[str, str]:
    """Docs path -> Markdown of every generated workshop page (``directory_urls``: the site's use_directory_urls)."""
    def L(name):
        return Linker(kb, src(name), directory_urls)
    out = {src("index"): pack.pack_page(kb, L("index"), facilitator_md),
           src(checklists.PAGE): checklists.checklists_page(kb, L(checklists.PAGE)),
           src("quick-reference"): card.card_page(kb, L("quick-reference")),
           src("matrix"): card.matrix_page(kb, L("matrix")),
           src("risk-matrix"): card.risk_page(kb, L("risk-matrix"))}
    out.update(worksheets.worksheet_pages(kb, directory_urls))
    return out
