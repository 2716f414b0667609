"""The crosswalk fields: where our IDs map to other frameworks, in one registry.

Each field of data that holds another framework's IDs (``llm_top10``, ``asi_top10``, ``cwe``, ``atlas`` ...) is one
``CrosswalkField``: the data field, the label readers see, which entries carry it, where the knowledge base lists its
IDs, where the data declares the URL pattern of one ID's page, and which edition of the framework it refers to. The
schemas, the ID pages, the exports, the MCP server, the report and the checks read field names and labels from here;
URL patterns, names and editions are read from data/ (atlas.yaml ``source``, frameworks.yaml ``cwe_links``).

``rows(kb, ident)`` is the crosswalk of a threat or blindspot as plain dicts: one row per framework edition, each
with its entries (ID, name, link) or the reason the data gives for an empty list.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import ids

# The edition a field's IDs refer to, by rule:
CITED = "cited"        # written in each ID (LLM01:2025); an entry is shown in every edition the data lists
CURRENT = "current"    # the list's current edition (frameworks.yaml <list>.current)
PINNED = "pinned"      # the one edition the knowledge base pins (atlas.yaml source.edition)
UNVERSIONED = "unversioned"  # the data records no edition for the list
EDITION_RULES = (CITED, CURRENT, PINNED, UNVERSIONED)

# Where a field is carried: entry kind -> (data file, path of the entries inside it).
CARRIERS = {
    "threat": ("threats", "threats"),
    "blindspot": ("blindspots", "blindspots"),
    "consideration": ("threats", "considerations"),
    "checklist item": ("checklists", "sections", "items"),
    "mitigation": ("mitigations", "mitigations"),
    "layer tactics": ("frameworks", "layer_tactics"),
    "sweep rule": ("sweep", "weaknesses", "rules"),
}


@dataclass(frozen=True)
class CrosswalkField:
    """One field of data that holds another framework's IDs."""

    key: str                    # unique key in the registry (the data field, except for ATLAS tactics)
    name: str                   # the data field
    label: str                  # what readers see for the framework
    entry: str                  # what one ID of it is, in messages: "ATLAS technique"
    id_pattern: str             # the shape of one ID (maestro.ids)
    carried_by: tuple[str, ...]  # kinds of entry that carry it (CARRIERS)
    listed_in: tuple[str, ...]  # data path of the list of its IDs (file, key, ...)
    index: str | None           # KB attribute: ID -> entry (or name); None: the value is its own name
    url_from: tuple[str, ...] | None  # data path of the URL pattern of one ID's page; None: no such page
    home_from: tuple[str, ...] | None  # data path of where a reader opens the framework
    title_from: tuple[str, ...] | None  # data path of the framework's published name; None: the label
    edition: str                # edition rule (EDITION_RULES)
    edition_from: tuple[str, ...] | None  # data path of the edition fact
    reason_if_empty: bool = False  # an empty list needs a no_mapping reason (threats, blindspots)
    in_table: bool = False      # shown in the crosswalk table of a threat or blindspot page


STRIDE = CrosswalkField(
    "stride", "stride", "STRIDE", "STRIDE category", r"[A-Z][A-Za-z ]+", ("threat",), ("frameworks", "stride"), None,
    None, None, None, UNVERSIONED, None, in_table=True)
LLM_TOP10 = CrosswalkField(
    "llm_top10", "llm_top10", "OWASP LLM Top 10", "LLM Top 10 ID", ids.LLM_CITED,
    ("threat", "blindspot", "consideration", "checklist item"), ("frameworks", "llm_top10"), "llm",
    None, ("frameworks", "llm_top10", "home"), ("frameworks", "llm_top10", "name"), CITED, ("frameworks", "llm_top10", "editions"),
    reason_if_empty=True, in_table=True)
ASI_TOP10 = CrosswalkField(
    "asi_top10", "asi_top10", "OWASP Agentic Top 10", "Agentic Top 10 ID", ids.ASI, ("threat", "blindspot"),
    ("frameworks", "asi_top10"), "asi", None, ("frameworks", "asi_top10", "home"), ("frameworks", "asi_top10", "name"),
    CURRENT, ("frameworks", "asi_top10", "current"), reason_if_empty=True, in_table=True)
CWE = CrosswalkField(
    "cwe", "cwe", "CWE", "CWE ID", ids.CWE, ("threat", "blindspot", "sweep rule"), ("frameworks", "cwe"), "cwe",
    ("frameworks", "cwe_links", "entry_url"), ("frameworks", "cwe_links", "home"), None, UNVERSIONED, None,
    reason_if_empty=True, in_table=True)
ATLAS = CrosswalkField(
    "atlas", "atlas", "MITRE ATLAS", "ATLAS technique", ids.ATLAS_TECHNIQUE, ("threat", "blindspot"), ("atlas", "techniques"),
    "atlas_techniques", ("atlas", "source", "technique_url"), ("atlas", "source", "home"), ("atlas", "source", "name"),
    PINNED, ("atlas", "source", "edition"), reason_if_empty=True, in_table=True)
ATLAS_CASE_STUDIES = CrosswalkField(
    "atlas_case_studies", "atlas_case_studies", "MITRE ATLAS case studies", "ATLAS case study", ids.ATLAS_CASE_STUDY,
    ("threat", "blindspot"), ("atlas", "case_studies"), "atlas_case_studies", ("atlas", "source", "case_study_url"),
    ("atlas", "source", "case_studies_url"), ("atlas", "source", "name"), PINNED, ("atlas", "source", "edition"))
ATLAS_MITIGATIONS = CrosswalkField(
    "atlas_mitigations", "atlas_mitigations", "MITRE ATLAS mitigations", "ATLAS mitigation", ids.ATLAS_MITIGATION,
    ("mitigation",), ("atlas", "mitigations"), "atlas_mitigations", ("atlas", "source", "mitigation_url"),
    ("atlas", "source", "home"), ("atlas", "source", "name"), PINNED, ("atlas", "source", "edition"))
ATLAS_TACTICS = CrosswalkField(
    "atlas_tactics", "atlas", "MITRE ATLAS tactics", "ATLAS tactic", ids.ATLAS_TACTIC, ("layer tactics",),
    ("atlas", "tactics"), "atlas_tactics", ("atlas", "source", "tactic_url"), ("atlas", "source", "home"),
    ("atlas", "source", "name"), PINNED, ("atlas", "source", "edition"))

FIELDS: tuple[CrosswalkField, ...] = (STRIDE, LLM_TOP10, ASI_TOP10, CWE, ATLAS, ATLAS_CASE_STUDIES, ATLAS_MITIGATIONS, ATLAS_TACTICS)
BY_KEY = {f.key: f for f in FIELDS}
TABLE: tuple[CrosswalkField, ...] = tuple(f for f in FIELDS if f.in_table)
"""The rows of a threat's or blindspot's crosswalk table, in page order."""
MAPPINGS: tuple[CrosswalkField, ...] = tuple(f for f in FIELDS if f.reason_if_empty)
"""The external mappings every threat and blindspot carries; an empty one needs a reason in no_mapping."""
MAPPING_NAMES: tuple[str, ...] = tuple(f.name for f in MAPPINGS)
RECORD_FIELDS: tuple[CrosswalkField, ...] = (ATLAS, LLM_TOP10, ASI_TOP10, CWE)
"""The crosswalk fields of a threat record in an engagement (threat-model.json), in the order its schema and the
report list them."""
NO_MAPPING = "no_mapping"
"""The field of a threat or blindspot that says, per mapping left empty, why nothing fits."""


def carried(kind: str) -> tuple[CrosswalkField, ...]:
    """The fields an entry of ``kind`` (a key of CARRIERS) carries, in registry order."""
    return tuple(f for f in FIELDS if kind in f.carried_by)


def data_at(kb, path: tuple[str, ...] | None):
    """The value at ``path`` (data file, key, key...) in the knowledge base's data, or None where it is absent."""
    if not path:
        return None
    node = kb.docs.get(path[0])
    for key in path[1:]:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def url_pattern(kb, field: CrosswalkField) -> str | None:
    """The URL pattern the data declares for one ID of ``field`` ({id}: the ID, {number}: its digits), or None."""
    return data_at(kb, field.url_from)


def url(kb, field: CrosswalkField, ident: str) -> str | None:
    """The address of the framework's page for ``ident``, built from the data's pattern; None where there is none."""
    pattern = url_pattern(kb, field)
    if pattern is None:
        return None
    number = "".join(ch for ch in ident.rsplit("-", 1)[-1] if ch.isdigit())
    return pattern.replace("{id}", ident).replace("{number}", number)


def home(kb, field: CrosswalkField) -> str | None:
    """Where a reader opens the framework (its home page), as the data gives it."""
    return data_at(kb, field.home_from)


def name_of(kb, field: CrosswalkField, ident: str) -> str | None:
    """The name the framework gives ``ident`` (as data/ records it), or None when the knowledge base lacks it."""
    if field.index is None:
        return ident
    found = getattr(kb, field.index).get(ident)
    return found.get("name") if isinstance(found, dict) else found


def editions(kb, field: CrosswalkField) -> list[str | None]:
    """The editions of the framework a field's IDs are read in: every listed one (CITED), the current or pinned one,
    or [None] for a list without editions."""
    fact = data_at(kb, field.edition_from)
    if field.edition == CITED:
        return [e["edition"] for e in fact or []]
    return [fact] if fact else [None]


def framework_title(kb, field: CrosswalkField, edition: str | None = None) -> str:
    """The framework as a reader sees it in a crosswalk: its published name (or label), then the edition."""
    title = data_at(kb, field.title_from) or field.label
    return f"{title} {edition}" if edition else title


def _entries(kb, field: CrosswalkField, values) -> list[dict]:
    return [{"id": v, "name": name_of(kb, field, v), "url": url(kb, field, v)} for v in values]


def _stride_entries(kb, values) -> list[dict]:
    letters = {s["name"]: s["letter"] for s in data_at(kb, STRIDE.listed_in)}
    return [{"id": letters.get(v, v), "name": v, "url": None} for v in values]


def field_rows(kb, field: CrosswalkField, entry: dict) -> list[dict]:
    """One field of an entry's crosswalk: a row per edition (the LLM Top 10 has one per edition it lists)."""
    values = list(entry.get(field.name) or [])
    reason = (entry.get(NO_MAPPING) or {}).get(field.name)
    base = {"field": field.name, "label": field.label, "none": None if values else reason}
    if field is STRIDE:
        return [{**base, "framework": field.label, "edition": None, "entries": _stride_entries(kb, values)}]
    if field.edition == CITED:
        by_edition = kb.llm_editions(values)
        return [{**base, "framework": framework_title(kb, field, ed), "edition": ed, "entries": _entries(kb, field, cited),
                 "none": None if cited else reason} for ed, cited in by_edition.items()]
    ed = editions(kb, field)[0]
    return [{**base, "framework": framework_title(kb, field, ed), "edition": ed, "entries": _entries(kb, field, values)}]


def rows(kb, ident: str) -> list[dict]:
    """The crosswalk of a threat or blindspot, in page order: one plain dict per framework edition, with ``field``,
    ``label``, ``framework`` (name and edition as shown), ``edition``, ``entries`` (``id``, ``name``, ``url`` or None)
    and ``none`` (the data's reason when the list is empty, else None)."""
    kind = ids.kind_of(ident)
    entry = {"threat": kb.threats, "blindspot": kb.blindspots}[kind][ident]
    return [r for f in TABLE if kind in f.carried_by for r in field_rows(kb, f, entry)]


def mapped_ids(entry: dict, fields: tuple[CrosswalkField, ...] = MAPPINGS) -> dict[str, list]:
    """An entry's external IDs by field name, for each of ``fields`` (an absent field as an empty list)."""
    return {f.name: list(entry.get(f.name) or []) for f in fields}
