"""Blank worksheets for workshops, one page per template in data/templates.yaml, generated at build time.

Each worksheet is a form to fill in with a pen: field labels, tick boxes where a field takes one of
listed values, ruled space elsewhere, the phase and ID convention in the footer. On screen the same
page shows each field's guidance. The print stylesheet (docs/assets/workshop.css) fits it on one page.
"""
from __future__ import annotations

import html

from maestro.kb import KB, LAYER_ORDER

from maestro_site.render import Linker

from .paper import BOX, front_matter, print_button, src

WIDE_GRID = 7
"""A grid with this many columns or more prints in landscape."""
LONG_FIELDS = ("description", "impact", "prerequisites", "rationale", "evidence", "gaps", "notes", "justification", "scope",
               "recommendations", "summary", "vectors", "assets", "components", "mitigations", "triggers", "posture")
"""Words in a field name that call for several ruled lines instead of one."""


def _lines(name: str) -> int:
    return 3 if any(w in name.lower() for w in LONG_FIELDS) else 1


def _choices(kb: KB, field: dict) -> list[str]:
    """The values to tick: the template's own list, or the knowledge base's vocabulary for layer and STRIDE fields."""
    if field.get("values"):
        return list(field["values"])
    name = field["name"].lower()
    if "stride" in name:
        return [f"{s['letter']} {s['name']}" for s in kb.frameworks["stride"]]
    if name.startswith(("maestro layer", "layer")):
        return list(LAYER_ORDER)
    return []


def _field_row(kb: KB, L, field: dict) -> str:
    name = html.escape(field["name"])
    hint = f'<span class="ws-hint">{L.html_prose(field["hint"])}</span>' if field.get("hint") else ""
    choices = _choices(kb, field)
    if choices:
        boxes = "".join(f'{BOX} {html.escape(v)} ' for v in choices)
        cell = f'<span class="ws-choices">{boxes}</span>'
    else:
        cell = '<span class="ws-line"></span>' * _lines(field["name"])
    return f"<tr><th scope=\"row\">{name}{hint}</th><td>{cell}</td></tr>"


def _grid(columns: list, rows: list) -> str:
    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in columns)
    body = "".join("<tr>" + f'<th scope="row">{html.escape(r)}</th>' + "<td></td>" * (len(columns) - 1) + "</tr>" for r in rows)
    return f'<table class="ws-grid"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _row_labels(kb: KB, rows: str) -> list[str]:
    """The row labels a tabular template names: layers, layers plus a total, or the severity levels."""
    layers = [f"{lid} {kb.layers[lid]['name']}" for lid in LAYER_ORDER]
    return {"layers": layers, "layers+total": layers + ["Total"],
            "severity": [s["level"] for s in reversed(kb.scoring["severity"])]}.get(rows, [])


def is_wide(t: dict) -> bool:
    """Whether a template's grid needs the page turned to landscape."""
    widths = [len(t.get("columns", []))] + [len(x["columns"]) for x in t.get("tables", [])]
    return max(widths) >= WIDE_GRID


def worksheet_body(kb: KB, t: dict, L) -> str:
    """The form of one template as raw HTML: a field table, or the template's grid(s)."""
    parts = []
    if t.get("fields"):
        parts.append('<table class="ws-fields"><tbody>' + "".join(_field_row(kb, L, f) for f in t["fields"]) + "</tbody></table>")
    if t.get("columns"):
        parts.append(_grid(t["columns"], _row_labels(kb, t.get("rows", ""))))
    for table in t.get("tables", []):
        parts.append(f'<p class="ws-caption">{html.escape(table["title"])}</p>' + _grid(table["columns"], _row_labels(kb, table["rows"])))
    return "".join(parts)


def _footer(t: dict) -> str:
    phases = ", ".join(str(n) for n in t.get("phases", []))
    ids = f" \u00b7 IDs: {html.escape(t['id_format'])}" if t.get("id_format") else ""
    return f'<p class="ws-footer">{html.escape(t["name"])} \u00b7 Phase {phases}{ids} \u00b7 MAESTRO Playbook</p>'


def title_of(t: dict) -> str:
    return t["name"].replace(" Template", "")


def sheet(kb: KB, t: dict, L) -> str:
    """One worksheet as it is printed: the form and its footer, in landscape if a grid is wide."""
    cls = "ws-sheet ws-sheet--landscape" if is_wide(t) else "ws-sheet"
    return f'<div class="{cls}" data-worksheet="{html.escape(t["key"])}">{worksheet_body(kb, t, L)}{_footer(t)}</div>'


def in_phase_order(kb: KB) -> list[dict]:
    """The templates in the order a workshop uses them: by first phase, then as the data lists them."""
    order = list(kb.templates)
    return sorted(kb.templates.values(), key=lambda t: (min(t.get("phases", [99])), order.index(t["key"])))


def worksheet_page(kb: KB, key: str, directory_urls: bool = True) -> str:
    """The Markdown source of one worksheet page."""
    t = kb.templates[key]
    title = title_of(t)
    L = Linker(kb, src(key), directory_urls)
    return "\n".join([
        *front_matter(f"Worksheet: {title}", t["purpose"]),
        f"# Worksheet: {title}", "",
        f'<p class="ws-purpose">{html.escape(t["purpose"])} Fill in one sheet per record; the field guidance is shown on screen only. '
        f'The filled-in version of this form is described in the {L.a("templates chapter", f"playbook/07-templates.md#{key}")}.</p>', "",
        print_button("this worksheet"), "",
        sheet(kb, t, L), ""])


def worksheet_pages(kb: KB, directory_urls: bool = True) -> dict[str, str]:
    return {src(k): worksheet_page(kb, k, directory_urls) for k in kb.templates}
