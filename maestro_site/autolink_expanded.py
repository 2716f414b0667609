"""MkDocs hook, run after mkdocs-macros: link the IDs that macro output wrote as plain text.

The IDs an author writes are linked (and checked, with their source line) by maestro_site/hooks.py before
macros expand; this second pass links IDs inside expanded tables and lists, which come from data the
loader has already validated. Existing links are left alone, so nothing is linked twice.
"""
from __future__ import annotations

from mkdocs.plugins import event_priority

from maestro_site import autolink, site


@event_priority(-50)  # after mkdocs-macros
def on_page_markdown(markdown, page, config, files):
    if page.meta.get("maestro_kind"):
        return markdown
    return autolink.link_ids(markdown, site.build_kb(), page.file.src_uri, first_line=1, origin="macro output")
