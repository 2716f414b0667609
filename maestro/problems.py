"""Problems found in the knowledge base's data files, each with file, line and ID.

The loader (kb.py) and the cross-reference rules (crossref.py) record what they find in a ``Collector``, which turns
the node a problem was found at into its line; ``KBError`` carries every problem of one load.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import yamlio


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    id: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: [{self.id}] {self.message}" if self.id else f"{where}: {self.message}"


class KBError(Exception):
    """The knowledge base is invalid; ``problems`` lists every finding."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        head = f"knowledge base invalid: {len(problems)} problem(s)"
        super().__init__(head + "\n" + "\n".join(f"  {p}" for p in problems))


def data_file(name: str) -> str:
    """How a problem names the data file ``name``: data/<name>.yaml."""
    return f"data/{name}.yaml"


class Collector:
    """The problems of one load of ``data_dir``, in the order they were found."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.problems: list[Problem] = []

    def rel(self, name: str) -> str:
        return data_file(name)

    def add(self, name, node, key, ident, message):
        """Record a problem at ``node[key]`` (or at ``node``) inside file ``name``."""
        line = 0
        if isinstance(node, yamlio.LDict) and key is not None and key in node.key_lines:
            line = node.key_lines[key]
        elif isinstance(node, yamlio.LList) and isinstance(key, int) and key < len(node.item_lines):
            line = node.item_lines[key]
        elif isinstance(node, yamlio.Node):
            line = getattr(node, "line", 0)
        self.problems.append(Problem(self.rel(name), line or 1, ident or "", message))

    def add_file_problem(self, name: str, line: int, message: str) -> None:
        """Record a problem of a whole file (missing, unreadable, not YAML) or one at a known line."""
        self.problems.append(Problem(self.rel(name), line, "", message))
