"""mkdocs-macros module: registers every data-driven table the prose pages call.

The macros themselves live in ``maestro_site/tables/`` (one module per kind of table, all named in
``maestro_site.tables.MACROS``); this module only builds what they read and hands it to them.
Prose pages call them as {{ mapping_matrix() }} etc.
"""
from __future__ import annotations

from maestro_site import site, tables  # importable through the package install (pyproject.toml), no sys.path patching
from maestro_site.render import Linker
from maestro_site.tables.examples import Book


def define_env(env):
    kb = site.kb_for(env.conf)
    env.variables["kb_version"] = kb.version
    env.variables["atlas_edition"] = kb.atlas_edition  # the pinned MITRE ATLAS edition, for prose
    env.variables["atlas_basis"] = kb.atlas_basis  # what that edition's list is built from; say it wherever the edition is named
    book = Book(kb, site.data_dir(env.conf) / "examples")
    deps = {"kb": lambda: kb, "book": lambda: book, "L": lambda: Linker(kb, env.page.file.src_uri)}
    for name, fn in tables.MACROS.items():
        env.macro(tables.bind(fn, deps), name)
