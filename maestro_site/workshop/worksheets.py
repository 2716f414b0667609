"""Blank worksheets for workshops, one page per template in data/templates.yaml, generated at build time.

Each worksheet is a form to fill in with a pen: field labels, tick boxes where a field takes one of
listed values, ruled space elsewhere, the phase and ID convention in the footer. On screen the same
page shows each field's guidance. The markup is templates/fragments/worksheet-*.html.j2; the print
stylesheet (docs/assets/workshop.css) fits it on one page.
"""
from __future__ import annotations

import re

from markupsafe import Markup

from maestro.crosswalk import STRIDE
from maestro.kb import KB, LAYER_ORDER

from maestro_site.render import Linker
from maestro_site.templating import fragment

from .paper import page_body, src

WIDE_GRID = 7
"""A grid with this many columns or more prints in landscape."""
LONG_FIELDS = ("description", "impact", "prerequisites", "rationale", "evidence", "gaps", "notes", "justification", "scope",
               "recommendations", "summary", "vectors", "assets", "components", "mitigations", "triggers", "posture")
"""Words in a field name that call for several ruled lines instead of one."""
WORD_FIELDS = re.compile(r"\b(id|date|analyst\(?s?\)?|total|owner)\b", re.I)
"""A field whose name matches takes a word or a number (an ID, a date, a count, a person), not a sentence."""
CARDS_PER_SHEET = 2
"""Copies of a card template (``-card``) printed on one sheet, with a cut line between them."""
PAPER_LINES = 12
"""Ruled lines that only paper shows, after a field's own: a box shows as many as its height holds."""
WIDE_CHOICES = 45
"""A card field whose tick-box labels are longer than this (in characters, all together) takes the card's full width."""


def _lines(name: str) -> int:
    return 3 if any(w in name.lower() for w in LONG_FIELDS) else 1


def _kind(name: str, choices: list[str]) -> str:
    """How much room a field takes on paper: ``tick`` (boxes), ``word`` (an ID, a date), ``line`` (a sentence) or
    ``long`` (free text); the print stylesheet gives each its least height and share of the rest of the sheet."""
    if choices:
        return "tick"
    if _lines(name) > 1:
        return "long"
    return "word" if WORD_FIELDS.search(name) else "line"


def _choices(kb: KB, field: dict) -> list[str]:
    """The values to tick: the template's own list, or the knowledge base's vocabulary for layer and STRIDE fields."""
    if field.get("values"):
        return list(field["values"])
    name = field["name"].lower()
    if STRIDE.name in name:   # a template field about STRIDE categories
        return [f"{s['letter']} {s['name']}" for s in kb.frameworks[STRIDE.listed_in[1]]]
    if name.startswith(("maestro layer", "layer")):
        return list(LAYER_ORDER)
    return []


def _field(kb: KB, L, field: dict) -> dict:
    """One field of a form: its name and guidance, the values to tick, or the number of write-in lines."""
    choices = _choices(kb, field)
    return {"name": field["name"], "hint": Markup(L.html_prose(field["hint"])) if field.get("hint") else None,
            "choices": choices, "lines": _lines(field["name"]), "kind": _kind(field["name"], choices)}


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
    return fragment("worksheet-body.html.j2", fields=[_field(kb, L, f) for f in t.get("fields", [])], grids=grids,
                    more=PAPER_LINES)


def title_of(t: dict) -> str:
    return t["name"].replace(" Template", "")


def is_card(t: dict) -> bool:
    """Whether a template is a card (Threat Card, Mitigation Card): many copies per workshop, several to a sheet."""
    return t["key"].endswith("-card")


def _full_width(f: dict) -> bool:
    """A card field that takes a row of its own: the free-text description, or a long list of tick boxes."""
    return (f["kind"] == "long" and "description" in f["name"].lower()) or len(" ".join(f["choices"])) > WIDE_CHOICES


def card_rows(fields: list[dict]) -> list[dict]:
    """The fields of a card in template order, two to a row where both fit half the width; a row is as tall as its
    roomiest field (``kind``). A free-text description or a long list of tick boxes takes a row of its own."""
    rank = ["tick", "word", "line", "long"]
    rows, pending = [], None
    for f in fields:
        if _full_width(f):
            rows += [[pending]] if pending else []
            rows.append([f])
            pending = None
        elif pending:
            rows.append([pending, f])
            pending = None
        else:
            pending = f
    rows += [[pending]] if pending else []
    return [{"fields": r, "kind": max((f["kind"] for f in r), key=rank.index)} for r in rows]


def card_sheet(kb: KB, t: dict, L) -> Markup:
    """A sheet of ``CARDS_PER_SHEET`` copies of a card template with a cut line between them; every copy has every
    field (guidance on screen, in the first copy, which is the only one shown there)."""
    fields = [_field(kb, L, f) for f in t.get("fields", [])]
    for f in fields:
        f["lines"] = min(f["lines"], 2)
    return fragment("worksheet-cards.html.j2", key=t["key"], title=title_of(t), rows=card_rows(fields), copies=CARDS_PER_SHEET, more=4,
                    phases=t.get("phases", []), id_format=t.get("id_format"))


def sheet(kb: KB, t: dict, L) -> Markup:
    """One worksheet as it is printed: a sheet of cards for a card template, else the whole sheet's form."""
    return card_sheet(kb, t, L) if is_card(t) else full_sheet(kb, t, L)


def full_sheet(kb: KB, t: dict, L) -> Markup:
    """A worksheet that takes a whole sheet: the form and its footer, in landscape if a grid is wide."""
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
                     before=f"{t['purpose']} " + (f"Each printed sheet holds {CARDS_PER_SHEET} cards: cut along the dashed line and "
                                                  "fill in one card per record" if is_card(t) else "Fill in one sheet per record")
                            + "; the field guidance is shown on screen only. The filled-in version of this form is described in the ",
                     link=L.a("templates chapter", f"playbook/07-templates.md#{key}"), after=".",
                     what="this worksheet", body=sheet(kb, t, L))


def worksheet_pages(kb: KB, directory_urls: bool = True) -> dict[str, str]:
    return {src(k): worksheet_page(kb, k, directory_urls) for k in kb.templates}
