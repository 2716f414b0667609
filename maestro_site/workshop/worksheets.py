"""Blank worksheets for workshops, one page per template in data/templates.yaml, generated at build time.

Each worksheet is a form to fill in with a pen: field labels, tick boxes where a field takes one of
listed values, ruled space elsewhere, the phase and ID convention in the footer. On screen the same
page shows each field's guidance. The markup is templates/fragments/worksheet-*.html.j2; the print
stylesheet (docs/assets/workshop.css) fits it on one page.
"""
from __future__ import annotations

from markupsafe import Markup

from maestro.kb import KB, LAYER_ORDER

from maestro_site.render import Linker
from maestro_site.templating import fragment

from .paper import page_body, src

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


def _field(kb: KB, L, field: dict) -> dict:
    """One field of a form: its name and guidance, the values to tick, or the number of write-in lines."""
    return {"name": field["name"], "hint": Markup(L.html_prose(field["hint"])) if field.get("hint") else None,
            "choices": _choices(kb, field), "lines": _lines(field["name"])}


def _row_labels(kb: KB, rows: str) -> list[str]:
    """The row labels a tabular template names: layers, layers plus a total, or the severity levels."""
    layers = [f"{lid} {kb.layers[lid]['name']}" for lid in LAYER_ORDER]
    return {"layers": layers, "layers+total": layers + ["Total"],
            "severity": [s["level"] for s in reversed(kb.scoring["severity"])]}.get(rows, [])


def is_wide(t: dict) -> bool:
    """Whether a template's grid needs the page turned to landscape."""
    widths = [len(t.get("columns", []))] + [len(x["columns"]) for x in t.get("tables", [])]
    return max(widths) >= WIDE_GRID


def worksheet_body(kb: KB, t: dict, L) -> Markup:
    """The form of one template as raw HTML: a field table, or the template's grid(s)."""
    grids = [{"caption": None, "columns": t["columns"], "rows": _row_labels(kb, t.get("rows", ""))}] if t.get("columns") else []
    grids += [{"caption": g["title"], "columns": g["columns"], "rows": _row_labels(kb, g["rows"])} for g in t.get("tables", [])]
    return fragment("worksheet-body.html.j2", fields=[_field(kb, L, f) for f in t.get("fields", [])], grids=grids)


def title_of(t: dict) -> str:
    return t["name"].replace(" Template", "")


def sheet(kb: KB, t: dict, L) -> Markup:
    """One worksheet as it is printed: the form and its footer, in landscape if a grid is wide."""
    return fragment("worksheet-sheet.html.j2", landscape=is_wide(t), key=t["key"], body=worksheet_body(kb, t, L), name=t["name"],
                    phases=t.get("phases", []), id_format=t.get("id_format"))


def in_phase_order(kb: KB) -> list[dict]:
    """The templates in the order a workshop uses them: by first phase, then as the data lists them."""
    order = list(kb.templates)
    return sorted(kb.templates.values(), key=lambda t: (min(t.get("phases", [99])), order.index(t["key"])))


def worksheet_page(kb: KB, key: str, directory_urls: bool = True) -> str:
    """The Markdown source of one worksheet page."""
    t = kb.templates[key]
    L = Linker(kb, src(key), directory_urls)
    return page_body(f"Worksheet: {title_of(t)}", t["purpose"],
                     before=f"{t['purpose']} Fill in one sheet per record; the field guidance is shown on screen only. "
                            "The filled-in version of this form is described in the ",
                     link=L.a("templates chapter", f"playbook/07-templates.md#{key}"), after=".",
                     what="this worksheet", body=sheet(kb, t, L))


def worksheet_pages(kb: KB, directory_urls: bool = True) -> dict[str, str]:
    return {src(k): worksheet_page(kb, k, directory_urls) for k in kb.templates}
