"""The printable checklists of data/checklists.yaml."""
from __future__ import annotations

from markupsafe import Markup

from maestro_site.render import esc
from maestro_site.templating import fragment
from maestro_site.tables.registry import macro


@macro
def checklist(kb, L, section: str) -> str:
    """One checklist as printable HTML (templates/fragments/checklist.html.j2): a checkbox, an anchor and a link per item."""
    items = [{"id": item["id"], "question": Markup(L.html_prose(item["text"])),
              "refs": [Markup(L.id_link(r, in_html=True) or "") or r for r in item["refs"]] + list(item.get("llm_top10", []))}
             for item in kb.sections[section]["items"]]
    return str(fragment("checklist.html.j2", section=section, items=items))


@macro
def all_checklists(kb, L) -> str:
    out = []
    for sid, s in kb.sections.items():
        out += [f"## {esc(s['title'])} {{ #checklist-{sid.lower()} }}", "", checklist(kb, L, sid), ""]
    return "\n".join(out)
