"""What the benchmark scripts share: what they record about the machine, and how they write their section of RESULTS.md."""
from __future__ import annotations

import platform
import subprocess
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def uname() -> str:
    try:
        return subprocess.run(["uname", "-a"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return " ".join(platform.uname())


HEADER = "# Benchmark results\n\nWritten by the benchmark scripts with `--write`; numbers are from the machine named in each section.\n"


def write_section(results: Path, start: str, end: str, section: str) -> None:
    """Put ``section`` (which begins with ``start`` and ends with ``end``) into RESULTS.md in place of its previous
    version, or append it; the other scripts' sections are kept as they are."""
    old = results.read_text(encoding="utf-8") if results.exists() else HEADER
    if start in old and end in old:
        new = old[:old.index(start)] + section + old[old.index(end) + len(end):]
    else:
        new = old.rstrip("\n") + "\n\n" + section + "\n"
    results.write_text(new, encoding="utf-8")
