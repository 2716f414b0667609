"""Short forms of the ID URLs: /T12/, /BV-7/, /L3-D2/, /L3/, /CL/ send the reader to the ID's own page.

Each short form is a tiny static HTML page generated at build time (plugin.on_files): a meta refresh, a
rel=canonical link and a plain link for readers whose browser neither refreshes nor runs scripts. Every URL
in it is relative, so the same page works at the domain root, under a version prefix (/1.1.0/T12/) and
opened from disk in the offline copy.

Only the canonical case of each ID gets a short form (T12, not t12), for three reasons: the IDs, ids.json
and every citation are written in that case, so it is the only spelling worth making permanent; a site
holding both T12/ and t12/ cannot be unpacked whole on a case-insensitive file system (macOS and Windows by
default), where the offline zip is most often opened; and the site search already finds an ID typed in any
case. For the same file-system reason the collision check compares paths case-insensitively.
"""
from __future__ import annotations

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from maestro.kb import KB
from maestro.urls import src_of

from .templating import fragment

# Top-level names the published site reserves for itself besides its pages: mike's version folders and list.
RESERVED = {"latest", "versions.json", ".nojekyll"}


def short_forms(kb: KB) -> dict[str, str]:
    """{ID: kind} for every citable ID, in the knowledge base's order; the short form of an ID is the ID itself."""
    return {ident: info["type"] for ident, info in kb.all_ids().items()}


def page_html(ident: str, name: str, href: str) -> str:
    """The redirect page of one short form (templates/fragments/short-form.html.j2); ``href`` is the target,
    relative to the short form's folder."""
    return str(fragment("short-form.html.j2", ident=ident, name=name, href=href))


def _first_segment(f: File) -> set[str]:
    """The top-level names (case-folded) a file occupies in the source tree and in the built site."""
    return {p.split("/", 1)[0].casefold() for p in (f.src_uri, f.dest_uri)}


def add_short_forms(files: Files, config, kb: KB) -> list[File]:
    """Append one redirect page per short form to ``files``; stop the build if a short form is taken.

    Call it after every other generated file is in ``files``, so the check sees the whole site.
    """
    forms = short_forms(kb)
    taken: dict[str, str] = {}
    for f in files:
        for seg in _first_segment(f):
            taken.setdefault(seg, f.src_uri)
    clashes = []
    for short in forms:
        key = short.casefold()
        if key in taken:
            clashes.append(f"/{short}/ (taken by {taken[key]})")
        elif key in RESERVED:
            clashes.append(f"/{short}/ (reserved for the versioned site)")
    if clashes:
        raise PluginError("short ID URLs collide with existing paths; rename the page or the folder: " + ", ".join(clashes))
    added = []
    for ident, kind in forms.items():
        target = files.get_file_from_path(src_of(kind, ident))
        if target is None:
            raise PluginError(f"/{ident}/ would redirect to docs/{src_of(kind, ident)}, which the build does not have")
        f = File.generated(config, f"{ident}/index.html", content="")
        f.content_string = page_html(ident, kb.name_of(ident) or "Reserved", target.url_relative_to(f))
        files.append(f)
        added.append(f)
    return added
