"""The data files' header comments and the JSON Schemas explain the same fields.

Each data/*.yaml opens with a comment block whose lines ``#   field   text`` (or
``#   a, b / c   text``, or ``# field: text``) say what a field means; maestro/schemas.py carries
the same meaning as the field's JSON Schema ``description``. These tests keep the two from
drifting apart: every field a header documents has a description in the file's schema, every
field the schema defines at the top level or in an entry is mentioned in the header, and every
property of every schema has a description. The ID ranges and counts either of them states
(T16-T49, BV-1..BV-12, ASI01..ASI10, "131 controls") must be the ones data/ holds.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from maestro import schemas, urls

DATA = Path(__file__).resolve().parent.parent / "data"

# "#", indentation, a field name or a list of them ("a, b", "a / b"), then a colon and a space
# or at least two spaces, then the text.
FIELD_LINE = re.compile(r"^#\s+([a-z_][a-z0-9_]*(?:\s*[,/]\s*[a-z_][a-z0-9_]*)*)(?::\s|\s{2,})\s*\S")


def header(name: str) -> list[str]:
    """The comment block at the top of data/<name>.yaml."""
    out = []
    for line in (DATA / f"{name}.yaml").read_text().splitlines():
        if not line.startswith("#"):
            break
        out.append(line)
    return out


def documented(name: str) -> set[str]:
    """Field names the header documents in its field column."""
    return {f for line in header(name) if (m := FIELD_LINE.match(line)) for f in re.split(r"\s*[,/]\s*", m.group(1))}


def properties(schema, depth=0, path=()):
    """(path, depth, subschema) of every property, through array items, map values and oneOf/anyOf branches."""
    if not isinstance(schema, dict):
        return
    for alt in schema.get("oneOf", []) + schema.get("anyOf", []) + schema.get("allOf", []):
        yield from properties(alt, depth, path)
    for key in ("items", "additionalProperties", "then", "else"):
        yield from properties(schema.get(key), depth, path)
    for k, v in schema.get("properties", {}).items():
        yield path + (k,), depth, v
        yield from properties(v, depth + 1, path + (k,))


def mentioned(word: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


NAMES = list(schemas.DATA)


@pytest.mark.parametrize("name", NAMES)
def test_header_has_field_lines(name):
    assert documented(name), f"data/{name}.yaml: no '#   field   meaning' lines in the header comment"


@pytest.mark.parametrize("name", NAMES)
def test_documented_fields_have_a_schema_description(name):
    described = {p[-1] for p, _, s in properties(schemas.DATA[name]) if isinstance(s, dict) and s.get("description")}
    missing = sorted(documented(name) - described)
    assert not missing, f"data/{name}.yaml documents fields its schema does not describe (or define): {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_schema_fields_are_in_the_header(name):
    text = "\n".join(header(name))
    fields = {p[-1] for p, depth, _ in properties(schemas.DATA[name]) if depth <= 1}
    missing = sorted(f for f in fields if not mentioned(f, text))
    assert not missing, f"data/{name}.yaml: the header comment does not mention the schema's fields {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_every_schema_property_has_a_description(name):
    missing = sorted(".".join(p) for p, _, s in properties(schemas.DATA[name]) if not (isinstance(s, dict) and s.get("description")))
    assert not missing, f"schema of data/{name}.yaml: properties without a description: {missing}"


def test_description_keys_name_real_fields():
    """A description keyed by a field the schema does not have is a leftover (a renamed or removed field)."""
    for name, docs in schemas.DESCRIPTIONS.items():
        paths = {".".join(p) for p, _, _ in properties(schemas.DATA[name])}
        stale = [k for k in docs if not any(p == k or p.endswith("." + k) for p in paths)]
        assert not stale, f"schemas.DESCRIPTIONS[{name!r}] explains fields that do not exist: {stale}"


def test_schema_ids_keep_their_namespace_and_no_host_is_typed_in_the_data():
    """A schema's $id is an identifier fixed since 1.0.0 (urls.SCHEMA_BASE); the site's address is configuration
    (SITE_URL), never a value in data/meta.yaml that a build would print as if it were published there."""
    meta = yaml.safe_load((DATA / "meta.yaml").read_text())
    assert "site_url" not in meta
    assert schemas.data_schema("threats")["$id"] == f"{urls.SCHEMA_BASE}data/threats.schema.json"


# ------------------------------------------------------------------ stated ranges and counts agree with the data
def stated_text(name: str) -> list[str]:
    """Everything that documents data/<name>.yaml: its header comment lines and its schema descriptions."""
    described = [s["description"] for _, _, s in properties(schemas.DATA[name]) if isinstance(s, dict) and s.get("description")]
    return header(name) + described


def true_ranges(kb, counts: dict) -> dict[str, set]:
    """What each kind of statement may say, from the data: threat ID ranges (core, extended, all), the last
    blindspot and Agentic Top 10 numbers, and the number of controls."""
    core, total = counts["threats"]["core"], counts["threats_total"]
    return {"threat range": {(1, core), (core + 1, total), (1, total)}, "extended from": {core + 1},
            "blindspots": {len(kb.blindspots)}, "asi": {len(kb.asi)}, "controls": {counts["mitigations_total"]}}


STATEMENTS = {
    "threat range": re.compile(r"(?<![\w-])T(\d+)\s*-\s*T(\d+)(?![\w-])"),
    "extended from": re.compile(r"\bT(\d+) (?:and up|on\b)"),
    "blindspots": re.compile(r"\bBV-1\.\.BV-(\d+)"),
    "asi": re.compile(r"\bASI01\.\.ASI(\d+)"),
    "controls": re.compile(r"\b(\d+) controls\b"),
}


@pytest.mark.parametrize("name", NAMES)
def test_stated_ranges_and_counts_match_the_data(name, kb, meta_counts):
    """A header or a schema description that says "extended (T16-T47)" while meta.yaml counts 34 extended IDs is
    wrong in the place readers look first: every range and count they state must be the data's."""
    truth = true_ranges(kb, meta_counts)
    wrong = []
    for line in stated_text(name):
        for kind, rx in STATEMENTS.items():
            for m in rx.finditer(line):
                said = tuple(int(g) for g in m.groups())
                if (said if len(said) > 1 else said[0]) not in truth[kind]:
                    wrong.append(f"{m.group(0)!r} in {line.strip()!r}")
    assert not wrong, f"data/{name}.yaml: header or schema states ranges or counts the data does not have: {wrong}"
