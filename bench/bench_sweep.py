"""`maestro sweep` speed and noise: a synthetic 2,500-file tree, and optionally a checkout of a real repository.

The synthetic tree is built in a temporary folder by copying real-looking files over and over: this repository's
own Python (maestro/, maestro_site/, bench/), the site's JavaScript (docs/assets/), and the sweep fixtures (every rule's
match and near-miss files and the vulnerable agent app), renamed into numbered package folders until the tree holds
--files files. Its findings are counted per rule, so a rule that starts firing on ordinary code shows up here.

--real DIR sweeps a checkout of a real project (never committed here; bring one with `git archive` from a fetched
mirror) and reports its size, time and findings per rule; --name and --commit say what it is in RESULTS.md.
Each sweep runs as `python -m maestro sweep DIR --json` in a fresh subprocess; wall time and the CPU time of the
process tree are measured. The budget is 240 s of wall time for a 2,500-file tree on this two-core machine.

Usage: python bench/bench_sweep.py [--files N] [--real DIR --name NAME --commit SHA] [--write]
  --write   replace the sweep section of bench/RESULTS.md with this run's numbers.
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import cpu_model, uname, write_section  # noqa: E402  (bench/machine.py)

RESULTS = ROOT / "bench" / "RESULTS.md"
START, END = "<!-- bench_sweep:start -->", "<!-- bench_sweep:end -->"
BUDGET_S = 240.0
SOURCES = [("maestro", "*.py"), ("maestro_site", "*.py"), ("bench", "*.py"), ("docs/assets", "*.js"),
           ("tests/fixtures/sweep", "*"), ("tests/fixtures/vulnerable-agent", "*")]


def seed_files() -> list[Path]:
    """The files the synthetic tree is copied from (no test-folder names, so none is left out as test code)."""
    out = []
    for folder, pattern in SOURCES:
        out += [p for p in sorted((ROOT / folder).rglob(pattern)) if p.is_file() and "__pycache__" not in p.parts]
    return out


def build_tree(dest: Path, count: int) -> int:
    """Copy seed files into dest/pkg<n>/... until ``count`` files are there; the number written."""
    seeds = seed_files()
    for i in range(count):
        src = seeds[i % len(seeds)]
        rel = src.relative_to(ROOT)
        target = dest / f"pkg{i // len(seeds)}" / rel.as_posix().replace("tests/fixtures/", "samples/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    return count


def run_sweep(tree: Path, env: dict) -> dict:
    """One sweep in a fresh process: wall seconds, CPU seconds of the process tree, exit code, the JSON report."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "maestro", "sweep", str(tree), "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"sweep of {tree} failed: {proc.stderr.strip()}")
    return {"wall": wall, "cpu": cpu, "exit": proc.returncode, "report": json.loads(proc.stdout)}


def files_in(tree: Path) -> int:
    return sum(1 for p in tree.rglob("*") if p.is_file())


def per_rule(report: dict) -> list[tuple[str, int]]:
    return sorted(collections.Counter(f["rule"] for f in report["findings"]).items())


def section(args, synthetic: dict, real: dict | None) -> str:
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    cmd = "`.venv/bin/python bench/bench_sweep.py --files {} {}--write`".format(
        args.files, f"--real DIR --name {args.name} --commit {args.commit} " if real else "")
    lines = [START, "## Sweep (`bench/bench_sweep.py`)", "",
             f"- Command (from the repository root): {cmd}",
             f"- Date: {now} (load average {load} at the end; the machine may be shared, so CPU time is shown too)",
             f"- Machine: `{uname()}`", f"- CPU: {cpu_model()}, {os.cpu_count()} cores",
             f"- Python: {sys.version.split()[0]}; engine: {synthetic['report']['engine']}", "",
             "| tree | files | swept | findings | wall s | CPU s | within 240 s |", "|---|---:|---:|---:|---:|---:|---|"]
    for name, r in (("synthetic", synthetic), *((("real: " + args.name, real),) if real else ())):
        lines.append(f"| {name} | {r['files']} | {r['report']['scanned']} | {len(r['report']['findings'])} | {r['wall']:.1f} | "
                     f"{r['cpu']:.1f} | {'yes' if r['wall'] <= BUDGET_S else 'NO'} |")
    lines += ["", "Findings per rule (synthetic tree: copies of this repository's code and of the sweep fixtures, so the "
              "fixtures' planted findings repeat once per copy):", ""]
    lines += ["| rule | synthetic |" + (f" {args.name} |" if real else ""), "|---|---:|" + ("---:|" if real else "")]
    rules = sorted({r for r, _ in per_rule(synthetic["report"])} | ({r for r, _ in per_rule(real["report"])} if real else set()))
    syn, rl = dict(per_rule(synthetic["report"])), dict(per_rule(real["report"])) if real else {}
    lines += [f"| {r} | {syn.get(r, 0)} |" + (f" {rl.get(r, 0)} |" if real else "") for r in rules]
    if real:
        lines += ["", f"Real repository: {args.name} at commit `{args.commit}` (a checkout made with `git archive`, not kept here)."]
    lines.append(END)
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=2500)
    ap.add_argument("--real", type=Path, help="a checkout of a real repository to sweep as well")
    ap.add_argument("--name", default="", help="what --real is (owner/name)")
    ap.add_argument("--commit", default="", help="the commit --real was checked out at")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAESTRO_")}
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        env["MAESTRO_CACHE_DIR"] = str(Path(tmp) / "cache")
        tree = Path(tmp) / "tree"
        build_tree(tree, args.files)
        synthetic = {**run_sweep(tree, env), "files": files_in(tree)}
        real = {**run_sweep(args.real, env), "files": files_in(args.real)} if args.real else None
    text = section(args, synthetic, real)
    print(text)
    if args.write:
        write_section(RESULTS, START, END, text)


if __name__ == "__main__":
    main()
