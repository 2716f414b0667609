"""The MkDocs plugin that builds the playbook from the knowledge base (``plugins: - maestro`` in mkdocs.yml).

Registered through the ``mkdocs.plugins`` entry point in pyproject.toml. The plugin object holds the one knowledge base
of the build (``self.kb``), loaded and validated in ``on_config`` before MkDocs writes anything, so invalid data never
produces a site. Then, in MkDocs' own order of events:

- ``on_config``: load the knowledge base; give mkdocs-macros the macros (maestro_site/tables/) and the variables;
- ``on_files``: add the generated pages (one per ID, the index pages, the workshop kit) as Markdown, the exports
  (kb.json, ids.json, llms.txt, ...) and the short ID URLs (/T12/); the offline copy's Worker shim;
- ``on_page_markdown``: give a generated page its metadata; link every ID in prose (failing on an ID that does not
  exist, with its source line) before the macros expand, and the IDs in macro output after;
- ``on_post_build``: leave out of the site what readers never load; pack the offline copy.

Generated pages go through MkDocs' normal page pipeline, so the table of contents, anchors, link validation and the
search index come from MkDocs and Material. The offline copy is the same config with ``MAESTRO_OFFLINE=true``.
"""
from __future__ import annotations

from pathlib import Path

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File

from maestro import exports, urls
from maestro.kb import KB, KBError, load_kb

from . import autolink, offline, pages, redirects, shipped_assets, tables, workshop
from .navigation import chapters
from .render import Linker
from .tables.examples import Book
from .tables.guides import guide_aliases


class MaestroConfig(Config):
    data_dir = config_options.Type(str, default="data")
    """The knowledge base, relative to mkdocs.yml."""


class MaestroPlugin(BasePlugin[MaestroConfig]):
    def __init__(self):
        self.kb: KB | None = None
        self.book: Book | None = None
        self.generated: dict[str, pages.GeneratedPage] = {}   # docs path -> generated ID page
        self.page = None                                      # the page whose Markdown is being processed
        self.directory_urls = True
        self.site_url: str | None = None                      # the published address (SITE_URL), if this build has one

    # ------------------------------------------------------------------ config
    @event_priority(100)  # before every other plugin, so bad data stops the build first
    def on_config(self, config):
        data = Path(config.config_file_path).resolve().parent / self.config.data_dir
        try:
            self.kb = load_kb(data)
        except KBError as exc:
            raise PluginError(str(exc)) from None
        self.book = Book(self.kb, data / "examples")
        self.data_dir = data
        try:
            # The published address is SITE_URL itself (mkdocs.yml's site_url reads it too); config.site_url is not used,
            # because `mkdocs serve` replaces it with the local server's http address.
            self.site_url = urls.site_url()
        except ValueError as exc:
            raise PluginError(str(exc)) from None
        self._register_macros(config)
        config.extra["maestro_kb_version"] = self.kb.version   # the theme writes it into every page's head (overrides/main.html)
        return config

    def _register_macros(self, config) -> None:
        """Every macro of maestro_site/tables/ and the variables prose pages use, handed to mkdocs-macros."""
        macros = config.plugins.get("macros")
        if macros is None:
            raise PluginError("the maestro plugin needs mkdocs-macros after it in mkdocs.yml's plugins")
        deps = {"kb": lambda: self.kb, "book": lambda: self.book, "L": self.linker}
        macros.register_macros({name: tables.bind(fn, deps) for name, fn in tables.MACROS.items()})
        macros.register_variables({"kb_version": self.kb.version, "atlas_edition": self.kb.atlas_edition,
                                   "atlas_basis": self.kb.atlas_basis})

    def linker(self) -> Linker:
        """A Linker for the page being processed (what a macro's ``L`` is)."""
        return Linker(self.kb, self.page.file.src_uri, self.directory_urls)

    # ------------------------------------------------------------------ files
    def on_files(self, files, config):
        # Read here, not in on_config: the offline plugin switches directory URLs off in its own on_config.
        self.directory_urls = config.use_directory_urls
        self.generated = pages.all_pages(self.kb, pages.SiteOptions(self.directory_urls, self.site_url))
        for src, page in self.generated.items():
            self._add(files, config, src, page.markdown, edit=f"../data/{src.split('/')[0]}.yaml")
        for src, text in workshop.workshop_pages(self.kb, self._facilitator_guide(files), self.directory_urls).items():
            self._add(files, config, src, text, edit="../data/templates.yaml")
        for path, text in exports.all_exports(self.kb, self.data_dir, site_url=self.site_url, chapters=chapters(config.nav)).items():
            files.append(File.generated(config, path, content=text))
        missing = [src for src in guide_aliases(self.kb) if files.get_file_from_path(src) is None]
        if missing:
            raise PluginError(f"data/guides.yaml names pages that do not exist: {', '.join('docs/' + m for m in missing)}")
        if offline.enabled(config):
            files.append(offline.worker_shim(config))
        # Last, so the check that no short form (/T12/, /CL/) is already a path sees every other file of the site.
        redirects.add_short_forms(files, config, self.kb)
        return files

    @staticmethod
    def _add(files, config, src: str, markdown: str, edit: str) -> None:
        if files.get_file_from_path(src) is not None:
            raise PluginError(f"docs/{src} exists but that path is generated from data/; remove the file")
        f = File.generated(config, src, content=markdown)
        f.edit_uri = edit  # the edit button of a generated page opens the data file it is made from
        files.append(f)

    def _facilitator_guide(self, files) -> str:
        """The facilitator's guide with its IDs linked: the printed pack includes it inside a generated page."""
        guide = files.get_file_from_path(workshop.STATIC[0])
        if guide is None:
            raise PluginError(f"docs/{workshop.STATIC[0]} is missing: the printed workshop pack includes it")
        source = guide.content_string
        body = workshop.pack.body_of(source)
        first = source[: len(source) - len(body)].count("\n") + 1
        return autolink.link_ids(body, self.kb, guide.src_uri, first_line=first, directory_urls=self.directory_urls)

    # ------------------------------------------------------------------ pages
    @event_priority(50)  # before mkdocs-macros expands anything, so line numbers are the source's own
    def _before_macros(self, markdown, page, config, files):
        self.page = page
        generated = self.generated.get(page.file.src_uri)
        if generated is not None:
            page.meta.update(generated.meta)
            return markdown   # a generated page links its IDs itself
        if page.meta.get("maestro_kind"):
            return markdown   # the workshop pages are generated with their links
        aliases = guide_aliases(self.kb).get(page.file.src_uri)
        if aliases:
            page.meta["tags"] = list(aliases)   # Material's search weighs a page's tags above its title and text
        source = page.file.content_string
        front_matter_lines = source[: len(source) - len(markdown)].count("\n") if source.endswith(markdown) else 0
        return autolink.link_ids(markdown, self.kb, page.file.src_uri, first_line=front_matter_lines + 1,
                                 directory_urls=self.directory_urls)

    @event_priority(-50)  # after mkdocs-macros: the IDs in tables and lists the macros wrote (data the loader checked)
    def _after_macros(self, markdown, page, config, files):
        if page.meta.get("maestro_kind"):
            return markdown
        return autolink.link_ids(markdown, self.kb, page.file.src_uri, first_line=1, origin="macro output",
                                 directory_urls=self.directory_urls)

    on_page_markdown = CombinedEvent(_before_macros, _after_macros)

    # ------------------------------------------------------------------ after the build
    @event_priority(-200)  # after the search plugin wrote the index and the offline plugin turned it into a script
    def on_post_build(self, config):
        shipped_assets.remove_unused(Path(config.site_dir), config.theme.get("language") or "en")
        if offline.enabled(config):
            offline.pack(Path(config.site_dir), self.kb.version)
