"""The macros the pages in docs/ call, one module per kind of table, each marked ``@macro`` (registry.py).

A macro is a plain function that returns Markdown (or HTML where layout needs it), escaping every
data string. Its leading parameters name what it reads: ``kb`` (the knowledge base), ``book`` (the
worked examples, :class:`examples.Book`) and ``L`` (a :class:`maestro_site.render.Linker` for the page
that calls it); the rest are the arguments a page passes, as in ``{{ threat_table("extended") }}``.
The plugin (maestro_site/plugin.py) supplies the leading ones, so a test calls ``taxonomy.threat_table(kb, L)`` directly.
"""
from __future__ import annotations

import functools
import inspect

from maestro_site.tables.registry import all_macros

DEPENDENCIES = ("kb", "book", "L")
"""The parameters a macro may start with, in this order; ``bind`` fills them in."""

MACROS = all_macros()
"""Every macro by the name pages call it with: the functions marked ``@macro`` in this package's modules."""


def needs(fn) -> list[str]:
    """The dependencies ``fn`` takes: its leading parameters named in ``DEPENDENCIES``."""
    out = []
    for name in inspect.signature(fn).parameters:
        if name not in DEPENDENCIES:
            break
        out.append(name)
    return out


def bind(fn, deps: dict):
    """``fn`` as a page calls it: each dependency comes from ``deps[name]()``, asked for at call time."""
    wanted = needs(fn)

    @functools.wraps(fn)
    def macro(*args, **kwargs):
        return fn(*(deps[d]() for d in wanted), *args, **kwargs)

    return macro
