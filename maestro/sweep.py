"""`maestro sweep SRC`: the rule pack in data/sweep/ run over a source tree by the pinned Semgrep engine.

The catalog (what each rule finds, the threats it indicates, its CWE and the control that would prevent it) is
data/sweep.yaml, validated with the rest of the knowledge base; the matching logic of each rule is
data/sweep/<rule id>.yaml. Everything a run needs is in this repository: the engine is run with local rule files
only, metrics off, no version check and no login token, so a sweep never sends anything anywhere.

SRC is read, never written: the files to scan are listed here (symbolic links are not followed, folders of
dependencies and version control are left out), Semgrep is started in a temporary folder of its own, and every
path it reports is given relative to SRC. A finding is a candidate for a person to read, never a verified control:
`--project NAME` stores the findings in the project's sweep.json, where each one waits for a review.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from . import crosswalk, safeio

RESULT_FILE = "sweep.json"
FORMAT = 1
ENGINE = "semgrep"
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox",
                       ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", "vendor", "bower_components"})
TEST_DIRS = frozenset({"test", "tests", "__tests__", "testdata", "spec", "e2e", "mocks", "__mocks__", "fixtures"})
SOURCE_SUFFIXES = frozenset({".py", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx", ".go", ".yml", ".yaml",
                             ".dockerfile"})
MAX_FILE_BYTES = 1024 * 1024  # larger files are generated or bundled code; the engine skips them too
BATCH = 2000                  # files per engine run, so the command line stays well under the system limit
VERDICTS = ("confirmed", "false_positive")


class SweepError(safeio.Unusable):
    """The sweep cannot run: unusable source tree, rule pack or engine (exit 2, one line)."""


@dataclass(frozen=True)
class Rule:
    id: str
    weakness: str
    name: str
    threats: tuple
    cwe: tuple
    control: str
    finds: str


@dataclass(frozen=True)
class Finding:
    rule: str
    file: str
    line: int
    threats: list
    cwe: list
    control: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.rule} [{', '.join([*self.threats, *self.cwe])}] {self.message}"

    def as_dict(self) -> dict:
        return asdict(self)


# ------------------------------------------------------------------ the rule pack
def catalog(kb) -> dict[str, Rule]:
    """Every rule of data/sweep.yaml by ID, with what its weakness says."""
    out = {}
    for w in kb.docs["sweep"]["weaknesses"]:
        for r in w["rules"]:
            out[r["id"]] = Rule(r["id"], w["id"], w["name"], tuple(w["threats"]), tuple(r[crosswalk.CWE.name]), w["control"],
                                " ".join(str(r["finds"]).split()))
    return out


def engine_version(kb) -> str:
    return str(kb.docs["sweep"]["engine"]["version"])


def rule_files(data_dir: Path, rules) -> list[Path]:
    """data/sweep/<id>.yaml of every rule; SweepError when one is missing or holds anything but that one rule."""
    import yaml

    out = []
    for rid in sorted(rules):
        path = Path(data_dir) / "sweep" / f"{rid}.yaml"
        try:
            doc = yaml.safe_load(safeio.read_text(path, what="sweep rule file"))
        except (safeio.Unusable, yaml.YAMLError) as exc:
            raise SweepError(f"{path}: the rule file of {rid} cannot be read ({str(exc).splitlines()[0]})") from None
        ids = [r.get("id") for r in (doc or {}).get("rules", []) if isinstance(r, dict)] if isinstance(doc, dict) else []
        if ids != [rid]:
            raise SweepError(f"{path}: must hold exactly one rule, {rid}; it holds {ids or 'none'}")
        out.append(path)
    return out


# ------------------------------------------------------------------ what is scanned
def source_root(src) -> Path:
    """SRC resolved; SweepError when it is not a folder."""
    path = Path(src)
    if not path.is_dir():
        raise SweepError(f"{src}: not a folder; give the root of the source tree to sweep")
    return path.resolve()


def is_test_path(rel: Path) -> bool:
    name = rel.name
    return (any(part in TEST_DIRS for part in rel.parts[:-1]) or name.startswith("test_") or name == "conftest.py"
            or name.endswith(("_test.py", "_test.go", ".test.ts", ".test.js", ".test.tsx", ".spec.ts", ".spec.js", ".spec.tsx")))


def is_source(name: str) -> bool:
    low = name.lower()
    if low.endswith((".min.js", ".d.ts")):
        return False
    return Path(low).suffix in SOURCE_SUFFIXES or low in ("dockerfile", "containerfile") or low.startswith(("dockerfile.", "containerfile."))


def targets(root: Path, include_tests: bool = False) -> list[Path]:
    """Files under ``root`` the rules can read, relative to it, in a stable order. Symbolic links (to files or
    folders) are never followed, so nothing outside the tree is read; dependency and version-control folders are
    left out, and test code unless ``include_tests``."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not (here / d).is_symlink())
        for name in sorted(filenames):
            path = here / name
            rel = path.relative_to(root)
            if not is_source(name) or path.is_symlink() or (not include_tests and is_test_path(rel)):
                continue
            try:
                if path.stat().st_size > MAX_FILE_BYTES or not safeio.is_regular(path):
                    continue
            except OSError:
                continue
            out.append(rel)
    return out


# ------------------------------------------------------------------ the engine
def engine_path() -> str:
    """The semgrep command of this environment (beside the running Python first); SweepError when absent."""
    here = str(Path(sys.executable).parent)
    found = shutil.which(ENGINE, path=os.pathsep.join([here, os.environ.get("PATH", "")]))
    if not found:
        raise SweepError("the sweep engine (semgrep) is not installed; install the pinned requirements: "
                         "pip install -r requirements.txt")
    return found


def engine_env(home: Path) -> dict:
    """The engine's environment: ours, without any Semgrep setting or token, and with every call home turned off.
    Its settings, log and version cache live in ``home``, a temporary folder, never in the user's home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEMGREP")}
    env.update({
        "SEMGREP_SEND_METRICS": "off",
        "SEMGREP_ENABLE_VERSION_CHECK": "0",
        "SEMGREP_SETTINGS_FILE": str(home / "settings.yml"),
        "SEMGREP_LOG_FILE": str(home / "semgrep.log"),
        "SEMGREP_VERSION_CACHE_PATH": str(home / "version"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home),
        "XDG_CACHE_HOME": str(home),
    })
    return env


def engine_args(configs: list[Path], files: list[Path], jobs: int) -> list[str]:
    """The engine's arguments: local rule files only, metrics and version check off, git's view of the tree and
    ignore files not consulted (the file list is ours), JSON out."""
    args = ["scan", "--metrics=off", "--disable-version-check", "--no-git-ignore", "--json", "--quiet",
            "--jobs", str(jobs), "--timeout", "20", "--max-target-bytes", str(MAX_FILE_BYTES)]
    for c in configs:
        args += ["--config", str(c)]
    return args + [str(f) for f in files]


def _run_engine(command: str, configs: list[Path], files: list[Path], home: Path, jobs: int) -> dict:
    """One engine run over ``files`` (absolute paths); its JSON report."""
    try:
        proc = subprocess.run([command, *engine_args(configs, files, jobs)], cwd=home, env=engine_env(home),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise SweepError(f"{command}: cannot start the sweep engine ({exc.strerror or exc})") from None
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        raise SweepError(f"the sweep engine failed: {last[:300]}") from None
    fatal = [e for e in report.get("errors", []) if e.get("level") == "error" or "rule" in str(e.get("type", "")).lower()]
    if proc.returncode not in (0, 1) or fatal:
        first = (fatal or report.get("errors") or [{"message": f"exit code {proc.returncode}"}])[0]
        raise SweepError(f"the sweep engine failed: {' '.join(str(first.get('message', first)).split())[:300]}")
    return report


def _findings(report: dict, names: dict[str, str], rules: dict[str, Rule]) -> list[Finding]:
    """The engine's results as findings; ``names`` maps each path the engine was given to the path relative to SRC."""
    out = []
    for res in report.get("results", []):
        rid = str(res.get("check_id", "")).rsplit(".", 1)[-1]
        rule, rel = rules.get(rid), names.get(str(res.get("path")))
        if rule is None or rel is None:
            continue
        out.append(Finding(rid, rel, int(res["start"]["line"]), list(rule.threats), list(rule.cwe), rule.control, rule.finds))
    return out


def needs_alias(rel: Path) -> bool:
    """A Dockerfile whose name the engine does not recognise (Dockerfile.dev, Containerfile): it is scanned as a copy
    named <n>.Dockerfile in the engine's temporary folder, and its findings are reported under its own name."""
    low = rel.name.lower()
    return (low.startswith(("dockerfile", "containerfile")) and low != "dockerfile") and not low.endswith(".dockerfile")


def _scan_paths(root: Path, files: list[Path], home: Path) -> dict[str, str]:
    """The path to hand the engine for each file (the file itself, or a copy for an unrecognised Dockerfile name)
    -> its path relative to SRC."""
    out = {}
    for i, rel in enumerate(files):
        path = root / rel
        if needs_alias(rel):
            path = home / "alias" / f"{i}.Dockerfile"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(safeio.read_bytes(root / rel, MAX_FILE_BYTES, what="Dockerfile"))
        out[str(path)] = rel.as_posix()
    return out


@dataclass
class Result:
    findings: list
    files: list
    engine: str

    @property
    def scanned(self) -> int:
        return len(self.files)


def sweep(kb, data_dir: Path, src, include_tests: bool = False, jobs: int | None = None) -> Result:
    """Run every rule of the pack over the source tree ``src``; findings sorted by file, line and rule, each once."""
    root = source_root(src)
    rules = catalog(kb)
    configs = rule_files(data_dir, rules)
    files = targets(root, include_tests)
    found: dict = {}
    if files:
        command = engine_path()
        with tempfile.TemporaryDirectory(prefix="maestro-sweep-") as tmp:
            home = Path(tmp)
            (home / ".semgrepignore").write_text("# the files to scan are listed by maestro; nothing is ignored here\n")
            names = _scan_paths(root, files, home)
            paths = list(names)
            for i in range(0, len(paths), BATCH):
                batch = [Path(p) for p in paths[i:i + BATCH]]
                report = _run_engine(command, configs, batch, home, jobs or os.cpu_count() or 1)
                for f in _findings(report, names, rules):
                    found.setdefault((f.file, f.line, f.rule), f)
    return Result([found[k] for k in sorted(found)], [f.as_posix() for f in files], f"{ENGINE} {engine_version(kb)}")


# ------------------------------------------------------------------ output
def as_json(result: Result) -> dict:
    return {"findings": [f.as_dict() for f in result.findings], "scanned": result.scanned, "engine": result.engine}


def as_text(result: Result) -> str:
    lines = [str(f) for f in result.findings]
    lines.append(f"{len(result.findings)} finding(s) in {result.scanned} file(s) ({result.engine}); "
                 "each is a candidate to read in the code, not a verified gap")
    return "\n".join(lines)


# ------------------------------------------------------------------ the project's record
def fingerprint(root: Path, f: Finding) -> str:
    """What identifies a finding across sweeps when lines move: the rule, the file and the text of its line."""
    try:
        text = (root / f.file).read_text(encoding="utf-8", errors="replace").split("\n")[f.line - 1].strip()
    except (OSError, IndexError):
        text = ""
    return hashlib.sha256(f"{f.rule}\0{f.file}\0{text}".encode()).hexdigest()[:16]


def record(result: Result, root: Path, previous: dict | None, commit: str | None) -> dict:
    """The sweep.json document: this sweep's findings, each keeping the review an earlier sweep's finding with the
    same fingerprint had. A finding's line text is never stored (it may hold a secret); its fingerprint is."""
    kept: dict = {}
    for old in (previous or {}).get("findings", []):
        if isinstance(old, dict) and old.get("review") and isinstance(old.get("fingerprint"), str):
            kept.setdefault(old["fingerprint"], []).append(old["review"])
    findings = []
    for f in result.findings:
        fp = fingerprint(root, f)
        reviews = kept.get(fp) or []
        findings.append({"key": f"{f.rule}:{f.file}:{f.line}", **f.as_dict(), "fingerprint": fp,
                         "review": reviews.pop(0) if reviews else None})
    return {"format": FORMAT, "engine": result.engine, "source": str(root), "commit": commit, "scanned": result.scanned,
            "note": "Candidate Phase 8 evidence from `maestro sweep`. Read each finding in the code, then set its review to "
                    "{\"verdict\": \"confirmed\", \"record\": \"<Phase 8 record or threat ID>\"} or "
                    "{\"verdict\": \"false_positive\", \"reason\": \"...\"}. A finding never counts as a verified control.",
            "findings": findings}


def write_project(folder: Path, result: Result, root: Path, commit: str | None) -> Path:
    """Store the findings in ``folder``/sweep.json under the project's lock, keeping earlier reviews and the previous
    version as sweep.json.bak. The project folder must not lie inside the swept tree."""
    from . import project

    if safeio.inside(folder, root):
        raise SweepError(f"{folder}: the project folder lies inside the swept tree {root}; nothing is written there")
    if not (folder / "state.json").is_file():
        raise SweepError(f"{folder}: not a project folder (no state.json); create it with `maestro new`")
    target = project.project_file(folder, RESULT_FILE)
    with safeio.locked(folder):
        previous = None
        if target.exists():
            try:
                previous = json.loads(safeio.read_text(target, what="sweep record"))
            except json.JSONDecodeError as exc:
                raise SweepError(f"{target}:{exc.lineno}: not valid JSON; fix it or move it aside before sweeping again") from None
        doc = record(result, root, previous if isinstance(previous, dict) else None, commit)
        safeio.write_atomic(target, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return target
