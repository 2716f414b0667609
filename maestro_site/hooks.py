"""MkDocs hooks: validate the knowledge base first, add one page per ID (as finished HTML), the exports and the short ID URLs.

Loaded through ``hooks:`` in mkdocs.yml. The knowledge base is validated in on_config,
before MkDocs cleans or writes the site directory, so invalid data never produces output.
"""
from __future__ import annotations

# `macros` and `maestro` are importable through the venv's install (`pip install -e .`, see Makefile)
from mkdocs.plugins import CombinedEvent, event_priority  # noqa: E402
from mkdocs.structure.files import File  # noqa: E402

from maestro import exports  # noqa: E402
from maestro_site import autolink, pages, redirects, site, workshop  # noqa: E402
from maestro_site.html_page import HtmlPage, searchable  # noqa: E402


_KB = None  # the knowledge base of the current build, loaded once in on_config


@event_priority(100)  # before every plugin, so bad data stops the build first
def on_config(config):
    global _KB
    _KB = site.kb_for(config)
    return config


def on_files(files, config):
    kb = _KB
    titles = dict(nav_titles(config.nav))
    for src, generated in pages.all_pages(kb).items():
        if files.get_file_from_path(src) is not None:
            raise site.PluginError(f"docs/{src} exists but that path is generated from data/; remove the file")
        f = File.generated(config, src, content=generated.html)
        # The edit button of a generated page opens the data file it is made from.
        f.edit_uri = f"../data/{src.split('/')[0]}.yaml"
        files.append(f)
        HtmlPage(f, config, generated, titles.get(src))  # finished HTML: MkDocs uses this page instead of reading Markdown
    guide = files.get_file_from_path(workshop.STATIC[0])
    if guide is None:
        raise site.PluginError(f"docs/{workshop.STATIC[0]} is missing: the printed workshop pack includes it")
    # The pack prints the guide inside a generated page, which the autolinker skips: link its IDs here, as on its own page.
    body = workshop.pack.body_of(guide.content_string)
    first = guide.content_string[: len(guide.content_string) - len(body)].count("\n") + 1
    guide_md = autolink.link_ids(body, kb, guide.src_uri, first_line=first)
    for src, text in workshop.workshop_pages(kb, guide_md).items():
        if files.get_file_from_path(src) is not None:
            raise site.PluginError(f"docs/{src} exists but that path is generated from data/; remove the file")
        f = File.generated(config, src, content=text)
        f.edit_uri = "../data/templates.yaml"   # the workshop pages are drawn from the knowledge base
        files.append(f)
    for path, text in exports.all_exports(kb, site.data_dir(config), site_url=config.site_url, chapters=chapters(config.nav)).items():
        files.append(File.generated(config, path, content=text))
    # Last, so the check that no short form (/T12/, /CL/) is already a path sees every other file of the site.
    redirects.add_short_forms(files, config, kb)
    return files


@event_priority(10)  # just before Material's search plugin indexes the page
def _show_search_what_it_indexes(context, page, config, nav):
    if isinstance(page, HtmlPage):
        page.whole_content, page.content = page.content, searchable(page.content)
    return context


@event_priority(-10)  # after it: the page is rendered whole, as it was before the search plugin read it
def _render_the_whole_page(context, page, config, nav):
    if isinstance(page, HtmlPage):
        page.content = page.whole_content
    return context


on_page_context = CombinedEvent(_show_search_what_it_indexes, _render_the_whole_page)
"""A generated ID page's related-ID tables are most of its HTML and all of it is left out of the search index; the
search plugin reads only the sections it keeps (html_page.searchable), and the theme then renders the whole page."""


def nav_titles(items):
    """(source path, title) of every page mkdocs.yml's nav names with a title."""
    for entry in items or []:
        for title, value in (entry.items() if isinstance(entry, dict) else []):
            if isinstance(value, list):
                yield from nav_titles(value)
            elif isinstance(value, str):
                yield value, title


def chapters(nav) -> list[tuple[str, list[tuple[str, str]]]]:
    """The sections of mkdocs.yml's nav as (title, [(page title, directory-style path)]), for llms.txt."""
    def path(src: str) -> str:
        stem = src[: -len(".md")]
        return "" if stem == "index" else (stem[: -len("index")] if stem.endswith("/index") else stem + "/")

    def flat(items):
        for entry in items or []:
            for title, value in (entry.items() if isinstance(entry, dict) else [(None, entry)]):
                if isinstance(value, list):
                    yield from flat(value)
                elif isinstance(value, str) and value.endswith(".md"):
                    yield title or value, path(value)
    out = []
    for entry in nav or []:
        for title, value in (entry.items() if isinstance(entry, dict) else []):
            if isinstance(value, list):
                out.append((title, list(flat(value))))
    return out


@event_priority(50)  # before mkdocs-macros expands anything, so line numbers are the source's own
def on_page_markdown(markdown, page, config, files):
    """Link every taxonomy ID written in prose; fail on IDs that do not exist, naming the source line."""
    if page.meta.get("maestro_kind"):
        return markdown  # generated pages link their IDs themselves
    source = page.file.content_string
    front_matter_lines = source[: len(source) - len(markdown)].count("\n") if source.endswith(markdown) else 0
    return autolink.link_ids(markdown, _KB, page.file.src_uri, first_line=front_matter_lines + 1)
