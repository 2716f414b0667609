"""Machine-readable exports of the knowledge base: ids.json, kb.json, CSV files, schemas, manifest, llms.txt.

Pure functions from a loaded KB to (path, text) pairs; the site build publishes them and the
CLI can write them. Output is deterministic (sorted keys where order is not meaningful).
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from . import crosswalk, integrity, schemas, yamlio
from .crosswalk import ASI_TOP10, ATLAS, LLM_TOP10, MAPPING_NAMES, STRIDE
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
    return {"mitre_atlas": crosswalk.editions(kb, ATLAS)[0],
            "owasp_llm_top10": crosswalk.editions(kb, LLM_TOP10),
            "owasp_agentic_top10": crosswalk.editions(kb, ASI_TOP10)[0],
            "owasp_agentic_threats_and_mitigations": kb.frameworks["agentic_threats"]["current"]}


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


THREAT_CROSSWALK = (STRIDE.name, *MAPPING_NAMES)
"""The crosswalk columns of threats.csv, in order (maestro/crosswalk.py)."""
BLINDSPOT_CROSSWALK_ADDED = tuple(f for f in MAPPING_NAMES if f != ATLAS.name)
"""The crosswalk columns blindspots.csv gained in 1.1.0, after its 1.0.0 columns (ATLAS was one of those)."""


def csv_files(kb: KB) -> dict[str, str]:
    j = "; ".join
    threats = [[t["id"], t.get("name", ""), t["kind"], j(l for l in LAYER_ORDER if kb.threat_layers.get(t["id"], {}).get(l) == "primary"),
                j(l for l in LAYER_ORDER if kb.threat_layers.get(t["id"], {}).get(l) == "secondary"),
                *(j(t.get(f, [])) for f in THREAT_CROSSWALK), j(kb.threat_mitigations.get(t["id"], [])), url_of("threat", t["id"])]
               for t in kb.threats.values()]
    mits = [[m, kb.mitigations[m]["name"], kb.mitigation_layer(m), kb.types[kb.mitigation_type(m)]["key"],
             j(kb.mitigations[m]["addresses"]), kb.mitigations[m].get("scope", ""), url_of("mitigation", m)]
            for m in sorted(kb.mitigations, key=kb.mitigation_sort_key)]
    bvs = [[b["id"], b["name"], j(b["layers"]), j(b["related_threats"]), j(b["suggested_mitigations"]), j(b[ATLAS.name]),
            url_of("blindspot", b["id"]), *(j(b[f]) for f in BLINDSPOT_CROSSWALK_ADDED)] for b in kb.blindspots.values()]
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
        edges += [[t["id"], "maps_to", x] for f in MAPPING_NAMES for x in t[f]]
    for b in kb.blindspots.values():
        edges += [[b["id"], "in_layer", l] for l in b["layers"]]
        edges += [[b["id"], "related_to", t] for t in b["related_threats"]]
        edges += [[b["id"], "suggests", m] for m in b["suggested_mitigations"]]
        edges += [[b["id"], "maps_to", a] for a in b[ATLAS.name]]
    for i in kb.items.values():
        edges += [[i["id"], "cites", r] for r in i["refs"]]
    return {
        "threats.csv": _csv(["id", "name", "kind", "primary_layers", "secondary_layers", *THREAT_CROSSWALK, "mitigations", "url"], threats),
        "mitigations.csv": _csv(["id", "name", "layer", "type", "addresses", "scope", "url"], mits),
        # columns added in 1.1.0 go after the 1.0.0 ones, so readers that index by position keep working
        "blindspots.csv": _csv(["id", "name", "layers", "related_threats", "suggested_mitigations", ATLAS.name, "url",
                                *BLINDSPOT_CROSSWALK_ADDED], bvs),
        "mapping.csv": _csv(["threat_id", "layer", "strength"], mapping),
        "edges.csv": _csv(["source", "relation", "target"], edges),
    }


def schema_files(kb: KB) -> dict[str, str]:
    from . import engagement
    out = {f"data/{name}.schema.json": _json(schemas.data_schema(name)) for name in schemas.DATA}
    out["threat-model.schema.json"] = _json(engagement.threat_model_schema(kb))
    out["state.schema.json"] = _json(engagement.state_schema(kb))
    return out


# ===================================================================== llms.txt
# The llms.txt convention: one Markdown file at the site root with an H1 (the site's name), a blockquote that
# sums it up, a few paragraphs, then H2 sections that are lists of links; a section called "Optional" holds
# what a reader short of room may skip. llms-full.txt carries the knowledge base itself as text.

CSV_NOTES = {
    "threats.csv": "one row per threat: kind, primary and secondary layers, external mappings, mitigations, URL",
    "mitigations.csv": "one row per control: layer, type, the threats it addresses, URL",
    "blindspots.csv": "one row per blindspot: layers, related threats, suggested controls, URL",
    "mapping.csv": "the threat-by-layer matrix as threat_id, layer, strength (primary or secondary)",
    "edges.csv": "every relation between IDs as source, relation, target",
}


def _base(site_url: str | None) -> str:
    """The address links are made absolute with: the build's site_url (mike adds the version to it), with a final slash."""
    if not site_url:
        return ""
    return site_url if site_url.endswith("/") else site_url + "/"


def _release_note(kb: KB, base: str) -> str:
    """How the addresses relate to releases: a versioned build's base ends in /<version>/ (mike)."""
    if base.endswith(f"/{kb.version}/"):
        return (f"These addresses belong to release {kb.version} and keep showing it after later releases; the newest "
                f"release is at {base[: -len(kb.version) - 1]}.")
    return ("A published release also stays online under its version number "
            f"({base or '/'}{kb.version}/threats/T12/ for this one), which keeps showing that release after later ones.")


def _namespaced(kb: KB) -> dict[str, dict]:
    """Our IDs whose number another publisher also uses: {ID: that publisher's entry}."""
    return {i: e for i, e in kb.external_threats.items() if i in kb.threats}


def _layers_of(kb: KB, kind: str, ident: str) -> str:
    if kind == "threat":
        cells = kb.threat_layers.get(ident, {})
        prim = [l for l in LAYER_ORDER if cells.get(l) == "primary"]
        sec = [l for l in LAYER_ORDER if cells.get(l) == "secondary"]
        parts = ([f"primary {', '.join(prim)}"] if prim else []) + ([f"secondary {', '.join(sec)}"] if sec else [])
        return "; ".join(parts) or "none"
    if kind == "blindspot":
        return ", ".join(kb.blindspots[ident]["layers"])
    if kind == "mitigation":
        return kb.mitigation_layer(ident)
    return ident


def llms_txt(kb: KB, site_url: str | None = None, chapters=None) -> str:
    """/llms.txt: what the site is, where its data and schemas are, how to cite an ID, and its chapters.

    ``chapters`` is [(section title, [(page title, path)])] from the site's navigation; without it the
    chapter sections are left out.
    """
    base = _base(site_url)
    ids = kb.all_ids()
    count = {k: sum(1 for v in ids.values() if v["type"] == k) for k in ("threat", "blindspot", "mitigation", "layer")}
    reserved = sum(1 for t in kb.threats if kb.status_of(t) == "reserved")
    last = max(int(t[1:]) for t in kb.threats)
    ns = sorted(_namespaced(kb), key=lambda i: int(i[1:]))
    cite = kb.citation("T12")
    lines = [
        f"# {kb.meta['title']}",
        "",
        f"> A playbook for threat modeling agentic AI and multi-agent systems with MAESTRO, the seven-layer method, "
        f"built on a versioned knowledge base of {count['threat'] - reserved} threats (T1 to T{last}; "
        f"{reserved} IDs in that range are reserved), {count['blindspot']} blindspots, "
        f"{count['mitigation']} mitigations and {count['layer']} layers (seven plus cross-layer). "
        f"This file describes knowledge-base version {kb.version}.",
        "",
        "Every ID has exactly one page, and every table, export and list on the site is generated from the same data, "
        "so the machine-readable files below say what the pages say. IDs keep their meaning forever: a deprecated ID keeps "
        "its page with a notice, a revoked one points to its replacement, and a reserved one is never cited.",
        "",
        "How to cite: write `MAESTRO`, the ID as the data spells it, and the knowledge-base version in brackets, "
        f"for example `{cite}`, next to the canonical name. Link the ID's page; its address has the form "
        f"{base}threats/T12/ (blindspots/BV-7/, mitigations/L3-D2/, layers/L3/, layers/cross-layer/), and the short form "
        f"{base}T12/ leads there too. " + _release_note(kb, base),
    ]
    if ns:
        lines += ["", f"{' and '.join(ns)} are numbers another publisher also uses for different entries, so write them "
                      f"with the namespace (`MAESTRO {ns[0]}`); their OWASP counterparts are `OWASP {ns[0]}`. "
                      "Resolve a citation with ids.json: its `aliases` and `external` keys cover both forms."]
    lines += ["", "## Data and schemas", "",
              f"- [ids.json]({base}ids.json): every ID with its type, canonical name, status and page URL, plus the namespaced aliases and the external framework editions; resolve citations with it",
              f"- [kb.json]({base}kb.json): the whole knowledge base in one file, with its version and the derived indexes (threat layers, mitigations per threat)",
              f"- [llms-full.txt]({base}llms-full.txt): every ID with its type, layers, description and URL as plain Markdown",
              f"- [manifest.json]({base}manifest.json): SHA-256 of each file of the release, which `maestro verify` checks a copy against",
              f"- [Knowledge-base file schemas]({base}schemas/data/threats.schema.json): one JSON Schema per data file at schemas/data/<name>.schema.json ({', '.join(schemas.DATA)})",
              f"- [Threat-model schema]({base}schemas/threat-model.schema.json): the JSON Schema of an engagement's threat-model.json",
              f"- [State schema]({base}schemas/state.schema.json): the JSON Schema of an engagement's phase-state file"]
    lines += ["", "## For AI assistants", "",
              f"- [AI-assisted threat modeling]({base}agents/): how an AI agent runs an engagement with this playbook; the same rules are in AGENTS.md at the repository root"]
    for title, pages_ in chapters or []:
        if pages_:
            lines += ["", f"## {title}", ""] + [f"- [{t}]({base}{p})" for t, p in pages_]
    lines += ["", "## Optional", ""] + [f"- [csv/{name}]({base}csv/{name}): {note}" for name, note in CSV_NOTES.items()]
    return "\n".join(lines) + "\n"


def llms_full_txt(kb: KB, site_url: str | None = None) -> str:
    """/llms-full.txt: every ID of the knowledge base with its name, type, status, layers, description, citation and URL."""
    base = _base(site_url)
    ns = _namespaced(kb)
    heads = {"layer": "Layers", "threat": "Threats", "blindspot": "Blindspots", "mitigation": "Mitigations"}
    groups: dict[str, list[str]] = {k: [] for k in heads}
    for ident, info in kb.all_ids().items():
        groups[info["type"]].append(ident)
    out = [f"# {kb.meta['title']}: the knowledge base in full (version {kb.version})", "",
           f"> Every ID of knowledge-base version {kb.version}, generated from its data files, with the name, type, "
           f"layers and description of each and the address of its page. Cite an ID as `{kb.citation('<ID>')}`.", ""]
    for kind, head in heads.items():
        out += [f"## {head}", ""]
        for ident in groups[kind]:
            out += _full_entry(kb, kind, ident, base, ns)
    return "\n".join(out).rstrip("\n") + "\n"


def _full_entry(kb: KB, kind: str, ident: str, base: str, ns: dict) -> list[str]:
    status = kb.status_of(ident)
    name = kb.name_of(ident) or "Reserved"
    if kind == "threat":
        entry = kb.threats[ident]
        what = f"threat ({entry['kind']})"
    elif kind == "mitigation":
        entry = kb.mitigations[ident]
        what = f"mitigation ({kb.types[kb.mitigation_type(ident)]['key']})"
    elif kind == "blindspot":
        entry, what = kb.blindspots[ident], "blindspot"
    else:
        entry, what = kb.layers[ident], "layer"
    rows = [f"### {ident}: {name}", "",
            f"- Type: {what}",
            f"- Status: {status}"]
    if kind != "layer":
        rows.append(f"- Layers: {_layers_of(kb, kind, ident)}")
    if kind == "mitigation":
        rows.append(f"- Addresses: {', '.join(entry['addresses'])}")
    if kind == "blindspot":
        rows.append(f"- Related threats: {', '.join(entry['related_threats'])}")
    if status == "revoked":
        rows.append(f"- Replaced by: {entry['revoked']['replaced_by']}")
    if ident in ns:
        e = ns[ident]
        rows.append(f"- Namespace: write MAESTRO {ident}; OWASP {ident} is another entry ({e['name']}, {e['framework']} {e['edition']})")
    if status != "reserved":
        rows.append(f"- Cite as: {kb.citation(ident)}")
    rows.append(f"- URL: {base}{url_of(kind, ident)[1:]}")
    text = entry.get("description") or entry.get("note") or ""
    if kind == "layer" and entry.get("summary"):
        text = f"{entry['summary']}\n\n{text}" if text else entry["summary"]
    return rows + ([""] + [text.strip()] if text.strip() else []) + [""]


def all_exports(kb: KB, data_dir: Path, site_url: str | None = None, chapters=None) -> dict[str, str]:
    """Every export file: site-relative path -> text. ``site_url`` and ``chapters`` only shape llms.txt and llms-full.txt."""
    # The published manifest covers the same files as the release's manifest.json (integrity.py):
    # data/ recursively, AGENTS.md, CLAUDE.md and maestro/**/*.py of the checkout being built.
    data_dir = Path(data_dir)
    release = integrity.manifest(data_dir.parent, kb.version, data_dir)
    out = {"ids.json": _json(ids_json(kb)), "kb.json": _json(kb_json(kb)), "manifest.json": integrity.manifest_text(release)}
    out.update({f"csv/{k}": v for k, v in csv_files(kb).items()})
    out.update({f"schemas/{k}": v for k, v in schema_files(kb).items()})
    out["llms.txt"] = llms_txt(kb, site_url, chapters)
    out["llms-full.txt"] = llms_full_txt(kb, site_url)
    return out

