"""The printable checklists of data/checklists.yaml."""
from __future__ import annotations

import html

from maestro_site.render import esc
from maestro_site.tables.registry import macro


@macro
def checklist(kb, L, section: str) -> str:
    """One checklist as printable HTML: a checkbox, an anchor and a link per item."""
    s = kb.sections[section]
    lis = []
    for item in s["items"]:
        refs = ""
        if item["refs"] or item.get("llm_top10"):
            parts = [L.id_link(r, in_html=True) or html.escape(r) for r in item["refs"]]
            parts += [html.escape(x) for x in item.get("llm_top10", [])]
            refs = f' <span class="maestro-checklist__refs">({", ".join(parts)})</span>'
        iid = html.escape(item["id"])
        lis.append(f'<li id="{iid}"><input type="checkbox" aria-labelledby="{iid}-q"> '
                   f'<a class="maestro-checklist__id" href="#{iid}">{iid}</a> '
                   f'<span id="{iid}-q">{L.html_prose(item["text"])}</span>{refs}</li>')
    return f'<ul class="maestro-checklist" data-section="{html.escape(section)}">\n' + "\n".join(lis) + "\n</ul>"


@macro
def all_checklists(kb, L) -> str:
    out = []
    for sid, s in kb.sections.items():
        out += [f"## {esc(s['title'])} {{ #checklist-{sid.lower()} }}", "", checklist(kb, L, sid), ""]
    return "\n".join(out)
