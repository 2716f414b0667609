"""Benchmarks, each compared side by side with a baseline measured in the same run.

1. Knowledge-base load: load_kb (YAML with positions + JSON Schema + cross-checks) vs a plain
   safe load of the same files with the same parser (libyaml when available): the ratio is the
   cost of positions and validation.
2. Site build: the real `mkdocs build` vs a baseline MkDocs project with the same number of
   plain Markdown pages of similar size and the same theme, without macros or hooks.

Usage: python bench/bench_build.py [--runs N]. Prints a table; writes nothing into the repo
except bench/results/ (git-ignored). No timing is asserted anywhere.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from maestro import load_kb  # noqa: E402


def timed(fn, runs):
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def fmt(xs):
    return f"median {statistics.median(xs) * 1000:8.1f} ms  (min {min(xs) * 1000:.1f}, max {max(xs) * 1000:.1f}, n={len(xs)})"


def baseline_project(dest: Path, pages: int, words: int):
    docs = dest / "docs"
    docs.mkdir(parents=True)
    para = " ".join(["threat model agent layer mitigation control"] * (words // 6))
    for i in range(pages):
        (docs / f"p{i:04d}.md").write_text(f"# Page {i}\n\n## Description\n\n{para}\n\n## Notes\n\n- one\n- two\n")
    (docs / "index.md").write_text("# Baseline\n")
    (dest / "mkdocs.yml").write_text("site_name: Baseline\ntheme:\n  name: material\n  font: false\nmarkdown_extensions:\n  - tables\n  - attr_list\n")


def build(cwd: Path, out: Path):
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(out)], cwd=cwd, env=env, check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    data = ROOT / "data"
    files = sorted(data.glob("*.yaml"))

    kb_t = timed(lambda: load_kb(data), a.runs)
    fast = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the parser load_kb itself uses
    raw_t = timed(lambda: [yaml.load(p.read_text(), Loader=fast) for p in files], a.runs)  # noqa: S506

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        out = tmp / "site"
        build(ROOT, out)  # warm-up, and count pages
        pages = len(list(out.rglob("index.html")))
        size = sum(p.stat().st_size for p in (ROOT / "docs").rglob("*.md"))
        base = tmp / "baseline"
        baseline_project(base, pages, 350)
        build(base, tmp / "bsite")
        site_t = timed(lambda: (shutil.rmtree(out, ignore_errors=True), build(ROOT, out)), max(2, a.runs // 2))
        base_t = timed(lambda: (shutil.rmtree(tmp / "bsite", ignore_errors=True), build(base, tmp / "bsite")), max(2, a.runs // 2))

    lines = [
        f"knowledge base load   {fmt(kb_t)}",
        f"  baseline plain load {fmt(raw_t)}   ratio {statistics.median(kb_t) / statistics.median(raw_t):.2f}x",
        f"site build ({pages} pages)  {fmt(site_t)}",
        f"  baseline plain MD   {fmt(base_t)}   ratio {statistics.median(site_t) / statistics.median(base_t):.2f}x",
        f"(docs/ prose: {size // 1024} KiB; baseline pages ~350 words each)",
    ]
    print("\n".join(lines))
    res = ROOT / "bench" / "results"
    res.mkdir(exist_ok=True)
    (res / "latest.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
