"""The one registry of macros: ``@macro`` on a function in a module of maestro_site/tables/ makes it callable from
every page in docs/ under its own name ({{ mapping_matrix() }}). ``all_macros`` imports every module of the package
(pkgutil), so a new module registers its macros by existing; tests/test_macros.py checks that every module has some."""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Callable

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
