"""The offline copy of the site, for air-gapped workshops: `make offline`, which builds with ``MAESTRO_OFFLINE=true``.

That switch turns on Material's offline plugin (mkdocs.yml): file names instead of directory URLs, the search index as
a script. The Linker writes the links of raw HTML for the same URLs (maestro_site/render.py ``page_url``), so the copy
works opened from disk. The maestro plugin adds what an air-gapped reader still lacks:

- the offline plugin would load a Web Worker shim from a CDN; maestro_site/offline_worker.js stands in for it;
- after the build, the whole site goes into maestro-playbook-offline-v<version>.zip beside the site folder, under one
  top folder of the same name, so it unpacks into a folder of its own.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

SHIM = "assets/javascripts/offline-worker.js"
SHIM_SOURCE = Path(__file__).with_name("offline_worker.js")


def enabled(config) -> bool:
    """Whether this build is the offline copy (Material's offline plugin switched on)."""
    plugin = config.plugins.get("material/offline") or config.plugins.get("offline")
    return bool(plugin and plugin.config.enabled)


def _remote(url) -> bool:
    return bool(urlsplit(str(url)).netloc)


def worker_shim(config) -> File:
    """The local Worker shim, in place of the CDN one the offline plugin put in the polyfills; the build stops if any
    script or stylesheet would still come from another host."""
    config.extra["polyfills"] = [p for p in config.extra.get("polyfills", []) if not _remote(p)] + [SHIM]
    remote = [str(u) for u in list(config.extra_javascript) + list(config.extra_css) if _remote(u)]
    if remote:
        raise PluginError("the offline copy must not load anything from another host: " + ", ".join(remote))
    return File.generated(config, SHIM, content=SHIM_SOURCE.read_text(encoding="utf-8"))


def archive_name(version: str) -> str:
    return f"maestro-playbook-offline-v{version}"


def pack(site: Path, version: str) -> Path:
    """The built ``site`` as maestro-playbook-offline-v<version>.zip beside it, written whole or not at all."""
    out = site.resolve()
    name = archive_name(version)
    target = out.parent / f"{name}.zip"
    tmp = target.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            z.write(path, f"{name}/{path.relative_to(out).as_posix()}")
    tmp.replace(target)
    return target
