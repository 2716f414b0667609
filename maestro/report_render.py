"""Laying out `maestro report`: the Jinja2 environments, their filters, and where a report is written.

The templates live in ``maestro/templates/report/`` (shipped inside the package): ``report.html.j2`` with one
partial per section, and ``report.md.j2`` for GitHub-flavoured Markdown. Both get the dict of
``report.report_data`` and nothing else. HTML is autoescaped; in Markdown every value passes ``markdown_escape``
on its way out, so a record can never add markup, a link or a table cell of its own.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from . import project, safeio

TEMPLATES = Path(__file__).resolve().parent / "templates" / "report"
FORMATS = {"html": ("report.html.j2", ".html"), "markdown": ("report.md.j2", ".md")}
_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")           # emphasis, code, links and images, table cells, strikethrough
_MD_LEAD = re.compile(r"^(|[0-9]+(?=[.)]))([#>+=*-]|(?<=[0-9])[.)])")  # what opens a heading, quote, list or rule at a line start


def https(url) -> str:
    """``url`` when it is an https address, else '' (only https links are ever written)."""
    text = str(url or "")
    return text if text.startswith("https://") and not re.search(r"[\s\"'<>`\\]", text) else ""


def num(value) -> str:
    """A score as a short number: 2.6667 -> 2.67, 4.0 -> 4."""
    try:
        return f"{round(float(value), 2):g}"
    except (TypeError, ValueError):
        return str(value)


def css_string(value):
    """``value`` as a quoted CSS string: every character but ASCII letters and digits written as a CSS escape (hex digits
    and the one space that ends the escape), so no value can close the string or the style element."""
    from markupsafe import Markup

    out = "".join(c if c.isascii() and c.isalnum() else f"\\{ord(c):x} " for c in str(value))
    return Markup(f'"{out}"')


def markdown_escape(value):
    """What a Markdown template prints for ``value``: trusted template output (Markup) as it is; anything else on one
    line, with every character that could start markup, a link, an autolink or a table cell escaped."""
    from markupsafe import Markup

    if isinstance(value, Markup):
        return value
    flat = " ".join(str(value if value is not None else "").split())
    flat = _MD_INLINE.sub(r"\\\1", flat)
    flat = flat.replace("://", "\\://")                                  # no URL autolink
    flat = re.sub(r"(?i)\bwww\.", lambda m: m.group(0)[:-1] + "\\.", flat)  # no www autolink
    flat = re.sub(r"&(?=#?[A-Za-z0-9]+;)", "&amp;", flat).replace("<", "&lt;")
    return _MD_LEAD.sub(r"\1\\\2", flat, count=1)


def md_url(url):
    """An https URL for a Markdown link target, left unescaped (``https`` refuses anything else)."""
    from markupsafe import Markup

    return Markup(https(url))


def bytecode_cache():
    """A Jinja2 bytecode cache in maestro's cache directory: compiled templates are loaded only from files the
    current user owns and nobody else can write (cachedir.read_trusted), and are recompiled when a template changes."""
    import sys

    import jinja2

    from . import cachedir

    class TrustedCache(jinja2.BytecodeCache):
        def name(self, bucket) -> str:
            return f"jinja-{bucket.key}.{sys.implementation.cache_tag}.code"

        def load_bytecode(self, bucket) -> None:
            raw = cachedir.read_trusted(self.name(bucket))
            if raw:
                bucket.bytecode_from_string(raw)  # a checksum other than the template's current source is ignored

        def dump_bytecode(self, bucket) -> None:
            cachedir.write_private(self.name(bucket), bucket.bytecode_to_string(), prune="jinja-*")

    return TrustedCache()


@lru_cache(maxsize=None)
def environment(fmt: str):
    """The Jinja2 environment of one output format."""
    import jinja2

    common = {"loader": jinja2.FileSystemLoader(str(TEMPLATES)), "undefined": jinja2.StrictUndefined,
              "trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True, "bytecode_cache": bytecode_cache()}
    if fmt == "html":
        env = jinja2.Environment(autoescape=True, **common)
    else:
        env = jinja2.Environment(autoescape=False, finalize=markdown_escape, **common)
    env.filters.update(https=https, num=num, css_string=css_string, md_url=md_url)
    return env


def render(data: dict, fmt: str = "html") -> str:
    """The report of ``data`` (from report.report_data) in ``fmt``: "html" or "markdown"."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")
    return environment(fmt).get_template(FORMATS[fmt][0]).render(**data)


def default_target(path: Path, fmt: str) -> Path:
    """Where a report goes without -o: report.html (or .md) in the project folder, or beside the threat-model.json
    (named after it when it is not called threat-model.json)."""
    suffix = FORMATS[fmt][1]
    if path.is_dir():
        return project.project_file(path, "report" + suffix)
    stem = "report" if path.stem == "threat-model" else f"{path.stem}-report"
    return path.parent / (stem + suffix)


def write(target: Path, text: str) -> int:
    """Write the report atomically (never through a symlink), the previous one kept as .bak; the bytes written."""
    raw = text.encode("utf-8")
    safeio.write_atomic(target, raw, backup=True)
    return len(raw)
