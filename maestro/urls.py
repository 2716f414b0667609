"""The URL contract: where the page of each ID lives, and where the site is published. Published; never changes.

The host is configuration, not a constant: ``SITE_URL`` (an https address) is set when a site is built for publishing
and sets MkDocs' ``site_url`` (mkdocs.yml) and every absolute address derived from it: citations, canonical links,
the sitemap, llms.txt, the report's links, SARIF and MCP answers. Without it every address is site-relative
(``/threats/T12/``) and the site's copy buttons cite the address the page was served from.
"""
from __future__ import annotations

import os
from urllib.parse import urlsplit

SITE_URL_VARIABLE = "SITE_URL"
PLACEHOLDER_HOST = "maestro-playbook.example.org"
"""The host earlier releases printed in every citation although nothing was ever published there."""

# The $id of every published JSON Schema: an identifier (JSON Schema does not require it to resolve), fixed since
# release 1.0.0 so that documents validated against those schemas keep naming the same schema.
SCHEMA_BASE = f"https://{PLACEHOLDER_HOST}/schemas/"


def site_url(value: str | None = None) -> str | None:
    """The published site's address, ending in a slash: ``value`` if given, else the SITE_URL environment variable;
    None when neither is set. Only an https address is accepted, and never the placeholder host."""
    raw = (os.environ.get(SITE_URL_VARIABLE, "") if value is None else value).strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"{SITE_URL_VARIABLE} must be an https address, not {raw!r}")
    if parts.hostname == PLACEHOLDER_HOST:
        raise ValueError(f"{SITE_URL_VARIABLE} is the placeholder host {PLACEHOLDER_HOST}: set the address the site is published at")
    return raw if raw.endswith("/") else raw + "/"


def schema_id(name: str) -> str:
    """The $id of a published schema, e.g. schema_id("state") or schema_id("data/threats")."""
    return f"{SCHEMA_BASE}{name}.schema.json"


def src_of(kind: str, ident) -> str:
    """Docs-relative Markdown source path of the page of an ID."""
    if kind == "threat":
        return f"threats/{ident}.md"
    if kind == "blindspot":
        return f"blindspots/{ident}.md"
    if kind == "mitigation":
        return f"mitigations/{ident}.md"
    if kind == "layer":
        return "layers/cross-layer.md" if ident == "CL" else f"layers/{ident}.md"
    raise ValueError(f"no page for kind {kind!r}")


def url_of(kind: str, ident) -> str:
    """Root-relative public URL of the page of an ID, e.g. /threats/T12/."""
    return "/" + src_of(kind, ident)[: -len(".md")] + "/"


def permanent_url(kind: str, ident, base: str | None = None) -> str:
    """The URL that always shows the current meaning of an ID: https://<site>/threats/T12/, or /threats/T12/ when no
    site address is configured (``base``, else SITE_URL)."""
    base = base or site_url()
    return base + url_of(kind, ident)[1:] if base else url_of(kind, ident)


def versioned_url(kind: str, ident, version: str, base: str | None = None) -> str | None:
    """The URL of an ID's page as published in one release (each release lives under its version, see
    docs/reference/releasing.md): https://.../1.1.0/threats/T12/ keeps showing 1.1.0 after later releases. None when no
    site address is configured: only a published site has its releases under their versions."""
    base = base or site_url()
    return f"{base}{version}/" + url_of(kind, ident)[1:] if base else None
