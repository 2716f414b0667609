"""Where the knowledge base, the release manifest and the kept releases are.

Two layouts answer the same questions:

- a clone (``python -m maestro`` or an editable install): the repository root, i.e. the
  directory above this package, holding ``data/``, ``manifest.json``, ``releases/``,
  ``AGENTS.md`` and ``CLAUDE.md``;
- an installed wheel (``pip install .``): the same files, copied at build time into the
  package as ``maestro/_bundle/`` (see ``setup.py``).

The installed bundle wins when it exists, so an installed ``maestro`` never reads whatever
directory happens to sit above ``site-packages``. ``MAESTRO_DATA`` (read by the CLI) still
overrides the data directory in both layouts. Nothing here imports anything heavy.
"""
from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
BUNDLE = PACKAGE / "_bundle"
CLONE = PACKAGE.parent


def installed() -> bool:
    """True when this package carries its own copy of the data (a wheel install)."""
    return (BUNDLE / "data").is_dir()


def root() -> Path:
    """The directory holding data/, manifest.json, releases/, AGENTS.md and CLAUDE.md."""
    return BUNDLE if installed() else CLONE


def data_dir() -> Path:
    return root() / "data"


def releases_dir() -> Path:
    return root() / "releases"


def code_dir(base) -> Path:
    """The package directory whose ``*.py`` files ``maestro verify`` covers, for a root ``base``.

    ``base/maestro`` in a clone (or a copy of one); the installed package itself for the bundle.
    """
    base = Path(base)
    return PACKAGE if base.resolve() == BUNDLE else base / "maestro"
