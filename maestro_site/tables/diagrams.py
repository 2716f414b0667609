"""The diagrams the pages show: SVG from maestro.diagrams, wrapped in a figure with a caption.

Each macro returns one line of raw HTML, so Markdown leaves it alone; the autolinker leaves the SVG as
written (maestro_site/autolink.py), since every ID inside is already a link made through the page's Linker.
"""
from __future__ import annotations

from markupsafe import Markup

from maestro import diagrams, ids
from maestro.urls import src_of
from maestro_site.templating import fragment
from maestro_site.tables.registry import macro


def _href(L):
    """ID -> URL of its page, relative to the page that shows the diagram."""
    def href(ident: str):
        kind = ids.kind_of(ident)
        return L.href(src_of(kind, ident)) if kind else None
    return href


def figure(svg: str, caption: str, cls: str = "") -> str:
    """A diagram and its visible caption, on one line (raw HTML for Markdown; templates/fragments/figure.html.j2)."""
    return str(fragment("figure.html.j2", svg=Markup(svg), caption=caption, cls=cls))


@macro
def layer_stack_diagram(kb, L) -> str:
    return figure(diagrams.layer_stack(kb, _href(L)), "The seven layers, with L6 spanning the stack and the cross-layer dimension beside it; "
                  "each box links to its layer and counts the threats rooted there and the layer's catalog controls.")


@macro
def layer_strip_diagram(kb, L, lid: str) -> str:
    return figure(diagrams.layer_strip(kb, _href(L), lid), f"{lid} among the layers.", "maestro-strip")


@macro
def phase_flow_diagram(kb, L) -> str:
    return figure(diagrams.phase_flow(kb, _href(L)), "Each phase starts when the phases pointing at it are done; "
                  "the marked phases are skipped on the lightweight path.", "maestro-wide")


@macro
def depth_tree_diagram(kb) -> str:
    return figure(diagrams.depth_tree(kb), "Ask the questions in order; the first yes sets the depth.")


@macro
def pattern_diagram(kb, L, n: int) -> str:
    return figure(diagrams.pattern_chain(kb, n, _href(L)), f"Pattern {n} step by step, with the pattern's threats at the layers they touch.", "maestro-wide")


@macro
def risk_heatmap_diagram(kb) -> str:
    return figure(diagrams.risk_heatmap(kb), "Risk level for each severity and likelihood; every cell names its level.")


@macro
def cost_effectiveness_diagram(kb) -> str:
    return figure(diagrams.cost_effectiveness_heatmap(kb), "What to do with a control, by its effectiveness and cost.")


@macro
def example_architecture(book, L, name: str) -> str:
    doc = book.get(name)
    return figure(diagrams.architecture(book.kb, doc, _href(L)), "Trust zones with their components (layer tags link to the layers) "
                  "the recorded trust boundaries between zones (solid) and the data flows (dashed). Scroll sideways to see it all.", "maestro-wide")
