"""The printable checklists of data/checklists.yaml."""
from __future__ import annotations

from markupsafe import Markup

from maestro.crosswalk import LLM_TOP10
from maestro_site.render import attr, esc
from maestro_site.templating import fragment
from maestro_site.tables.registry import macro


@macro
def checklist(kb, L, section: str) -> str:
    """One checklist as printable HTML (templates/fragments/checklist.html.j2): a checkbox, an anchor and a link per item."""
    items = [{"id": item["id"], "question": Markup(L.html_prose(item["text"])),
              "refs": [Markup(L.id_link(r, in_html=True) or "") or r for r in item["refs"]] + list(item.get(LLM_TOP10.name, []))}
             for item in kb.sections[section]["items"]]
    return str(fragment("checklist.html.j2", section=section, items=items))


@macro
def all_checklists(kb, L) -> str:
    """Every checklist under its own heading, inside one checklists form (Markdown in HTML, so the headings stay in the
    page's table of contents): docs/assets/checklist.js keeps each tick as the item's answer Holds, under the same
    key as the checklist forms on /workshop/checklists/, and exports it for `maestro import`."""
    out = [f'<div class="ck-form ck-form--ticks" data-ck-form="checklists" data-kb-version="{attr(kb.meta["version"])}" markdown="1">',
           '<div class="ck-tools" hidden></div>', ""]
    for sid, s in kb.sections.items():
        out += [f"## {esc(s['title'])} {{ #checklist-{sid.lower()} }}", "", checklist(kb, L, sid), ""]
    return "\n".join(out + ["</div>"])
