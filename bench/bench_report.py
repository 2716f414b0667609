"""`maestro report` against `maestro check` on the same full-depth engagement.

A report runs the checks of `maestro check` and then lays out the records, so the check is its natural baseline.
In one run and interleaved (so drift hits both sides alike), each command is started as a fresh subprocess N
times on a warm cache: `maestro check` and `maestro report` (HTML, and Markdown) on a copy of
data/examples/rag-agent.json (the largest worked example: full depth, 18 threats, 52 controls) and on a copy of
the fixture engagement tests/fixtures/engagement/clinic-assistant (a project folder with its export). The table
shows medians and the ratio of each report to the check of the same engagement. A cold run (empty cache
directory) of each command is measured once for reference. The cache lives in a temporary MAESTRO_CACHE_DIR, so
nothing is written to your home directory.

Usage: python bench/bench_report.py [--runs N] [--write]
  --write   replace the report section of bench/RESULTS.md with this run's table and machine.
No timing is asserted anywhere.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shlex
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cli import maestro_cmd, run_once  # noqa: E402  (bench/bench_cli.py: the same way of starting a command)
from machine import cpu_model, uname, write_section  # noqa: E402  (bench/machine.py)

RESULTS = ROOT / "bench" / "RESULTS.md"
START, END = "<!-- bench_report:start -->", "<!-- bench_report:end -->"
TARGET = 2.0  # a report may take at most twice as long as the check of the same engagement


def engagements(work: Path) -> dict[str, Path]:
    """Copies of the two full engagements the benchmark reports on, by label."""
    rag = work / "rag-agent" / "threat-model.json"
    rag.parent.mkdir()
    shutil.copy2(ROOT / "data" / "examples" / "rag-agent.json", rag)
    clinic = Path(shutil.copytree(ROOT / "tests" / "fixtures" / "engagement" / "clinic-assistant", work / "clinic-assistant"))
    return {"rag-agent.json": rag, "clinic-assistant (folder)": clinic}


def commands(targets: dict[str, Path], out: Path) -> list[tuple[str, str, list[str]]]:
    """(engagement label, command label, arguments): the check, then the reports, of each engagement."""
    rows = []
    for label, path in targets.items():
        rows += [(label, "maestro check", ["check", str(path)]),
                 (label, "maestro report", ["report", str(path), "-o", str(out / f"{path.parent.name}.html")]),
                 (label, "maestro report --format markdown", ["report", str(path), "--format", "markdown", "-o", str(out / f"{path.parent.name}.md")])]
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=15, help="runs per command (median reported), default 15")
    ap.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    a = ap.parse_args(argv)
    if a.runs < 1:
        ap.error("--runs must be at least 1")

    tmp = Path(tempfile.mkdtemp(prefix="maestro-bench-report-"))
    try:
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("MAESTRO_DATA", None)
        env["MAESTRO_CACHE_DIR"] = str(tmp / "cache")
        env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        m = maestro_cmd()
        work, out = tmp / "work", tmp / "out"
        work.mkdir()
        out.mkdir()
        rows = commands(engagements(work), out)

        cold: dict[tuple, float] = {}
        for i, (eng, label, args) in enumerate(rows):
            cold[(eng, label)], _ = run_once(m + args, dict(env, MAESTRO_CACHE_DIR=str(tmp / f"cold-{i}")), work)

        codes = {}
        for eng, label, args in rows:  # warm up: fill the cache, byte-compile, compile the templates
            _, codes[(eng, label)] = run_once(m + args, env, work)
        bad = {k: c for k, c in codes.items() if c != 0}
        if bad:
            sys.exit(f"a command failed: {bad}")
        times: dict[tuple, list[float]] = {(eng, label): [] for eng, label, _ in rows}
        for _ in range(a.runs):
            for eng, label, args in rows:
                times[(eng, label)].append(run_once(m + args, env, work)[0])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    table, worst = render(rows, times, cold)
    print(table)
    print(f"\nmedian of {a.runs} runs each; worst ratio of a report to its check {worst:.2f}x (target: at most {TARGET:g}x)")
    if a.write:
        write(a, argv, table, worst)
        print(f"wrote {RESULTS}")
    return 0


def render(rows, times, cold) -> tuple[str, float]:
    """The Markdown table of medians and ratios, and the worst ratio of a report to the check of its engagement."""
    med = {k: statistics.median(v) for k, v in times.items()}
    lines = ["| engagement | command | warm median ms | ratio to its check | cold ms (1 run) |",
             "|------------|---------|---------------:|-------------------:|----------------:|"]
    worst = 0.0
    for eng, label, _ in rows:
        ratio = med[(eng, label)] / med[(eng, "maestro check")]
        if label != "maestro check":
            worst = max(worst, ratio)
        lines.append(f"| {eng} | {label} | {med[(eng, label)] * 1000:.1f} | {ratio:.2f}x | {cold[(eng, label)] * 1000:.1f} |")
    return "\n".join(lines), worst


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def write(a, argv, table: str, worst: float) -> None:
    py = Path(sys.executable)
    py_shown = py.relative_to(ROOT).as_posix() if py.is_relative_to(ROOT) else str(py)
    cmd = f"{py_shown} bench/bench_report.py " + " ".join(shlex.quote(x) for x in (argv if argv is not None else sys.argv[1:]))
    section = "\n".join([
        START,
        "## Report against check (`bench/bench_report.py`)",
        "",
        f"- Command (from the repository root): `{cmd.strip()}`",
        f"- Date: {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')} (load average {load()} at the end: the machine is shared)",
        f"- Machine: `{uname()}`",
        f"- CPU: {cpu_model()}, {os.cpu_count()} cores",
        f"- Python: {platform.python_version()} ({sys.executable})",
        "",
        f"Each command is a fresh subprocess on a warm cache, median of {a.runs} runs, the commands interleaved; the ratio",
        "compares each report with `maestro check` of the same engagement (a report runs the same checks first). Cold = one",
        "run with an empty cache directory (knowledge base validated, validators generated, templates compiled).",
        "",
        table,
        "",
        f"Worst ratio of a report to its check: {worst:.2f}x (target: at most {TARGET:g}x).",
        END,
    ])
    write_section(RESULTS, START, END, section)


if __name__ == "__main__":
    sys.exit(main())
