"""MkDocs hook: ship only what readers use. Material copies a source map for each of its bundles and a lunr stemmer for
every language it supports; this site is English only and publishes no source maps, so after the build the maps and
the other languages' lunr files are removed, and the minified files no longer point at maps that are not there.

Called by the plugin after the build (maestro_site/plugin.py); tests/test_shipped_assets.py checks the built site.
"""
from __future__ import annotations

import re
from pathlib import Path

MAP_COMMENT = re.compile(rb"\n?/[/*]# sourceMappingURL=[^\n*]*(\*/)?\s*$")


def language_files(site: Path, languages: list[str]) -> list[Path]:
    """lunr files of languages the site does not use. English needs none: Material's search worker loads a stemmer
    from assets/javascripts/lunr/ only for other languages, and lunr.multi only for more than one."""
    folder = site / "assets" / "javascripts" / "lunr"
    if not folder.is_dir():
        return []
    keep = set() if languages == ["en"] else {f"lunr.{lang}.min.js" for lang in languages} | {"lunr.stemmer.support.min.js", "lunr.multi.min.js"}
    return [p for p in folder.rglob("*.js") if p.name not in keep]


def source_maps(site: Path) -> list[Path]:
    return sorted((site / "assets").rglob("*.map"))


def strip_map_comment(path: Path) -> None:
    data = path.read_bytes()
    stripped = MAP_COMMENT.sub(b"\n", data)
    if stripped != data:
        path.write_bytes(stripped)


def remove_unused(site: Path, language: str) -> None:
    """Remove the source maps and the other languages' lunr files from the built ``site``, and the map comments and
    folders they leave behind (called by the plugin's on_post_build)."""
    for p in source_maps(site) + language_files(site, [language]):
        p.unlink()
    for p in list((site / "assets").rglob("*.min.js")) + list((site / "assets").rglob("*.min.css")):
        strip_map_comment(p)
    for folder in sorted((site / "assets").rglob("*"), reverse=True):     # the folders that are now empty
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
