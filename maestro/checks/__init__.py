"""Engagement checks: one rule per function, each with a stable code (MC101...), a severity and a fix hint.

Modules by what they judge: structure (files, record blocks, schema), identifiers (IDs and names),
controls (Phase 6 and 7), residual (Phase 8 and 9), roadmap (Phase 10), hygiene (disclaimer,
secrets, consent), editions (external IDs that newer editions renumbered, retired or renamed). ``check_project`` and ``check_file`` are the entry points; ``RULES`` is the rule table.
"""
from __future__ import annotations

from pathlib import Path

from .. import engagement, safeio
from ..kb import KB
from . import controls, editions, hygiene, identifiers, residual, roadmap, structure  # noqa: F401 - registers the rules
from .context import Context, file_context, project_context, text_context
from .registry import RULES, Hit, Rule, rule, run
from .structure import state_problems

__all__ = ["RULES", "Context", "Hit", "Rule", "rule", "run", "check_project", "check_file", "check_doc", "check_text", "state_problems"]
TEXT_RULES = ["MC201", "MC202", "MC203"]  # the rules that apply to any Markdown page


def check_project(kb: KB, folder: Path) -> tuple[list, list[str]]:
    """Findings for a project folder and the files read; Unusable when state.json cannot be read."""
    state_path = folder / "state.json"
    for name in ("state.json", "threat-model.json"):  # a link out of the project is refused, its target never read
        if not safeio.inside(folder / name, folder):
            raise engagement.Unusable(f"{folder / name}: refused: it links outside the project folder; only files inside it are read")
    state_doc = engagement.read_doc(state_path)
    problems = state_problems(kb, state_doc, str(state_path))
    if problems:
        return problems, [str(state_path)]
    ctx = project_context(kb, folder, state_doc)
    checked = [str(state_path)] + [pf.label for pf in ctx.files if pf.exists]
    return run(ctx), checked


def check_file(kb: KB, path: Path) -> list:
    return run(file_context(kb, path))


def check_doc(kb: KB, doc: dict, fname: str, skip: tuple[str, ...] = ()) -> list:
    """Findings for a threat-model document already in memory (the worked examples, `maestro export`); rules in
    ``skip`` are not run (the site build leaves the secret scan of the examples to the tests)."""
    return run(Context(kb, doc, fname, "export"), [c for c in RULES if c not in skip] if skip else None)


def check_text(kb: KB, path: Path, label: str) -> list:
    """Unknown, reserved and misnamed IDs in one Markdown file (playbook pages, AGENTS.md, README)."""
    return run(text_context(kb, path, label), TEXT_RULES)


def check_path(kb: KB, path: Path) -> tuple[list, list[str]]:
    """What `maestro check PATH` runs: a project folder, a Markdown page or report (identifier and name rules only),
    or a threat-model.json."""
    if path.is_dir():
        return check_project(kb, path)
    if path.suffix.lower() in (".md", ".markdown"):
        return check_text(kb, path, str(path)), [str(path)]
    return check_file(kb, path), [str(path)]
