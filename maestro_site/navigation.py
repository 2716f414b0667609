"""What the build reads from mkdocs.yml's nav."""
from __future__ import annotations


def page_path(src: str) -> str:
    """The directory-style site path of a docs page (``playbook/01-layers.md`` -> ``playbook/01-layers/``)."""
    stem = src[: -len(".md")]
    return "" if stem == "index" else (stem[: -len("index")] if stem.endswith("/index") else stem + "/")


def _pages(items):
    for entry in items or []:
        for title, value in (entry.items() if isinstance(entry, dict) else [(None, entry)]):
            if isinstance(value, list):
                yield from _pages(value)
            elif isinstance(value, str) and value.endswith(".md"):
                yield title or value, page_path(value)


def chapters(nav) -> list[tuple[str, list[tuple[str, str]]]]:
    """The sections of mkdocs.yml's nav as (title, [(page title, directory-style path)]), for llms.txt."""
    out = []
    for entry in nav or []:
        for title, value in (entry.items() if isinstance(entry, dict) else []):
            if isinstance(value, list):
                out.append((title, list(_pages(value))))
    return out
