"""Aliases: the terms practitioners search for an entry by, one test per ID.

The schema checks each alias's shape (one line, 1-60 characters, no duplicates in a list). These tests check what
makes aliases safe to weight in search: every active threat, blindspot and mitigation has them; none is one of our
IDs or another entry's canonical name; none is spread over more than two entries; and an other framework's ID given
as an alias is one the entry really maps to in its crosswalk fields.
"""
from __future__ import annotations

import re
from collections import Counter

import pytest

from maestro import crosswalk, ids

MAX_ENTRIES_PER_ALIAS = 2
EXTERNAL_ID_FIELDS = tuple(f for f in crosswalk.FIELDS if f is not crosswalk.STRIDE)
"""Crosswalk fields whose values are IDs (STRIDE values are category names, not IDs)."""


def carriers(kb) -> dict[str, tuple[str, dict]]:
    """Every entry that must carry aliases: ID -> (kind, entry), for active threats, blindspots and mitigations."""
    out: dict[str, tuple[str, dict]] = {}
    for t in kb.active_threats():
        out[t["id"]] = ("threat", t)
    for kind, table in (("blindspot", kb.blindspots), ("mitigation", kb.mitigations)):
        for ident, entry in table.items():
            if kb.listed(ident):
                out[ident] = (kind, entry)
    return out


def alias_ids(kb) -> list[str]:
    return list(carriers(kb))


def all_aliases(kb):
    """(ID, alias) for every alias in the data, whatever the entry's status."""
    for table in (kb.threats, kb.blindspots, kb.mitigations):
        for ident, entry in table.items():
            for alias in entry.get("aliases", []):
                yield ident, alias


def canonical_names(kb) -> dict[str, str]:
    """Lower-cased canonical name -> who owns it: every citable ID and every unnumbered consideration."""
    names = {info["name"].casefold(): ident for ident, info in kb.all_ids().items()}
    names.update({c["name"].casefold(): c["key"] for c in kb.considerations.values()})
    return names


@pytest.mark.kb_params("ident", alias_ids)
def test_entry_has_aliases(kb, ident):
    _, entry = carriers(kb)[ident]
    assert entry.get("aliases"), f"{ident} has no aliases: add the terms practitioners search for it by"


@pytest.mark.kb_params("ident", alias_ids)
def test_alias_is_not_a_name_or_an_id(kb, ident):
    _, entry = carriers(kb)[ident]
    names = canonical_names(kb)
    ours = {i.casefold() for i in kb.all_ids()}
    for alias in entry.get("aliases", []):
        key = alias.casefold()
        assert key not in names, f"{ident}: alias {alias!r} is the canonical name of {names[key]}"
        assert key not in ours and not ids.ID_SHAPED.fullmatch(alias.upper()), \
            f"{ident}: alias {alias!r} is one of our IDs; IDs are found by themselves"


@pytest.mark.kb_params("ident", alias_ids)
def test_alias_is_on_at_most_two_entries(kb, ident):
    _, entry = carriers(kb)[ident]
    holders = Counter(alias.casefold() for _, alias in all_aliases(kb))
    spread = [a for a in entry.get("aliases", []) if holders[a.casefold()] > MAX_ENTRIES_PER_ALIAS]
    assert not spread, (f"{ident}: {spread} appear on more than {MAX_ENTRIES_PER_ALIAS} entries; "
                        "keep each on the one or two pages that define it")


@pytest.mark.kb_params("ident", alias_ids)
def test_external_id_alias_is_mapped(kb, ident):
    kind, entry = carriers(kb)[ident]
    carried = crosswalk.carried(kind)
    for alias in entry.get("aliases", []):
        assert not re.fullmatch(ids.LLM, alias, re.IGNORECASE), \
            f"{ident}: alias {alias!r} is an LLM Top 10 ID without its edition (write LLM01:2025)"
        shapes = [f for f in EXTERNAL_ID_FIELDS if re.fullmatch(f.id_pattern, alias, re.IGNORECASE)]
        if not shapes:
            continue
        mapped = [f.name for f in shapes if f in carried and alias in entry.get(f.name, [])]
        assert mapped, (f"{ident}: alias {alias!r} ({shapes[0].entry}) is not among the entry's mappings in "
                        f"{', '.join(sorted({f.name for f in shapes if f in carried})) or 'any field it carries'}")


def test_aliases_are_spread_thin(kb):
    """No alias in the whole data set, active or not, is on more than two entries (the search weight it gets
    would otherwise point at no page in particular)."""
    holders: dict[str, list[str]] = {}
    for ident, alias in all_aliases(kb):
        holders.setdefault(alias.casefold(), []).append(ident)
    crowded = {a: who for a, who in holders.items() if len(who) > MAX_ENTRIES_PER_ALIAS}
    assert not crowded, crowded
