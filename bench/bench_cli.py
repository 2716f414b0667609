"""CLI latency: every `maestro` command an agent runs, against `python -c "import yaml, json"`.

In one run and interleaved (so drift hits both sides alike), each command is started as a
fresh subprocess N times on a warm cache, and the baseline N times in the same environment;
the table shows medians and the ratio to the baseline median. Every run validates the knowledge
base in full (maestro/kb.py); warm means the maestro cache directory holds what earlier runs left
there (the worked examples' secret-scan results, compiled report templates). A cold run (empty
cache directory) of each command is measured once for reference.

The project P is made with `maestro new` in a temporary directory and exported once, so it holds
its own threat-model.json as a project does after `maestro export`; status, mark, the folder
check and export run on it. The file check runs on a copy of data/examples/rag-agent.json saved
as threat-model.json in a second folder (the largest worked example). The cache lives in a
temporary MAESTRO_CACHE_DIR, so nothing is written to your home directory.

Usage: python bench/bench_cli.py [--runs N] [--write]
  --write   replace the CLI section of bench/RESULTS.md with this run's table and machine.
  --keep-env  leave PYTHONDONTWRITEBYTECODE as it is (by default the children run without
            it, as in a default Python setup, so maestro's modules are byte-compiled once).
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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import cpu_model, uname, write_section  # noqa: E402  (bench/machine.py)
RESULTS = ROOT / "bench" / "RESULTS.md"
START, END = "<!-- bench_cli:start -->", "<!-- bench_cli:end -->"


def maestro_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "maestro"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "maestro"]


def run_once(argv, env, cwd) -> tuple[float, int]:
    t = time.perf_counter()
    res = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t, res.returncode


def full_depth_project(work: Path, m: list, env: dict) -> Path:
    """A full-depth project folder holding the records of the largest worked example (rag-agent: 18 threats, 52
    mitigation cards), each phase's keys in its own record block, every phase marked complete, then exported."""
    import json
    import re

    import yaml
    sys.path.insert(0, str(ROOT))
    from maestro.phasefile import PHASE_KEYS

    doc = json.loads((ROOT / "data" / "examples" / "rag-agent.json").read_text(encoding="utf-8"))
    folder = work / "rag-full"
    subprocess.run(m + ["new", folder.name, "--dir", str(work), "--depth", "full", "--prefix", "RAG"], env=env, cwd=work,
                   capture_output=True, check=True)
    for n, keys in PHASE_KEYS.items():
        path = next(folder.glob(f"{n:02d}-*.md"))
        body = yaml.safe_dump({k: doc[k] for k in keys if k in doc}, sort_keys=False, allow_unicode=True, width=120)
        text = re.sub(r"(?ms)^```yaml maestro\n.*?^```$", lambda _: "```yaml maestro\n" + body + "```", path.read_text(encoding="utf-8"))
        path.write_text(text, encoding="utf-8")
    for n in list(range(1, 11)):
        subprocess.run(m + ["mark", folder.name, str(n), "complete", "--dir", str(work)], env=env, cwd=work, capture_output=True)
    subprocess.run(m + ["export", folder.name, "--dir", str(work)], env=env, cwd=work, capture_output=True)
    return folder


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=15, help="runs per command (median reported), default 15")
    ap.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    ap.add_argument("--keep-env", action="store_true", help="keep PYTHONDONTWRITEBYTECODE for the children")
    a = ap.parse_args(argv)
    if a.runs < 1:
        ap.error("--runs must be at least 1")

    tmp = Path(tempfile.mkdtemp(prefix="maestro-bench-"))
    try:
        env = dict(os.environ)
        if not a.keep_env:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["MAESTRO_CACHE_DIR"] = str(tmp / "cache")
        env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.pop("MAESTRO_DATA", None)
        m = maestro_cmd()
        work = tmp / "work"
        work.mkdir()
        p = work / "bench-project"
        for args in (["new", p.name, "--dir", str(work), "--depth", "full", "--prefix", "BEN"], ["export", str(p)]):
            res = subprocess.run(m + args, env=env, cwd=work, capture_output=True, text=True)
            if res.returncode not in (0, 1):
                sys.exit(f"maestro {' '.join(args)} failed ({res.returncode}):\n{res.stdout}{res.stderr}")
        full = full_depth_project(work, m, env)
        example = work / "rag-agent"
        example.mkdir()
        shutil.copy2(ROOT / "data" / "examples" / "rag-agent.json", example / "threat-model.json")
        commands = [
            ("maestro score --severity High --likelihood Likely", ["score", "--severity", "High", "--likelihood", "Likely"]),
            ("maestro status P", ["status", str(p)]),
            ("maestro mark P 1 in_progress", ["mark", str(p), "1", "in_progress"]),
            ("maestro check P", ["check", str(p)]),
            ("maestro check F (full depth, 18 threats)", ["check", str(full)]),
            ("maestro check P/threat-model.json", ["check", str(example / "threat-model.json")]),
            ("maestro export P", ["export", str(p)]),
            ("maestro verify", ["verify"]),
        ]
        baseline = [sys.executable, "-c", "import yaml, json"]

        # Cold: an empty cache directory for each command, one run each.
        cold: dict[str, float] = {}
        for i, (label, args) in enumerate(commands):
            cenv = dict(env, MAESTRO_CACHE_DIR=str(tmp / f"cold-{i}"))
            cold[label], _ = run_once(m + args, cenv, work)

        # Warm up: fill the cache (and byte-compile), then time interleaved.
        codes = {}
        for label, args in commands:
            _, codes[label] = run_once(m + args, env, work)
        run_once(baseline, env, work)
        times: dict[str, list[float]] = {label: [] for label, _ in commands}
        times["baseline"] = []
        for _ in range(a.runs):
            times["baseline"].append(run_once(baseline, env, work)[0])
            for label, args in commands:
                times[label].append(run_once(m + args, env, work)[0])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    base = statistics.median(times["baseline"])
    rows = [("python -c \"import yaml, json\" (baseline)", base, 1.0, None, None)]
    for label, _ in commands:
        med = statistics.median(times[label])
        rows.append((label, med, med / base, cold[label], codes[label]))
    w = max(len(r[0]) for r in rows)
    lines = [f"| {'command':<{w}} | warm median ms | ratio to baseline | cold ms (1 run) | exit |",
             f"|{'-' * (w + 2)}|---------------:|------------------:|----------------:|-----:|"]
    for label, med, ratio, c, code in rows:
        lines.append(f"| {label:<{w}} | {med * 1000:14.1f} | {ratio:16.2f}x | {'' if c is None else f'{c * 1000:.1f}':>15} | {'' if code is None else code:>4} |")
    worst_check = max(r[2] for r in rows[1:] if r[0].startswith("maestro check"))
    worst_other = max(r[2] for r in rows[1:] if not r[0].startswith("maestro check"))
    verdict = (f"worst warm ratio: `maestro check` {worst_check:.2f}x (target: at most 6x), "
               f"every other command {worst_other:.2f}x (target: at most 4x)")
    table = "\n".join(lines)
    print(table)
    print(f"\nmedian of {a.runs} runs each; {verdict}")

    if a.write:
        py = Path(sys.executable)
        py_shown = py.relative_to(ROOT).as_posix() if py.is_relative_to(ROOT) else str(py)
        cmd = f"{py_shown} bench/bench_cli.py " + " ".join(shlex.quote(x) for x in (argv if argv is not None else sys.argv[1:]))
        section = "\n".join([
            START,
            "## CLI latency (`bench/bench_cli.py`)",
            "",
            f"- Command (from the repository root): `{cmd.strip()}`",
            f"- Date: {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
            f"- Machine: `{uname()}`",
            f"- CPU: {cpu_model()}, {os.cpu_count()} cores",
            f"- Python: {platform.python_version()} ({sys.executable})",
            f"- Bytecode: {'as in the environment' if a.keep_env else 'PYTHONDONTWRITEBYTECODE unset for the children (a default Python setup)'}",
            f"- Load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (the machine may be shared)",
            "",
            "Each command is a fresh subprocess and validates the knowledge base in full; warm = the cache directory holds",
            f"what earlier runs left (secret-scan results, compiled report templates), median of {a.runs} runs interleaved with",
            "the baseline; cold = one run with an empty cache directory. Exit is the warm run's exit code.",
            "",
            table,
            "",
            verdict[0].upper() + verdict[1:] + ".",
            END,
        ])
        write_section(RESULTS, START, END, section)
        print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
