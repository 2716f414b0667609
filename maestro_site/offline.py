"""MkDocs hook of the offline copy (mkdocs.offline.yml, `make offline`): a site that works opened from disk.

Material's offline plugin does most of it (file names instead of directory URLs, the search index as a
script). This hook adds what an air-gapped reader still lacks and packs the result:

- INHERIT replaces lists whole, so mkdocs.offline.yml repeats mkdocs.yml's plugins and hooks: the build
  stops if the two lists have drifted apart (a changed search separator, a new hook);
- links written into raw HTML by the knowledge-base renderers (tables, diagrams, the ID pages' sidebar and
  pager) assume directory URLs (../T13/); from disk such a link opens a folder, or the wrong one, so each
  page's links that end in a slash are pointed at the file the offline build wrote for them;
- the plugin would load a Web Worker shim from a CDN; maestro_site/offline_worker.js stands in for it, and the
  build stops if any script or stylesheet would still come from another host;
- after the build, the whole site goes into maestro-playbook-offline-v<version>.zip beside the site
  folder, under one top folder of the same name, so it unpacks into a folder of its own.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File
from mkdocs.utils.yaml import get_yaml_loader, yaml_load

from maestro_site import site

SHIM = "assets/javascripts/offline-worker.js"
SHIM_SOURCE = Path(__file__).with_name("offline_worker.js")
OWN_PLUGINS = ("offline", "material/offline")
OWN_HOOKS = ("maestro_site/offline.py",)


def _name(entry) -> str:
    return entry if isinstance(entry, str) else next(iter(entry))


def drift(offline_file: str | Path) -> list[str]:
    """How the plugins and hooks of an offline config differ from those of the config it inherits ([] if not at all)."""
    offline_file = Path(offline_file)
    with offline_file.open("rb") as f:
        raw = yaml_load(f, get_yaml_loader())   # with its INHERIT merged in: the lists are the offline file's own
    with offline_file.open(encoding="utf-8") as f:
        parent_rel = next((line.split(":", 1)[1].strip() for line in f if line.startswith("INHERIT:")), None)
    if not parent_rel:
        return [f"{offline_file.name} does not inherit another config"]
    with (offline_file.parent / parent_rel).open("rb") as f:
        parent = yaml_load(f, get_yaml_loader())
    out = []
    mine = [p for p in raw.get("plugins", []) if _name(p) not in OWN_PLUGINS]
    if mine != parent.get("plugins", []):
        out.append(f"plugins differ from {parent_rel}'s: copy its plugin entries into {offline_file.name}")
    hooks = [h for h in raw.get("hooks", []) if h not in OWN_HOOKS]
    if hooks != parent.get("hooks", []):
        out.append(f"hooks differ from {parent_rel}'s: copy its hook entries into {offline_file.name}")
    return out


_DESTS: set[str] = set()  # every file the offline build writes, site-relative (set in on_files)
_LINK = re.compile(r'(\s(?:href|xlink:href)=")([^"]*)(")')


def _dir_url(src_uri: str) -> str:
    """The URL a page would have with directory URLs, as a folder path without the final slash ("" for the root)."""
    stem = src_uri[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        return posixpath.dirname(stem)
    return stem


def file_link(href: str, page_src: str, page_url: str, dests: set[str]) -> str:
    """A link written for directory URLs, pointed at the file the offline build has for it (unchanged if none).

    Only relative links whose path ends in a slash are touched: the ones MkDocs rewrites already name files.
    """
    if not href or href.startswith(("#", "/")) or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", href):
        return href
    path, rest = re.match(r"([^?#]*)(.*)", href, re.S).groups()
    if not path.endswith("/") and path not in (".", ".."):
        return href
    target = posixpath.normpath(posixpath.join(_dir_url(page_src) or ".", path))
    candidates = ["index.html"] if target == "." else [f"{target}.html", f"{target}/index.html"]
    found = next((c for c in candidates if c in dests), None)
    if found is None:
        return href
    here = posixpath.dirname(page_url) or "."
    return posixpath.relpath(found, here) + rest


def _remote(url) -> bool:
    return bool(urlsplit(str(url)).netloc)


def archive_name(version: str) -> str:
    return f"maestro-playbook-offline-v{version}"


@event_priority(-100)  # after Material's offline plugin has added its CDN shim to the polyfills
def on_config(config):
    if "offline" not in config.plugins and "material/offline" not in config.plugins:
        raise PluginError("maestro_site/offline.py belongs to the offline build: enable Material's offline plugin next to it")
    problems = drift(config.config_file_path)
    if problems:
        raise PluginError("; ".join(problems))
    polyfills = [p for p in config.extra.get("polyfills", []) if not _remote(p)]
    config.extra["polyfills"] = polyfills + [SHIM]
    remote = [str(u) for u in list(config.extra_javascript) + list(config.extra_css) if _remote(u)]
    if remote:
        raise PluginError("the offline copy must not load anything from another host: " + ", ".join(remote))
    return config


def on_files(files, config):
    files.append(File.generated(config, SHIM, content=SHIM_SOURCE.read_text(encoding="utf-8")))
    _DESTS.clear()
    _DESTS.update(f.dest_uri for f in files)
    return files


def on_post_page(output, page, config):
    src, url = page.file.src_uri, page.file.url
    return _LINK.sub(lambda m: m.group(1) + file_link(m.group(2), src, url, _DESTS) + m.group(3), output)


@event_priority(-200)  # after the search plugin wrote the index and the offline plugin turned it into a script
def on_post_build(config):
    kb = site.build_kb()
    out = Path(config.site_dir).resolve()
    name = archive_name(kb.version)
    target = out.parent / f"{name}.zip"
    tmp = target.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            z.write(path, f"{name}/{path.relative_to(out).as_posix()}")
    tmp.replace(target)
