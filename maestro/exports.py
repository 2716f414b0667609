"""Machine-readable exports of the knowledge base: ids.json, kb.json, CSV files, schemas, manifest.

Pure functions from a loaded KB to (path, text) pairs; the site build publishes them and the
CLI can write them. Output is deterministic (sorted keys where order is not meaningful).
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from . import integrity, schemas, yamlio
from .kb import KB, LAYER_ORDER
from .urls import url_of


def _json(obj) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def ids_json(kb: KB) -> dict:
    """Every ID with type, name, status and URL; namespaced forms; the OWASP entries our numbers collide with; editions.

    ``aliases`` resolves "MAESTRO T16" to T16; ``external`` holds other publishers' IDs written with
    their namespace ("OWASP T16"), with the MAESTRO threats nearest to them (ruling R05).
    """
    out = {}
    for ident, info in kb.all_ids().items():
        out[ident] = {**info, "url": url_of(info["type"], ident)}
    aliases = {f"MAESTRO {ident}": ident for ident in out}
    external = {f"OWASP {t['id']}": {"type": "external-threat", "framework": t["framework"], "edition": t["edition"], "name": t["name"],
                                      "nearest": list(t["nearest"]), "collides_with": t["id"] if t["id"] in out else None}
                for t in kb.external_threats.values()}
    return {"version": kb.version, "ids": out, "aliases": aliases, "external": external, "editions": editions(kb)}


def editions(kb: KB) -> dict:
    """The edition of every external framework the knowledge base cites."""
    fw = kb.frameworks
    return {"mitre_atlas": kb.atlas_edition,
            "owasp_llm_top10": [e["edition"] for e in fw["llm_top10"]["editions"]],
            "owasp_agentic_top10": fw["asi_top10"]["current"],
            "owasp_agentic_threats_and_mitigations": fw["agentic_threats"]["current"]}


def kb_json(kb: KB) -> dict:
    body = {name: yamlio.plain(doc) for name, doc in kb.docs.items() if name != "meta"}
    derived = {
        "threat_layers": kb.threat_layers,
        "threat_mitigations": {t: m for t, m in kb.threat_mitigations.items() if m},
        "mitigation_layer_type": {m: {"layer": kb.mitigation_layer(m), "type": kb.types[kb.mitigation_type(m)]["key"]} for m in kb.mitigations},
    }
    return {"version": kb.version, "meta": yamlio.plain(kb.meta), "data": body, "derived": derived}


def _csv(header, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def csv_files(kb: KB) -> dict[str, str]:
    j = "; ".join
    threats = [[t["id"], t.get("name", ""), t["kind"], j(l for l in LAYER_ORDER if kb.threat_layers.get(t["id"], {}).get(l) == "primary"),
                j(l for l in LAYER_ORDER if kb.threat_layers.get(t["id"], {}).get(l) == "secondary"),
                j(t.get("stride", [])), j(t.get("llm_top10", [])), j(t.get("asi_top10", [])), j(t.get("cwe", [])),
                j(t.get("atlas", [])), j(kb.threat_mitigations.get(t["id"], [])), url_of("threat", t["id"])]
               for t in kb.threats.values()]
    mits = [[m, kb.mitigations[m]["name"], kb.mitigation_layer(m), kb.types[kb.mitigation_type(m)]["key"],
             j(kb.mitigations[m]["addresses"]), kb.mitigations[m].get("scope", ""), url_of("mitigation", m)]
            for m in sorted(kb.mitigations, key=kb.mitigation_sort_key)]
    bvs = [[b["id"], b["name"], j(b["layers"]), j(b["related_threats"]), j(b["suggested_mitigations"]), j(b["atlas"]),
            url_of("blindspot", b["id"]), j(b["llm_top10"]), j(b["asi_top10"]), j(b["cwe"])] for b in kb.blindspots.values()]
    mapping = [[t, l, s] for t, cells in kb.threat_layers.items() for l in LAYER_ORDER for s in [cells.get(l)] if s]
    edges = []
    for t, cells in kb.threat_layers.items():
        for l in LAYER_ORDER:
            if l in cells:
                edges.append([t, f"{cells[l]}_layer", l])
    for m in sorted(kb.mitigations, key=kb.mitigation_sort_key):
        edges.append([m, "in_layer", kb.mitigation_layer(m)])
        edges += [[m, "addresses", t] for t in kb.mitigations[m]["addresses"]]
    for t in kb.active_threats():
        edges += [[t["id"], "partially_mitigated_by", m] for m in t.get("partial_mitigations", [])]
        edges += [[t["id"], "maps_to", x] for f in ("llm_top10", "asi_top10", "cwe", "atlas") for x in t[f]]
    for b in kb.blindspots.values():
        edges += [[b["id"], "in_layer", l] for l in b["layers"]]
        edges += [[b["id"], "related_to", t] for t in b["related_threats"]]
        edges += [[b["id"], "suggests", m] for m in b["suggested_mitigations"]]
        edges += [[b["id"], "maps_to", a] for a in b["atlas"]]
    for i in kb.items.values():
        edges += [[i["id"], "cites", r] for r in i["refs"]]
    return {
        "threats.csv": _csv(["id", "name", "kind", "primary_layers", "secondary_layers", "stride", "llm_top10", "asi_top10", "cwe", "atlas", "mitigations", "url"], threats),
        "mitigations.csv": _csv(["id", "name", "layer", "type", "addresses", "scope", "url"], mits),
        # columns added in 1.1.0 go after the 1.0.0 ones, so readers that index by position keep working
        "blindspots.csv": _csv(["id", "name", "layers", "related_threats", "suggested_mitigations", "atlas", "url", "llm_top10", "asi_top10", "cwe"], bvs),
        "mapping.csv": _csv(["threat_id", "layer", "strength"], mapping),
        "edges.csv": _csv(["source", "relation", "target"], edges),
    }


def schema_files(kb: KB) -> dict[str, str]:
    from . import engagement
    out = {f"data/{name}.schema.json": _json(schemas.data_schema(name)) for name in schemas.DATA}
    out["threat-model.schema.json"] = _json(engagement.threat_model_schema(kb))
    out["state.schema.json"] = _json(engagement.state_schema(kb))
    return out


def all_exports(kb: KB, data_dir: Path) -> dict[str, str]:
    """Every export file: site-relative path -> text."""
    # The published manifest covers the same files as the release's manifest.json (integrity.py):
    # data/ recursively, AGENTS.md, CLAUDE.md and maestro/**/*.py of the checkout being built.
    data_dir = Path(data_dir)
    release = integrity.manifest(data_dir.parent, kb.version, data_dir)
    out = {"ids.json": _json(ids_json(kb)), "kb.json": _json(kb_json(kb)), "manifest.json": integrity.manifest_text(release)}
    out.update({f"csv/{k}": v for k, v in csv_files(kb).items()})
    out.update({f"schemas/{k}": v for k, v in schema_files(kb).items()})
    return out

