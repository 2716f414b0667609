"""Exports written by the build parse, follow their schemas and agree with the data."""
from __future__ import annotations

import csv
import hashlib
import io
import json

import jsonschema
from pathlib import Path

import pytest

from maestro import schemas
from maestro.kb import LAYER_ORDER
from maestro.yamlio import load, plain

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

pytestmark = pytest.mark.build


def read_csv(site, name):
    return list(csv.DictReader(io.StringIO((site / "csv" / name).read_text(encoding="utf-8"))))


def test_ids_json(meta_counts, kb, site_page, site):
    doc = json.loads((site / "ids.json").read_text())
    assert doc["version"] == kb.version
    assert set(doc["ids"]) == set(kb.all_ids())
    counts = {}
    for ident, info in doc["ids"].items():
        counts[info["type"]] = counts.get(info["type"], 0) + 1
        assert set(info) == {"type", "name", "url", "status"}
        assert site_page(info["url"]).h1.startswith(ident)
    assert counts == {"layer": len(LAYER_ORDER), "threat": meta_counts["threats_total"], "blindspot": meta_counts["blindspots"],
                      "mitigation": meta_counts["mitigations_total"]}
    assert doc["ids"]["T26"]["status"] == "reserved"
    assert doc["ids"]["T12"] == {"type": "threat", "name": "Agent Communication Poisoning", "url": "/threats/T12/", "status": "active"}
    assert doc["ids"]["CL"]["url"] == "/layers/cross-layer/"


def test_kb_json_round_trips_the_data(kb, site):
    doc = json.loads((site / "kb.json").read_text())
    assert doc["version"] == kb.version
    for name in schemas.DATA:
        if name == "meta":
            assert doc["meta"] == plain(load(DATA / "meta.yaml"))
            continue
        assert doc["data"][name] == plain(load(DATA / f"{name}.yaml")), name
        jsonschema.validate(doc["data"][name], json.loads((site / "schemas" / "data" / f"{name}.schema.json").read_text()))
    assert doc["derived"]["threat_mitigations"]["T12"] == kb.threat_mitigations["T12"]


@pytest.mark.parametrize("name", list(schemas.DATA))
def test_schema_published_and_valid(site, name):
    schema = json.loads((site / "schemas" / "data" / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith(f"/schemas/data/{name}.schema.json")


def test_threats_csv(kb, site):
    rows = read_csv(site, "threats.csv")
    assert [r["id"] for r in rows] == list(kb.threats)
    for r in rows:
        t = kb.threats[r["id"]]
        assert r["kind"] == t["kind"] and r["url"] == f"/threats/{r['id']}/"
        if t["kind"] != "reserved":
            assert r["name"] == t["name"]
            assert r["mitigations"].split("; ") == (kb.threat_mitigations[r["id"]] or [""])
            assert r["primary_layers"].split("; ") == [l for l in LAYER_ORDER if kb.threat_layers[r["id"]].get(l) == "primary"]


def test_mitigations_csv(meta_counts, kb, site):
    rows = read_csv(site, "mitigations.csv")
    assert len(rows) == meta_counts["mitigations_total"]
    for r in rows:
        m = kb.mitigations[r["id"]]
        assert r["name"] == m["name"] and r["layer"] == kb.mitigation_layer(r["id"])
        assert r["type"] == kb.types[kb.mitigation_type(r["id"])]["key"]
        assert (r["addresses"].split("; ") if r["addresses"] else []) == m["addresses"]


def test_blindspots_csv(kb, site):
    rows = read_csv(site, "blindspots.csv")
    assert [r["id"] for r in rows] == list(kb.blindspots)
    assert all(r["url"] == f"/blindspots/{r['id']}/" for r in rows)


def test_mapping_csv(kb, site):
    rows = read_csv(site, "mapping.csv")
    assert set(rows[0]) == {"threat_id", "layer", "strength"}
    got = {(r["threat_id"], r["layer"]): r["strength"] for r in rows}
    want = {(t, l): s for t, cells in kb.threat_layers.items() for l, s in cells.items()}
    assert got == want
    assert {r["strength"] for r in rows} == {"primary", "secondary"}


def test_edges_csv(kb, site):
    rows = read_csv(site, "edges.csv")
    edges = {(r["source"], r["relation"], r["target"]) for r in rows}
    for m, mm in kb.mitigations.items():
        for t in mm["addresses"]:
            assert (m, "addresses", t) in edges
    for i in kb.items.values():
        for r in i["refs"]:
            assert (i["id"], "cites", r) in edges
    assert ("T12", "primary_layer", "L2") in edges


def test_manifest(kb, site):
    doc = json.loads((site / "manifest.json").read_text())
    assert doc["version"] == kb.version and doc["algorithm"] == "sha256"
    files = {f"data/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(DATA.glob("*.yaml"))}
    assert files.items() <= doc["files"].items()
    # the same files as the release's manifest.json: examples, agent instructions, the package
    from maestro import integrity
    assert doc == integrity.manifest(ROOT, kb.version)
    assert {"data/examples/rag-agent.json", "AGENTS.md", "CLAUDE.md", "maestro/engagement.py"} <= set(doc["files"])


@pytest.mark.parametrize("name", ["threat-model", "state"])
def test_engagement_schemas_published(kb, site, name):
    from maestro import engagement
    schema = json.loads((site / "schemas" / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    built = engagement.threat_model_schema(kb) if name == "threat-model" else engagement.state_schema(kb)
    assert schema == json.loads(json.dumps(built))


def test_engagement_schema_enums_come_from_the_data(kb, site):
    schema = json.loads((site / "schemas" / "threat-model.schema.json").read_text())
    threat = schema["properties"]["threats"]["items"]["properties"]
    assert threat["severity"]["enum"] == [s["level"] for s in kb.scoring["severity"]]
    assert threat["likelihood"]["enum"] == [s["level"] for s in kb.scoring["likelihood"]]
    mit = schema["properties"]["mitigations"]["items"]["properties"]
    assert mit["status"]["enum"] == [s["status"] for s in kb.scoring["implementation_status"]]
