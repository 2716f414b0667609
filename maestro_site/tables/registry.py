"""The one registry of macros: ``@macro`` on a function in a module of maestro_site/tables/ makes it callable from
every page in docs/ under its own name ({{ mapping_matrix() }}). ``all_macros`` imports every module of the package
(pkgutil), so a new module registers its macros by existing; tests/test_macros.py checks that every module has some."""
from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from pathlib import Path
from typing import Callable

from markupsafe import Markup

_MACROS: dict[str, Callable] = {}


def macro(fn: Callable) -> Callable:
    """Register ``fn`` as a macro under its name; a second function with the same name is an error."""
    if fn.__name__ in _MACROS and _MACROS[fn.__name__] is not fn:
        raise ValueError(f"two macros named {fn.__name__}: {_MACROS[fn.__name__].__module__} and {fn.__module__}")
    _MACROS[fn.__name__] = fn
    return fn


def table_modules() -> list[str]:
    """Every module of maestro_site/tables/ except this one."""
    package = __name__.rsplit(".", 1)[0]
    return [f"{package}.{m.name}" for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name != "registry"]


def all_macros() -> dict[str, Callable]:
    """Every registered macro by name, after importing every module of the package."""
    for name in table_modules():
        importlib.import_module(name)
    return dict(_MACROS)


_TABLE = re.compile(r"<table(?=[\s>])")
_DIV = re.compile(r"<div(?=[\s>])")


def unsearched(fn: Callable) -> Callable:
    """``fn``'s tables left out of the search index: for a macro that repeats data with pages of its own (threats,
    mitigations, layers ... in a table), so the search finds the page that defines an ID, not every list naming it.

    Material's search parser skips an element carrying ``data-search-exclude`` until that element closes, and it
    compares elements by tag name only: an excluded ``<div>`` holding another ``<div>`` stops being skipped at the
    inner ``</div>``. So each HTML ``<table>`` is marked itself; a Markdown table is wrapped in one excluded
    ``<div markdown>``, or, when it already sits in such a wrapper, the wrapper is marked. Output with divs inside
    divs is refused, where the build can say which macro it was."""
    @functools.wraps(fn)
    def marked(*args, **kwargs):
        out = fn(*args, **kwargs)
        text = str(out)
        if _TABLE.search(text):
            text = _TABLE.sub("<table data-search-exclude", text)
        elif _DIV.search(text):
            if len(_DIV.findall(text)) != text.count("</div>") or re.search(r"<div[^>]*>(?:(?!</div>).)*<div", text, re.S):
                raise ValueError(f"{fn.__name__}: nested <div>s cannot be left out of the search index reliably")
            text = _DIV.sub("<div data-search-exclude", text)
        elif text.strip():
            text = f"<div data-search-exclude markdown>\n\n{text}\n\n</div>"
        return type(out)(text) if isinstance(out, Markup) else text
    return marked
