"""The crosswalk registry (maestro/crosswalk.py) is the one home of the crosswalk fields.

Per field, so a failure names it: the schema defines it where the registry says it is carried; its URL pattern is an
https template read from data/ (change it in a copy of data/ and the rows and links follow); its edition comes from
the data's edition facts. No module of maestro/ or maestro_site/ spells a field name as a string literal; and the
rows views.crosswalk returns are what the threat and blindspot pages show.
"""
from __future__ import annotations

import ast
import re
import shutil
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from maestro import KBError, crosswalk, load_kb, schemas, urls, views
from maestro_site.render import Linker

ROOT = Path(__file__).resolve().parent.parent
FIELDS = [pytest.param(f, id=f.key) for f in crosswalk.FIELDS]
LINKED = [pytest.param(f, id=f.key) for f in crosswalk.FIELDS if f.url_from]


# ====================================================================== the registry itself
def test_keys_and_labels_are_unique():
    assert len({f.key for f in crosswalk.FIELDS}) == len(crosswalk.FIELDS)
    assert len({f.label for f in crosswalk.FIELDS}) == len(crosswalk.FIELDS)


def test_registry_imports_no_site_code():
    tree = ast.parse((ROOT / "maestro" / "crosswalk.py").read_text(encoding="utf-8"))
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if m.startswith("maestro_site")]


def _entry_schema(schema: dict, path: tuple[str, ...]) -> dict:
    """The schema of one entry at ``path`` (keys of a data file), through lists, maps and the if/then/else of threats."""
    for key in path:
        schema = schema["properties"][key]
        while "properties" not in schema:
            schema = schema.get("items") or schema.get("else") or schema["additionalProperties"]
    return schema


@pytest.mark.parametrize("field", FIELDS)
def test_field_is_in_the_schema(field):
    for kind in field.carried_by:
        file, *path = crosswalk.CARRIERS[kind]
        entry = _entry_schema(schemas.DATA[file], tuple(path))
        assert field.name in entry["properties"], f"{field.key}: schema of data/{file}.yaml has no {field.name} on a {kind}"
        assert entry["properties"][field.name].get("description"), f"{field.key}: no description on a {kind}"


@pytest.mark.parametrize("field", [pytest.param(f, id=f.key) for f in crosswalk.MAPPINGS])
def test_mapping_needs_a_reason_when_empty(field):
    """The schema's no_mapping names exactly the registry's mappings, and threats and blindspots require them."""
    for kind in ("threat", "blindspot"):
        file, *path = crosswalk.CARRIERS[kind]
        entry = _entry_schema(schemas.DATA[file], tuple(path))
        assert field.name in entry["properties"][crosswalk.NO_MAPPING]["propertyNames"]["enum"]
        assert field.name in entry["required"]


@pytest.mark.parametrize("field", FIELDS)
def test_edition_comes_from_the_data(field, kb):
    assert field.edition in crosswalk.EDITION_RULES
    raw = _raw(field.edition_from) if field.edition_from else None
    got = crosswalk.editions(kb, field)
    if field.edition == crosswalk.CITED:
        assert got == [e["edition"] for e in raw]
        cited = {c for e in _carriers(kb, field) for c in e.get(field.name) or []}
        assert {c.split(":")[1] for c in cited} <= set(got), f"{field.key}: IDs cite editions the data does not list"
    elif field.edition in (crosswalk.CURRENT, crosswalk.PINNED):
        assert got == [raw], f"{field.key}: the edition is not the data's {field.edition_from}"
    else:
        assert field.edition_from is None and got == [None]


def _raw(path: tuple[str, ...]):
    """The value at ``path`` in the YAML file itself, not through the registry."""
    node = yaml.safe_load((ROOT / "data" / f"{path[0]}.yaml").read_text(encoding="utf-8"))
    for key in path[1:]:
        node = node[key]
    return node


def _carriers(kb, field) -> list[dict]:
    """Every entry of the knowledge base that carries ``field``."""
    out = []
    for kind in field.carried_by:
        node = [kb.docs[crosswalk.CARRIERS[kind][0]]]
        for key in crosswalk.CARRIERS[kind][1:]:
            node = [x for n in node for x in (n[key].values() if isinstance(n[key], dict) else n[key])]
        out += node
    return out


# ====================================================================== URL patterns come from the data
@pytest.mark.parametrize("field", LINKED)
def test_url_pattern_is_https_and_from_data(field, kb):
    pattern = crosswalk.url_pattern(kb, field)
    assert pattern == _raw(field.url_from), f"{field.key}: the pattern is not the one data/{field.url_from[0]}.yaml declares"
    assert schemas.HTTPS_URL.fullmatch(pattern), f"{field.key}: {pattern!r} is not an https address"
    assert re.fullmatch(schemas.URL_TEMPLATE["pattern"], pattern), f"{field.key}: {pattern!r} is not a URL template"


@pytest.mark.parametrize("field", LINKED)
@pytest.mark.parametrize("bad", ["http://example.org/x/{id}", "https://example.org/x/", "https://example.org/{id}/{name}"])
def test_schema_refuses_a_bad_url_pattern(field, bad, kb):
    jsonschema = pytest.importorskip("jsonschema")
    doc = yaml.safe_load((ROOT / "data" / f"{field.url_from[0]}.yaml").read_text(encoding="utf-8"))
    node = doc
    for key in field.url_from[1:-1]:
        node = node[key]
    node[field.url_from[-1]] = bad
    errors = list(jsonschema.Draft202012Validator(schemas.data_schema(field.url_from[0])).iter_errors(doc))
    assert errors, f"{field.key}: the schema accepts {bad!r} as a URL pattern"


def _cited(kb, field) -> str:
    """One ID of ``field`` that data/ cites."""
    return next(v for e in _carriers(kb, field) for v in e.get(field.name) or [])


def _with_pattern(tmp_path: Path, field, pattern: str):
    """A knowledge base loaded from a copy of data/ whose URL pattern for ``field`` is ``pattern``."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    path = data / f"{field.url_from[0]}.yaml"
    text = path.read_text(encoding="utf-8")
    line = f"  {field.url_from[-1]}: {_raw(field.url_from)}\n"
    assert text.count(line) == 1, f"{field.key}: cannot find {line!r} in {path.name}"
    path.write_text(text.replace(line, f"  {field.url_from[-1]}: {pattern}\n"), encoding="utf-8")
    return load_kb(data)


LINK_METHODS = {"atlas": "atlas", "atlas_mitigations": "atlas_mitigation", "atlas_tactics": "atlas_tactic", "cwe": "cwe"}
"""The Linker method that writes a link to one ID of each field, by registry key."""


@pytest.mark.parametrize("field", LINKED)
def test_changed_pattern_changes_links_and_rows(field, kb, tmp_path):
    placeholder = "{number}" if "{number}" in crosswalk.url_pattern(kb, field) else "{id}"
    changed = _with_pattern(tmp_path, field, f"https://mirror.example.org/{field.key}/{placeholder}/page")
    ident = _cited(kb, field)
    value = re.sub(r"\D", "", ident.rsplit("-", 1)[-1]) if placeholder == "{number}" else ident
    expected = f"https://mirror.example.org/{field.key}/{value}/page"
    assert crosswalk.url(changed, field, ident) == expected
    assert crosswalk.url(kb, field, ident) != expected
    if field.key in LINK_METHODS:
        assert f"({expected}" in getattr(Linker(changed, "index.md"), LINK_METHODS[field.key])(ident)
    if field.in_table:
        entry = next(e for e in _carriers(kb, field) if ident in (e.get(field.name) or []) and e.get("id") in kb.threats)
        urls_in_rows = {x["url"] for r in views.crosswalk(changed, entry["id"]) if r["field"] == field.name for x in r["entries"]}
        assert expected in urls_in_rows


def test_a_bad_pattern_stops_the_loader(tmp_path):
    with pytest.raises(KBError, match="technique_url"):
        _with_pattern(tmp_path, crosswalk.ATLAS, "http://atlas.example.org/{id}")


# ====================================================================== no module spells a field name
SCANNED = sorted(p.relative_to(ROOT).as_posix() for d in ("maestro", "maestro_site") for p in (ROOT / d).rglob("*.py")
                 if p.relative_to(ROOT).as_posix() != "maestro/crosswalk.py")
FIELD_WORDS = {f.name for f in crosswalk.FIELDS} | {f.key for f in crosswalk.FIELDS} | {crosswalk.NO_MAPPING}

ALLOWED = {
    # "atlas" also names the data file atlas.yaml: its schema and its descriptions are keyed by file name.
    ("maestro/schemas.py", "atlas"): 2,
    # "atlas" is also the kind textscan gives an ATLAS ID mentioned in text, beside "llm" and "asi".
    ("maestro/textscan.py", "atlas"): 1,
    ("maestro/checks/identifiers.py", "atlas"): 3,
    ("maestro/checks/editions.py", "atlas"): 1,
    # the data file atlas.yaml: the KB's atlas indexes read docs["atlas"]; its rules report against the file by name
    ("maestro/knowledge.py", "atlas"): 1,
    ("maestro/crossref.py", "atlas"): 6,
}
"""Literals that are the same word with another meaning, with how often each module may write them."""

PENDING: set[str] = set()
"""Modules owned by other work of issue 23 that still spell field names; each switches to maestro.crosswalk and leaves
this list (the xfail is strict: a module that no longer spells one fails here until it is taken off)."""


def field_literals(module: str) -> Counter:
    """How often ``module`` writes each crosswalk field name as a string literal."""
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    return Counter(n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in FIELD_WORDS)


@pytest.mark.parametrize("module", [pytest.param(m, marks=pytest.mark.xfail(strict=True, reason="switches to maestro.crosswalk"))
                                    if m in PENDING else m for m in SCANNED])
def test_no_module_spells_a_field_name(module):
    written = field_literals(module)
    allowed = Counter({word: n for (m, word), n in ALLOWED.items() if m == module})
    assert written == allowed, (f"{module} writes crosswalk field names as literals {dict(written - allowed)}; read them from "
                                f"maestro.crosswalk (allowed here: {dict(allowed)}, unused allowance: {dict(allowed - written)})")


def test_pending_and_allowed_modules_exist():
    stale = sorted(m for m in PENDING | {m for m, _ in ALLOWED} if m not in SCANNED)
    assert not stale, f"allow-lists name modules that no longer exist: {stale}"


# ====================================================================== the rows are what the pages show
class CrosswalkTable(HTMLParser):
    """The rows of the table under the "frameworks" heading of an ID page: each row's cells as (text, hrefs)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.rows: list[list[tuple[str, list[str]]]] = []
        self._state = "before"   # before the heading, after it, inside the table, done
        self._cell: list | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self._state == "before" and a.get("id") == "frameworks":
            self._state = "after"
        elif self._state == "after" and tag == "table":
            self._state = "table"
        elif self._state == "table" and tag == "tr":
            self.rows.append([])
        elif self._state == "table" and tag == "td":
            self._cell = ["", []]
        elif self._cell is not None and tag == "a":
            self._cell[1].append(a.get("href", ""))

    def handle_endtag(self, tag):
        if self._state == "table" and tag == "td" and self._cell is not None:
            self.rows[-1].append((" ".join(self._cell[0].split()), self._cell[1]))
            self._cell = None
        elif self._state == "table" and tag == "table":
            self._state = "done"

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data


def _shown(kb, row: dict) -> tuple[str, list[str]]:
    """What a page's Mapping cell says for a row: the entries, or "none" with the data's reason."""
    if not row["entries"]:
        reason = f": {' '.join(row['none'].split())}" if row["none"] else ""
        return f"none{reason}", []
    if row["field"] == crosswalk.STRIDE.name:
        return ", ".join(e["name"] for e in row["entries"]), []
    return ", ".join(f"{e['id']} {e['name']}" for e in row["entries"]), [e["url"] for e in row["entries"] if e["url"]]


def _paged(kb) -> list[str]:
    threats = [t for t, e in kb.threats.items() if e["kind"] != "reserved" and kb.status_of(t) != "revoked"]
    return threats + [b for b in kb.blindspots if kb.status_of(b) != "revoked"]


@pytest.mark.kb_params("ident", _paged)
def test_rows_are_what_the_page_shows(ident, kb, site):
    kind = "threat" if ident in kb.threats else "blindspot"
    html = (site / urls.url_of(kind, ident).strip("/") / "index.html").read_text(encoding="utf-8")
    table = [cells for cells in CrosswalkTable(html).rows if cells]  # the head row has no td
    rows = views.crosswalk(kb, ident)
    assert [cells[0][0] for cells in table] == [r["framework"] for r in rows]
    for cells, row in zip(table, rows):
        text, hrefs = _shown(kb, row)
        assert cells[1][0] == text, f"{ident} {row['framework']}"
        if row["entries"]:  # an empty list's reason is prose, whose IDs link to their pages
            assert cells[1][1] == hrefs, f"{ident} {row['framework']}: links"


@pytest.mark.kb_params("ident", _paged)
def test_views_crosswalk_is_the_registry_rows(ident, kb):
    rows = views.crosswalk(kb, ident)
    assert rows == crosswalk.rows(kb, ident)
    carried = crosswalk.carried("threat" if ident in kb.threats else "blindspot")
    assert list(dict.fromkeys(r["field"] for r in rows)) == [f.name for f in carried if f.in_table]
