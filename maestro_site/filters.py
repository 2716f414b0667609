"""The controls of a table filter (docs/assets/filter.js): plain form elements, written from the data.

A filtered table marks each row with ``data-filter-row`` and one attribute per key (``data-layer="L3"``,
``data-cells="L3:primary L5:secondary"``); the form names the group of tables it filters and, per select, the key
and the part of a token it compares. The form starts hidden: without JavaScript the reader gets the whole table and
no control that does nothing. filter.js shows it, filters on change and announces the number of rows shown. The
markup is templates/fragments/filter-form.html.j2 and filter-row.html.j2; a filtered table writes
``data-filter-group="<group>"`` in its own template.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from maestro_site.templating import fragment


@dataclass(frozen=True)
class Facet:
    """One select: ``key`` is the row attribute (data-<key>), ``part`` the position in its ``a:b`` tokens."""
    name: str
    label: str
    any_label: str
    options: list  # [(value, label)]
    key: str | None = None
    part: int = 0


def row_attrs(**tokens) -> Markup:
    """The attributes of one filterable row: data-filter-row and data-<key>="<tokens>" (a list or a string)."""
    pairs = [(key, " ".join(value) if isinstance(value, (list, tuple)) else str(value)) for key, value in tokens.items()]
    return fragment("filter-row.html.j2", tokens=pairs)


def filter_form(group: str, label: str, facets: list[Facet], total: int, noun: str) -> Markup:
    """The controls for the tables marked ``data-filter-group="<group>"``, on one line of raw HTML."""
    return fragment("filter-form.html.j2", group=group, label=label, facets=facets, total=total, noun=noun)
