"""A synthetic knowledge base N times larger than data/, valid against the loader, for the scale benchmark.

``write(src_data, dest_data, factor)`` copies every file of ``src_data`` to ``dest_data`` and multiplies the
entries that get pages or fill the big tables: threats, mitigations, blindspots and considerations. The
original entries stay as they are; copies 2..N of each are added with new IDs that follow maestro/ids.py:

- threats: every listed (active) threat is copied N-1 times as an *extended* threat T<next>, so threat IDs
  still run from T1 without gaps and reserved IDs stay reserved. A copy's mapping row is its source's row
  with one primary layer (the first; the others become secondary), as extended threats require.
- mitigations: each layer/type group is copied N-1 times, numbered on after the group (L3-D5 -> L3-D9..),
  so numbers still run from 1. Copy k of a mitigation addresses copy k of the threats its source addresses
  and names copy k of its considerations; patterns stay as they are. Its ``why`` gives each copied threat its
  source's reason (the stated one, else the description's sentence that names the threat).
- blindspots: copied N-1 times (BV-13..), relating to copy k of the source's threats and suggesting copy k
  of its mitigations, each with its source's reason; every checklist item that cites a source threat or blindspot also cites its copies,
  so every blindspot keeps a checklist item and every threat copy gets its source's questions.
- considerations: copied with key ``<key>-copy<k>`` and copy k of the related threats.

Names get a " Copy <k>" suffix (names are unique per type). meta.yaml ``counts`` are updated to the new
numbers; everything else (checklist items, patterns, cases, frameworks, prose pages) is unchanged.

Usage: python bench/synthetic_kb.py DEST_DATA_DIR [--factor 10] [--src data]
The result is checked with maestro.kb.load_kb before this returns (KBError if it is not valid).
"""
from __future__ import annotations

import argparse
import copy
import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from maestro import ids, views  # noqa: E402


def _load(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


def _dump(path: Path, doc, header: str) -> None:
    text = yaml.dump(doc, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False, allow_unicode=True, width=120)
    path.write_text(header + text, encoding="utf-8")


def _active(e: dict) -> bool:
    return e.get("status", "active") == "active"


def _copied_reasons(m: dict, tmap: dict, k: int) -> dict:
    """The ``why`` of copy k of control ``m``: its stated reasons, and for a threat only its description names, that
    sentence, keyed by copy k of the threat (the copy's description still names the original)."""
    said = views.sentences(m["description"])
    why = {}
    for t in m["addresses"]:
        reason = m.get("why", {}).get(t) or next((x for x in said if ids.names(x, t)), None)
        if reason:
            why[tmap.get((t, k), t)] = reason
    return why


def write(src_data: Path, dest_data: Path, factor: int = 10, check: bool = True) -> dict:
    """Write the synthetic knowledge base into ``dest_data``; return {what: (before, after)} counts."""
    if factor < 1:
        raise ValueError("factor must be at least 1")
    src_data, dest_data = Path(src_data), Path(dest_data)
    if dest_data.exists():
        shutil.rmtree(dest_data)
    shutil.copytree(src_data, dest_data)
    header = "# Synthetic knowledge base for bench/bench_build.py (bench/synthetic_kb.py); not real data.\n"
    docs = {n: _load(dest_data / f"{n}.yaml") for n in ("meta", "threats", "mapping", "mitigations", "blindspots", "checklists")}
    th, mp, mi, bv, ck, meta = (docs[n] for n in ("threats", "mapping", "mitigations", "blindspots", "checklists", "meta"))
    before = {"threats": len(th["threats"]), "mitigations": len(mi["mitigations"]), "blindspots": len(bv["blindspots"]),
              "considerations": len(th["considerations"])}
    copies = range(2, factor + 1)  # copy numbers; the originals are copy 1

    # ---- threats and mapping rows
    rows = {r["threat"]: r for r in mp["mapping"]}
    tmap: dict[tuple[str, int], str] = {}  # (source ID, copy) -> new ID
    next_t = max(int(t["id"][1:]) for t in th["threats"]) + 1
    new_threats, new_rows, threat_copy = [], [], []
    sources = [t for t in th["threats"] if t["kind"] != "reserved" and _active(t)]
    for k in copies:
        for t in sources:
            nid = f"T{next_t}"
            next_t += 1
            tmap[(t["id"], k)] = nid
            c = copy.deepcopy(t)
            c.update(id=nid, name=f"{t['name']} Copy {k}", kind="extended")
            c.pop("mcp", None)   # a copy is not one of the MCP threats the worked examples must cover (MC812)
            c.pop("aliases", None)   # aliases name one entry each
            if "short_label" in c:
                c["short_label"] = f"{t['short_label']} {k}"
            new_threats.append(c)
            threat_copy.append(k)
            row = copy.deepcopy(rows[t["id"]])
            row["threat"] = nid
            seen_primary = False
            for layer, v in list(row.items()):
                if layer != "threat" and v == "primary":
                    if seen_primary:
                        row[layer] = "secondary"
                    seen_primary = True
            new_rows.append(row)

    # ---- considerations
    cmap: dict[tuple[str, int], str] = {}
    new_cons = []
    for k in copies:
        for c in th["considerations"]:
            nk = f"{c['key']}-copy{k}"
            cmap[(c["key"], k)] = nk
            n = copy.deepcopy(c)
            n.update(key=nk, name=f"{c['name']} Copy {k}",
                     related_threats=[tmap.get((x, k), x) for x in c["related_threats"]])
            new_cons.append(n)

    # ---- mitigations: numbered on per layer and type
    groups: dict[tuple[str, str], list[dict]] = {}
    for m in mi["mitigations"]:
        layer, letter, _ = ids.mitigation_parts(m["id"])
        groups.setdefault((layer, letter), []).append(m)
    mmap: dict[tuple[str, int], str] = {}
    new_mits = []
    for (layer, letter), members in groups.items():
        top = max(ids.mitigation_parts(m["id"])[2] for m in members)
        for k in copies:
            for m in members:
                n = ids.mitigation_parts(m["id"])[2]
                mmap[(m["id"], k)] = f"{layer}-{letter}{n + (k - 1) * top}"
    for k in copies:
        for m in mi["mitigations"]:
            if not _active(m):
                continue
            c = copy.deepcopy(m)
            c.pop("aliases", None)   # aliases name one entry each
            c.update(id=mmap[(m["id"], k)], name=f"{m['name']} Copy {k}",
                     addresses=[tmap.get((t, k), t) for t in m["addresses"]])
            c.pop("why", None)
            if m["addresses"]:
                c["why"] = _copied_reasons(m, tmap, k)
            if "considerations" in c:
                c["considerations"] = [cmap.get((x, k), x) for x in c["considerations"]]
            new_mits.append(c)
    if any(not _active(m) for m in mi["mitigations"]):
        raise SystemExit("synthetic_kb: a deprecated or revoked mitigation would leave a numbering gap; extend this script")
    # The copies of a threat's partial mitigations point at the copies of those controls.
    for t, k in zip(new_threats, threat_copy):
        if "partial_mitigations" in t:
            t["partial_mitigations"] = [mmap.get((x, k), x) for x in t["partial_mitigations"]]

    # ---- blindspots
    next_b = max(int(b["id"][3:]) for b in bv["blindspots"]) + 1
    bmap: dict[tuple[str, int], str] = {}
    new_bvs = []
    for k in copies:
        for b in bv["blindspots"]:
            if not _active(b):
                continue
            nid = f"BV-{next_b}"
            next_b += 1
            bmap[(b["id"], k)] = nid
            c = copy.deepcopy(b)
            c.pop("aliases", None)
            c.update(id=nid, name=f"{b['name']} Copy {k}",
                     related_threats=[tmap.get((t, k), t) for t in b["related_threats"]],
                     suggested_mitigations=[mmap.get((m, k), m) for m in b["suggested_mitigations"]],
                     why={mmap.get((m, k), m): text for m, text in b.get("why", {}).items()})
            new_bvs.append(c)

    # ---- checklist items cite the copies of what they cite
    for s in ck["sections"]:
        for item in s["items"]:
            extra = [x for k in copies for r in item["refs"] for x in (tmap.get((r, k)), bmap.get((r, k))) if x]
            item["refs"] = item["refs"] + extra

    th["threats"] += new_threats
    th["considerations"] += new_cons
    mp["mapping"] += new_rows
    mi["mitigations"] += new_mits
    bv["blindspots"] += new_bvs

    cnt = meta["counts"]
    cnt["threats"]["extended"] += len(new_threats)
    cnt["blindspots"] += len(new_bvs)
    cnt["considerations"] += len(new_cons)
    for layer, nums in cnt["mitigations"].items():
        cnt["mitigations"][layer] = [n * factor for n in nums]

    for name, doc in docs.items():
        _dump(dest_data / f"{name}.yaml", doc, header)
    after = {"threats": len(th["threats"]), "mitigations": len(mi["mitigations"]), "blindspots": len(bv["blindspots"]),
             "considerations": len(th["considerations"])}
    if check:
        from maestro.kb import load_kb

        load_kb(dest_data)  # raises KBError naming every problem
    return {k: (before[k], after[k]) for k in before}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dest", type=Path, help="data directory to write (replaced if it exists)")
    ap.add_argument("--factor", type=int, default=10)
    ap.add_argument("--src", type=Path, default=ROOT / "data")
    a = ap.parse_args(argv)
    if a.dest.resolve() == a.src.resolve() or a.dest.resolve() == (ROOT / "data").resolve():
        ap.error("refusing to overwrite the source data directory")
    counts = write(a.src, a.dest, a.factor)
    for what, (b, n) in counts.items():
        print(f"{what:15} {b:5} -> {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
