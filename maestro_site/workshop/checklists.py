"""The checklists as forms: one row per question with the result, the evidence and the finding the method asks for.

The same table is drawn two ways. On /workshop/checklists/ it is interactive: radio buttons and text areas that
docs/assets/checklist.js keeps in the browser and exports for `maestro import`. In the printed pack it is paper only:
empty boxes and blank cells. The markup (templates/fragments/checklist-*.html.j2, mvtm-form.html.j2) is the contract
in docs/assets/checklist.js.
"""
from __future__ import annotations

from markupsafe import Markup

from maestro.crosswalk import LLM_TOP10
from maestro.kb import KB
from maestro_site.render import esc
from maestro_site.templating import fragment

from .paper import front_matter, src

RESULTS = (("holds", "Holds"), ("partial", "Partial"), ("fails", "Fails"), ("na", "N/A"))
"""The four results a checklist question can have (08-checklists, "Recording answers")."""
COLUMNS = ("Item", "Question", "Result", "Evidence", "Finding")
PAGE = "checklists"


def _refs(L, item: dict) -> list:
    """What a question points at: links to the IDs it cites (text for an unknown one), then its LLM Top 10 entries."""
    return [Markup(L.id_link(r, in_html=True) or "") or r for r in item["refs"]] + list(item.get(LLM_TOP10.name, []))


def section_table(kb: KB, L, sid: str, interactive: bool) -> Markup:
    """One checklist section (a layer, cross-layer or the blindspots) as a form table."""
    items = [{"id": item["id"], "question": Markup(L.html_prose(item["text"])), "refs": _refs(L, item)} for item in kb.sections[sid]["items"]]
    return fragment("checklist-section.html.j2", sid=sid, columns=COLUMNS, items=items, interactive=interactive,
                    results=[{"value": v, "label": label} for v, label in RESULTS])


def checklists_form(kb: KB, L, interactive: bool, level: int = 2) -> Markup:
    """Every checklist section under its own heading, each kept on one printed page where it fits. On screen the
    headings are Markdown (``heading``: the title escaped for it), so the page's table of contents lists the sections."""
    sections = [{"sid": sid, "title": s["title"], "heading": Markup(esc(s["title"])), "table": section_table(kb, L, sid, interactive)}
                for sid, s in kb.sections.items()]
    return fragment("checklist-forms.html.j2", sections=sections, level=level, interactive=interactive, version=kb.meta["version"])


def mvtm_items(kb: KB) -> list[tuple[str, str]]:
    """The minimum viable threat model's steps with their item IDs, MVTM-1 onwards."""
    return [(f"MVTM-{i}", text) for i, text in enumerate(kb.depth["mvtm"], 1)]


def mvtm_form(kb: KB, interactive: bool) -> Markup:
    """The minimum viable threat model as a numbered list of tick boxes (interactive on screen, empty on paper)."""
    return fragment("mvtm-form.html.j2", items=[{"id": iid, "text": text} for iid, text in mvtm_items(kb)],
                    interactive=interactive, version=kb.meta["version"])


def checklists_page(kb: KB, L) -> str:
    body = fragment("checklists-page.html.j2", count=sum(len(s["items"]) for s in kb.sections.values()),
                    link=Markup(L.a("checklists", "playbook/08-checklists.md")),
                    form=checklists_form(kb, L, interactive=True), mvtm=mvtm_form(kb, interactive=True))
    return "\n".join([
        *front_matter("Checklist forms", "The threat identification checklists as forms: result, evidence and finding for every question."),
        "# Checklist forms", "", str(body), ""])
