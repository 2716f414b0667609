"""Renderers and the prose auto-linker: escaping, link targets, code left alone, unknown IDs fail."""
from __future__ import annotations

import markdown
import pytest
from mkdocs.exceptions import PluginError

from maestro_site.autolink import link_ids
from maestro_site.render import Linker, esc


def md(text):
    return markdown.markdown(text, extensions=["tables", "attr_list", "md_in_html"])


@pytest.mark.parametrize("raw", ["a*b*c", "<script>x</script>", "[x](y)", "x | y", "_u_", "1. item", "# hash", "a & b", "T1 {{ x }}"])
def test_esc_renders_literally(raw):
    html = md(esc(raw))
    text = html.replace("<p>", "").replace("</p>", "")
    import html as h
    assert h.unescape(text) == raw


def test_linker_relative_paths(kb):
    L = Linker(kb, "threats/T12.md")
    assert L.rel("mitigations/L2-P1.md") == "../mitigations/L2-P1.md"
    assert L.href("mitigations/L2-P1.md") == "../../mitigations/L2-P1/"
    assert L.href("playbook/08-checklists.md#CK-L1-01") == "../../playbook/08-checklists/#CK-L1-01"
    assert L.id("L3-D2") == '[L3\\-D2](../mitigations/L3-D2.md "Workflow State Monitoring")'


def test_prose_links_ids_and_escapes(kb):
    L = Linker(kb, "playbook/x.md")
    out = L.prose("Use L3-D2 against T19 <b>now</b>.")
    assert "(../mitigations/L3-D2.md" in out and "(../threats/T19.md" in out
    assert "<b>" not in out


def test_autolink_links_ids_with_names(kb):
    out = link_ids("See T12, BV-7 and CL-P1.", kb, "playbook/02-threat-taxonomy.md")
    assert '[T12](../threats/T12.md "Agent Communication Poisoning (L2, CL)")' in out   # a threat's hover text adds its layers
    assert '[BV\\-7](../blindspots/BV-7.md "Agent Memory Injection via A2A")' in out   # the label is escaped like any data text
    assert '[CL\\-P1](../mitigations/CL-P1.md "Defense in Depth")' in out


def test_autolink_leaves_code_links_headings_and_html_alone(kb):
    src = "\n".join([
        "# Heading with T12",
        "Inline `T12` code and [T3](x.md) link and <a href='y'>T4</a>.",
        "```",
        "T99 in a fence",
        "```",
        "Text T5.",
    ])
    out = link_ids(src, kb, "index.md").split("\n")
    assert out[0] == "# Heading with T12"
    assert out[1] == "Inline `T12` code and [T3](x.md) link and <a href='y'>T4</a>."
    assert out[3] == "T99 in a fence"
    assert out[5].startswith("Text [T5](threats/T5.md")


def test_autolink_html_block_gets_html_link(kb):
    out = link_ids("<p>See T12</p>", kb, "playbook/a.md")
    assert '<a href="../../threats/T12/" title="Agent Communication Poisoning (L2, CL)">T12</a>' in out


@pytest.mark.parametrize("bad", ["T99", "BV-13", "L3-D9", "T0", "CL-P9"])
def test_autolink_rejects_unknown_ids(kb, bad):
    with pytest.raises(PluginError) as exc:
        link_ids(f"line one\nmentions {bad} here", kb, "playbook/p.md", first_line=5)
    assert f"docs/playbook/p.md:6: unknown ID {bad}" in str(exc.value)


def test_autolink_reserved_links_to_reserved_page(kb):
    assert "(threats/T26.md" in link_ids("T26 is reserved.", kb, "index.md")


@pytest.mark.parametrize("here,target,want", [
    ("index.md", "layers/L7.md", "layers/L7/"),
    ("index.md", "threats/T12.md#mitigations", "threats/T12/#mitigations"),
    ("playbook/01-layers.md", "layers/L3.md", "../../layers/L3/"),
    ("threats/index.md", "threats/T1.md", "T1/"),
])
def test_raw_html_links_are_relative_to_the_page_url(kb, here, target, want):
    assert Linker(kb, here).href(target) == want


def test_autolink_leaves_a_diagram_as_written_and_links_prose_around_it(kb):
    line = '<figure class="maestro-figure"><svg role="group"><desc>T6 then T2</desc><text>T6</text></svg><figcaption>See T6.</figcaption></figure>'
    out = link_ids(line, kb, "guides/quickstart.md")
    svg = out[out.index("<svg"):out.index("</svg>")]
    assert svg == line[line.index("<svg"):line.index("</svg>")]
    assert '<a href="../../threats/T6/"' in out[out.index("<figcaption>"):]
