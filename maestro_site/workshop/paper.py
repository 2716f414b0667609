"""What every printable workshop page shares: its docs path, its front matter, and the body of a one-piece page
(templates/fragments/workshop-page.html.j2). The tick boxes, write-in lines and the Print button are macros of
templates/fragments/_macros.html.j2."""
from __future__ import annotations

from markupsafe import Markup

from maestro_site.render import esc
from maestro_site.templating import fragment

WORKSHOP = "workshop"


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


def page_body(heading: str, description: str, *, before: str, link: str, after: str, what: str, body: Markup,
              title: str | None = None) -> str:
    """The Markdown of a page that shows one piece of the kit: front matter (``title``, by default the ``heading``),
    the heading (escaped for Markdown: a worksheet's comes from the data), the purpose (``before``, the ``link`` to its chapter, ``after``), the Print button for ``what`` and
    the piece (``body``)."""
    html = fragment("workshop-page.html.j2", before=before, link=Markup(link), after=after, what=what, body=body)
    return "\n".join([*front_matter(title or heading, description), f"# {esc(heading)}", "", str(html), ""])
