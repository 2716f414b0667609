"""Engagement checks: one rule per function, each with a stable code (MC101...), a severity and a fix hint.

Modules by what they judge: structure (files, record blocks, schema, state.json), identifiers (IDs and names),
controls (Phase 6 and 7), residual (Phase 8 and 9), roadmap (Phase 10), hygiene (disclaimer, secrets, consent),
editions (external IDs that newer editions renumbered, retired or renamed), and more. Every module of this package is
imported here (``rule_modules``), so a rule registers itself with ``@rule`` wherever it is written; a new module needs
no list. ``check_project`` and ``check_file`` are the entry points; ``RULES`` is the rule table.
"""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from .. import engagement, safeio
from ..kb import KB
from .context import Context, file_context, project_context, text_context
from .registry import RULES, Hit, Rule, rule, run

__all__ = ["RULES", "Context", "Hit", "Rule", "rule", "run", "check_project", "project_findings", "check_file", "check_doc", "check_text",
           "state_problems"]
FRAMEWORK_MODULES = ("context", "registry")  # what the rules are built on; every other module holds rules


def rule_modules() -> list[str]:
    """The names of this package's modules that hold rules, in name order."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in FRAMEWORK_MODULES)


def _import_rule_modules() -> None:
    """Import every rule module; importing one registers its rules."""
    for name in rule_modules():
        importlib.import_module(f"{__name__}.{name}")


_import_rule_modules()


def state_problems(kb: KB, doc, fname: str) -> list:
    """Findings of rule MC113 (state-invalid) for a state.json document, before anything else of the project is read."""
    return run(Context(kb, {}, fname, "state", state=doc, state_file=fname), ["MC113"])


TEXT_RULES = ["MC201", "MC202", "MC203"]  # the rules that apply to any Markdown page


def check_project(kb: KB, folder: Path, source: Path | None = None) -> tuple[list, list[str]]:
    """Findings for a project folder and the files read; Unusable when state.json cannot be read. ``source`` is the
    tree Phase 8 cites, when given."""
    findings, checked, _ = project_findings(kb, folder, source)
    return findings, checked


def project_findings(kb: KB, folder: Path, source: Path | None = None) -> tuple[list, list[str], Context | None]:
    """``check_project`` and the context its rules read (None when state.json is invalid), for callers that go on to
    use the same records (`maestro report`)."""
    state_path = folder / "state.json"
    for name in ("state.json", "threat-model.json"):  # a link out of the project is refused, its target never read
        if not safeio.inside(folder / name, folder):
            raise engagement.Unusable(f"{folder / name}: refused: it links outside the project folder; only files inside it are read")
    state_doc = engagement.read_doc(state_path)
    problems = state_problems(kb, state_doc, str(state_path))
    if problems:
        return problems, [str(state_path)], None
    ctx = project_context(kb, folder, state_doc)
    ctx.source = source
    checked = [str(state_path)] + [pf.label for pf in ctx.files if pf.exists]
    return run(ctx), checked, ctx


def check_file(kb: KB, path: Path, source: Path | None = None) -> list:
    ctx = file_context(kb, path)
    ctx.source = source
    return run(ctx)


def check_doc(kb: KB, doc: dict, fname: str, skip: tuple[str, ...] = ()) -> list:
    """Findings for a threat-model document already in memory (the worked examples, `maestro export`); rules in
    ``skip`` are not run (the site build leaves the secret scan of the examples to the tests)."""
    return run(Context(kb, doc, fname, "export"), [c for c in RULES if c not in skip] if skip else None)


def check_text(kb: KB, path: Path, label: str) -> list:
    """Unknown, reserved and misnamed IDs in one Markdown file (playbook pages, AGENTS.md, README)."""
    return run(text_context(kb, path, label), TEXT_RULES)


def check_path(kb: KB, path: Path, source: Path | None = None) -> tuple[list, list[str]]:
    """What `maestro check PATH [--source DIR]` runs: a project folder, a Markdown page or report (identifier and name
    rules only), or a threat-model.json."""
    if source is not None and not source.is_dir():
        raise engagement.Unusable(f"{source}: --source must be the folder of the source tree under review")
    source = source.resolve() if source is not None else None
    if path.is_dir():
        return check_project(kb, path, source)
    if path.suffix.lower() in (".md", ".markdown"):
        return check_text(kb, path, str(path)), [str(path)]
    return check_file(kb, path, source), [str(path)]


def source_commit(source: Path) -> str | None:
    """The commit checked out in ``source`` when it is a git work tree (read from .git, no git command run), else None."""
    git = source / ".git"
    try:
        if safeio.is_regular(git):  # a worktree or submodule: "gitdir: <path>"
            text = safeio.read_text(git, 4096, "git pointer").strip()
            git = (source / text.split(":", 1)[1].strip()) if text.startswith("gitdir:") else git
        head = safeio.read_text(git / "HEAD", 4096, "git HEAD").strip()
        if head.startswith("ref:"):
            ref = head.split(":", 1)[1].strip()
            loose = git / ref
            if safeio.is_regular(loose):
                return safeio.read_text(loose, 4096, "git ref").strip()
            packed = safeio.read_text(git / "packed-refs", 16 * 1024 * 1024, "git packed-refs")
            return next((ln.split()[0] for ln in packed.splitlines() if ln.endswith(" " + ref)), None)
        return head or None
    except (safeio.Unusable, IndexError):
        return None
