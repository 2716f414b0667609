#!/usr/bin/env python3
"""Size of the search index fetched on the first search (site/search/search_index.json), raw and gzipped at level 6,
in total and per top-level section of the site, beside a baseline measured in the same run.

Usage: python bench/bench_search_index.py [--site DIR] [--baseline-ref REF | --baseline FILE] [--write]
  --site DIR          a built site to measure (default: a strict build of a snapshot of the working tree, in a
                      temporary directory).
  --baseline-ref REF  build this git commit the same way (`git archive` into a temporary directory) and put its index
                      beside ours (default: HEAD, so the table shows what uncommitted changes do; use the commit before
                      a change to show what it did).
  --baseline FILE     a kept search_index.json instead of a build.
  --write             replace this script's section of bench/RESULTS.md with the table, the command and the machine.

Target (issue 24): at most 200 kB gzipped (1 kB = 1000 bytes)."""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from machine import cpu_model, uname, write_section  # noqa: E402  (bench/machine.py)

RESULTS = ROOT / "bench" / "RESULTS.md"
START, END = "<!-- bench_search_index:start -->", "<!-- bench_search_index:end -->"
TARGET = 200_000
SKIP = (".git", ".venv", "node_modules", "site", "build", "__pycache__", "*.egg-info", ".pytest_cache")


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def build(project: Path, out: Path) -> Path:
    """A strict build of ``project`` into ``out``, importing maestro and maestro_site from ``project``; its index."""
    env = {**os.environ, "PYTHONPATH": str(project), "NO_MKDOCS_2_WARNING": "1",
           "MAESTRO_CACHE_DIR": str(out.parent / "cache")}
    res = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)], cwd=project,
                         env=env, capture_output=True, text=True)
    if res.returncode:
        raise SystemExit(f"build of {project} failed:\n{res.stdout}{res.stderr}")
    return out / "search" / "search_index.json"


def snapshot(dest: Path) -> Path:
    """The working tree as it is now (without .git, the virtualenv, node_modules, site/ and build/), so edits made
    meanwhile do not leak into the run."""
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(*SKIP))
    return dest


def archive(ref: str, dest: Path) -> Path:
    """The tree of commit ``ref``, as `git archive` writes it."""
    tar = dest.with_suffix(".tar")
    subprocess.run(["git", "archive", "--format=tar", "-o", str(tar), ref], cwd=ROOT, check=True)
    with tarfile.open(tar) as t:
        t.extractall(dest, filter="data")
    return dest


def sizes(index: Path) -> dict:
    """{section: (docs, raw bytes, gzip bytes)} and "total", each section's entries serialised as Material does."""
    data = json.loads(index.read_text(encoding="utf-8"))
    groups = defaultdict(list)
    for doc in data["docs"]:
        top = doc["location"].split("/")[0].split("#")[0] or "(home)"
        groups[top].append(doc)
    dump = lambda docs: json.dumps({"config": data["config"], "docs": docs}, separators=(",", ":")).encode()  # noqa: E731
    out = {k: (len(v), len(dump(v)), _gz(dump(v))) for k, v in groups.items()}
    raw = index.read_bytes()
    out["total"] = (len(data["docs"]), len(raw), _gz(raw))
    return out


def table(ours: dict, base: dict | None) -> str:
    keys = sorted((k for k in set(ours) | set(base or {}) if k != "total"), key=lambda k: -ours.get(k, (0, 0, 0))[2]) + ["total"]
    head = "| Section | Entries | Raw (kB) | Gzip-6 (kB) |" + (" Baseline entries | Baseline raw (kB) | Baseline gzip-6 (kB) |" if base else "")
    rows = [head, "|" + "---|" * (head.count("|") - 1)]
    for k in keys:
        n, r, g = ours.get(k, (0, 0, 0))
        line = f"| {k} | {n} | {r / 1000:.1f} | {g / 1000:.1f} |"
        if base:
            bn, br, bg = base.get(k, (0, 0, 0))
            line += f" {bn} | {br / 1000:.1f} | {bg / 1000:.1f} |"
        rows.append(line)
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--site", type=Path)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--baseline-ref", default="HEAD")
    g.add_argument("--baseline", type=Path)
    ap.add_argument("--write", action="store_true")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        tmp = Path(tmp)
        if a.site:
            index = a.site / "search" / "search_index.json"
        else:
            index = build(snapshot(tmp / "ours"), tmp / "ours-site")
        ours = sizes(index)
        if a.baseline:
            base, base_name = sizes(a.baseline), str(a.baseline)
        else:
            base = sizes(build(archive(a.baseline_ref, tmp / "base"), tmp / "base-site"))
            base_name = f"commit {subprocess.run(['git', 'rev-parse', '--short', a.baseline_ref], cwd=ROOT, capture_output=True, text=True).stdout.strip()} ({a.baseline_ref})"
    text = table(ours, base)
    total = ours["total"][2]
    verdict = (f"index {total / 1000:.1f} kB gzipped ({'within' if total <= TARGET else 'over'} the target of "
               f"{TARGET / 1000:.0f} kB); baseline ({base_name}) {base['total'][2] / 1000:.1f} kB")
    print(text)
    print("\n" + verdict)
    if a.write:
        py = Path(sys.executable)
        shown = py.relative_to(ROOT).as_posix() if py.is_relative_to(ROOT) else str(py)
        cmd = f"{shown} bench/bench_search_index.py " + " ".join(shlex.quote(x) for x in (argv if argv is not None else sys.argv[1:]))
        section = "\n".join([
            START,
            "## Search index size (`bench/bench_search_index.py`)",
            "",
            f"- Command (from the repository root): `{cmd.strip()}`",
            f"- Date: {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
            f"- Machine: `{uname()}`",
            f"- CPU: {cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}",
            "",
            "`search/search_index.json` of a strict build, per top-level section (its entries serialised as Material",
            "writes them), raw and gzipped at level 6, what a static server sends on the first search; 1 kB = 1000 bytes.",
            "",
            text,
            "",
            verdict[0].upper() + verdict[1:] + ".",
            END,
        ])
        write_section(RESULTS, START, END, section)
        print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
