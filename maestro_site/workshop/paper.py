"""What every printable workshop page shares: its front matter, the Print button and the tick box drawn on paper."""
from __future__ import annotations

import html

WORKSHOP = "workshop"
BOX = '<span class="ws-box" aria-hidden="true">\u2610</span>'
"""An empty tick box for paper (the pack and the worksheets); on screen the forms use real inputs instead."""


def src(name: str) -> str:
    """Docs path of a workshop page: ``src("checklists")`` is ``workshop/checklists.md``."""
    return f"{WORKSHOP}/{name}.md"


def front_matter(title: str, description: str, search: bool = False) -> list[str]:
    """Front matter of a generated workshop page; ``maestro_kind`` keeps the autolinker off (the page links its IDs).
    Workshop pages are paper copies of the chapters (templates, checklists, quick reference, matrices), so they stay out
    of the search index unless asked: search finds the chapter, and the chapter links its sheet."""
    lines = ["---", f"title: {_yaml_str(title)}", f"description: {_yaml_str(description)}", "maestro_kind: worksheet",
             "render_macros: false"]   # generated HTML: nothing for mkdocs-macros to expand
    if not search:
        lines += ["search:", "  exclude: true"]
    return lines + ["---", ""]


def _yaml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def print_button(what: str) -> str:
    """The labelled Print button of a workshop page (hidden on paper by workshop.css)."""
    return (f'<p class="ws-actions"><button type="button" class="md-button maestro-print" onclick="window.print()">'
            f"Print {html.escape(what)}</button></p>")


def boxes(labels) -> str:
    """Paper tick boxes, one per label."""
    return "".join(f'<span class="ws-choice">{BOX} {html.escape(v)}</span> ' for v in labels).rstrip()
