"""The checklists as forms: one row per question with the result, the evidence and the finding the method asks for.

The same table is drawn two ways. On /workshop/checklists/ it is interactive: radio buttons and text areas that
docs/assets/checklist.js keeps in the browser and exports for `maestro import`. In the printed pack it is paper only:
empty boxes and blank cells. The markup is the contract in docs/assets/checklist.js.
"""
from __future__ import annotations

import html

from maestro.kb import KB

from .paper import boxes, front_matter, print_button, src

RESULTS = (("holds", "Holds"), ("partial", "Partial"), ("fails", "Fails"), ("na", "N/A"))
"""The four results a checklist question can have (08-checklists, "Recording answers")."""
COLUMNS = ("Item", "Question", "Result", "Evidence", "Finding")
PAGE = "checklists"


def _refs(kb: KB, L, item: dict) -> str:
    parts = [L.id_link(r, in_html=True) or html.escape(r) for r in item["refs"]] + [html.escape(x) for x in item.get("llm_top10", [])]
    return f' <span class="ck-refs">({", ".join(parts)})</span>' if parts else ""


def _result_cell(iid: str, interactive: bool) -> str:
    if not interactive:
        return boxes(label for _, label in RESULTS)
    return "".join(f'<span class="ck-choice"><input type="radio" name="{iid}" value="{v}" id="{iid}-{v}">'
                   f'<label for="{iid}-{v}">{label}</label></span>' for v, label in RESULTS)


def _text_cell(iid: str, what: str, interactive: bool) -> str:
    if not interactive:
        return '<td class="ck-text"></td>'
    return (f'<td class="ck-text"><textarea name="{iid}:{what.lower()}" rows="2" '
            f'aria-label="{what} for {iid}"></textarea></td>')


def _row(kb: KB, L, item: dict, interactive: bool) -> str:
    iid = html.escape(item["id"])
    anchor = f' id="{iid}"' if interactive else ""
    return (f'<tr class="ck-row" data-item="{iid}"{anchor}><th scope="row">{iid}</th>'
            f'<td class="ck-q">{L.html_prose(item["text"])}{_refs(kb, L, item)}</td>'
            f'<td class="ck-result">{_result_cell(iid, interactive)}</td>'
            f'{_text_cell(iid, "Evidence", interactive)}{_text_cell(iid, "Finding", interactive)}</tr>')


def section_table(kb: KB, L, sid: str, interactive: bool) -> str:
    """One checklist section (a layer, cross-layer or the blindspots) as a form table."""
    head = "".join(f'<th scope="col" class="ck-col-{c.lower()}">{c}</th>' for c in COLUMNS)
    rows = "".join(_row(kb, L, item, interactive) for item in kb.sections[sid]["items"])
    return f'<table class="ck-table" data-section="{html.escape(sid)}"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def _form(name: str, kb: KB, body: str, interactive: bool) -> str:
    if not interactive:
        return f'<div class="ck-paper" data-form="{name}">{body}</div>'
    return (f'<div class="ck-form" data-ck-form="{name}" data-kb-version="{html.escape(kb.meta["version"])}">'
            f'<div class="ck-tools" hidden></div>{body}</div>')


def checklists_form(kb: KB, L, interactive: bool, level: int = 2) -> str:
    """Every checklist section under its own heading, each kept on one printed page where it fits."""
    parts = []
    for sid, s in kb.sections.items():
        heading = f'<h{level} id="ck-{sid.lower()}">{html.escape(s["title"])}</h{level}>' if interactive else f'<h{level}>{html.escape(s["title"])}</h{level}>'
        parts.append(f'<section class="ck-section">{heading}{section_table(kb, L, sid, interactive)}</section>')
    return _form("checklists", kb, "".join(parts), interactive)


def mvtm_items(kb: KB) -> list[tuple[str, str]]:
    """The minimum viable threat model's steps with their item IDs, MVTM-1 onwards."""
    return [(f"MVTM-{i}", text) for i, text in enumerate(kb.depth["mvtm"], 1)]


def mvtm_form(kb: KB, interactive: bool) -> str:
    """The minimum viable threat model as a numbered list of tick boxes (interactive on screen, empty on paper)."""
    lis = []
    for iid, text in mvtm_items(kb):
        t = html.escape(text)
        if interactive:
            lis.append(f'<li class="ck-row" data-item="{iid}" id="{iid.lower()}"><input type="checkbox" name="{iid}" value="done" '
                       f'aria-label="Done: {t}"> {t}</li>')
        else:
            lis.append(f'<li class="ck-row">{boxes(["Done"])} {t}</li>')
    body = f'<ol class="maestro-checklist maestro-checklist--numbered">{"".join(lis)}</ol>'
    return _form("mvtm", kb, body, interactive)


def checklists_page(kb: KB, L) -> str:
    count = sum(len(s["items"]) for s in kb.sections.values())
    return "\n".join([
        *front_matter("Checklist forms", "The threat identification checklists as forms: result, evidence and finding for every question."),
        "# Checklist forms", "",
        f'<p class="ws-purpose">The {count} questions of the {L.a("checklists", "playbook/08-checklists.md")} with room for the '
        "result, the evidence and the finding, one table per layer, then cross-layer and blindspots. On screen your answers stay in "
        "this browser for this knowledge-base version; export them as JSON and run <code>maestro import NAME answers.json</code> to "
        "add them to the project's Phase 6 file. On paper every box prints empty.</p>", "",
        print_button("the checklist forms"), "",
        checklists_form(kb, L, interactive=True), "",
        '<h2 id="mvtm">Minimum viable threat model</h2>', "",
        mvtm_form(kb, interactive=True), ""])
