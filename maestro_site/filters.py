"""The controls of a table filter (docs/assets/filter.js): plain form elements, written from the data.

A filtered table marks each row with ``data-filter-row`` and one attribute per key (``data-layer="L3"``,
``data-cells="L3:primary L5:secondary"``); the form names the group of tables it filters and, per select, the key
and the part of a token it compares. The form starts hidden: without JavaScript the reader gets the whole table and
no control that does nothing. filter.js shows it, filters on change and announces the number of rows shown.
"""
from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class Facet:
    """One select: ``key`` is the row attribute (data-<key>), ``part`` the position in its ``a:b`` tokens."""
    name: str
    label: str
    any_label: str
    options: list  # [(value, label)]
    key: str | None = None
    part: int = 0


def row_attrs(**tokens) -> str:
    """The attributes of one filterable row: data-filter-row and data-<key>="<tokens>" (a list or a string)."""
    out = ["data-filter-row"]
    for key, value in tokens.items():
        text = " ".join(value) if isinstance(value, (list, tuple)) else str(value)
        out.append(f'data-{key}="{html.escape(text, quote=True)}"')
    return " ".join(out)


def _select(group: str, f: Facet) -> str:
    ident = f"filter-{group}-{f.name}"
    options = [f'<option value="">{html.escape(f.any_label)}</option>']
    options += [f'<option value="{html.escape(v, quote=True)}">{html.escape(label)}</option>' for v, label in f.options]
    return (f'<span class="maestro-filter__field"><label for="{ident}">{html.escape(f.label)}</label> '
            f'<select id="{ident}" name="{f.name}" data-filter-key="{f.key or f.name}" data-filter-part="{f.part}">'
            f'{"".join(options)}</select></span>')


def filter_form(group: str, label: str, facets: list[Facet], total: int, noun: str) -> str:
    """The controls for the tables marked ``data-filter-group="<group>"``, on one line of raw HTML."""
    count = (f'<span class="maestro-filter__count" data-filter-count data-filter-noun="{html.escape(noun, quote=True)}" '
             f'role="status" aria-live="polite">{total} of {total} {html.escape(noun)} shown</span>')
    return (f'<form class="maestro-filter" data-filter-for="{group}" aria-label="{html.escape(label, quote=True)}" hidden>'
            + " ".join(_select(group, f) for f in facets)
            + f' <button type="reset" class="md-button maestro-filter__reset">Show all</button> {count}</form>')


def group_attr(group: str) -> str:
    return f'data-filter-group="{group}"'
