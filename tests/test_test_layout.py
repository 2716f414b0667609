"""How the test suite is laid out: test modules share fixtures through tests/conftest.py, never by importing.

pytest hands every test module the fixtures of conftest.py by name (``kb``, ``site_page``, ``maestro_cli``,
``start_mcp`` ...) and ``@pytest.mark.kb_params`` parametrises per ID. A module that imports conftest or another test
module instead ties itself to that file's module-level names, and a fixture it imports is registered again as its
own. This reads the imports of every module in tests/ (function-level ones too) and names each module that does.
"""
from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def is_forbidden(module: str) -> bool:
    """``conftest`` or a test module (``test_*``), however it is reached: ``conftest.x``, ``tests.test_y``, ``.test_z``."""
    return any(p == "conftest" or p.startswith("test_") for p in module.split("."))


def forbidden_imports(source: str) -> list[str]:
    """What a module's source imports from conftest or from test modules, as ``line: name`` strings in line order."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names if is_forbidden(a.name)]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            joined = [base + ("" if base.endswith(".") else ".") + a.name for a in node.names]
            if node.module and is_forbidden(node.module):
                names = joined
            else:  # `from . import conftest`, `from tests import test_browser`
                names = [name for name, a in zip(joined, node.names) if is_forbidden(a.name)]
        else:
            continue
        found += [(node.lineno, name) for name in names]
    return [f"{line}: {name}" for line, name in sorted(found)]


def test_the_scan_sees_every_form_of_import():
    source = "\n".join([
        "from conftest import KB, ROOT",
        "import conftest",
        "import test_browser as tb",
        "from test_browser import browser",
        "from . import conftest, kbedit",
        "from tests.test_pages import targets",
        "def f():",
        "    from conftest import page",
        "import kbedit",
        "from maestro import checks",
        "from maestro.contest import x",
        "import pytest_asyncio",
    ])
    assert forbidden_imports(source) == ["1: conftest.KB", "1: conftest.ROOT", "2: conftest", "3: test_browser",
                                         "4: test_browser.browser", "5: .conftest", "6: tests.test_pages.targets",
                                         "8: conftest.page"]


def test_no_test_module_imports_conftest_or_another_test_module():
    offenders = {}
    for path in sorted(TESTS.glob("*.py")):
        found = forbidden_imports(path.read_text(encoding="utf-8"))
        if found:
            offenders[path.name] = found
    assert not offenders, ("these modules import conftest or a test module; ask for the fixture by name instead "
                           "(see tests/conftest.py):\n" + "\n".join(f"  tests/{name}: {', '.join(found)}"
                                                                    for name, found in offenders.items()))
