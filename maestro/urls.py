"""The URL contract: where the site lives and where the page of each ID lives. Published; never changes."""

# The official site's address; data/meta.yaml's site_url says the same (tests/test_schema_docs.py checks).
SITE_URL = "https://maestro-playbook.example.org/"
# Where the published JSON Schemas live (their $id): every schema URL is built from this one constant.
SCHEMA_BASE = f"{SITE_URL}schemas/"


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


def permanent_url(kind: str, ident) -> str:
    """The URL that always shows the current meaning of an ID: https://.../threats/T12/."""
    return SITE_URL + url_of(kind, ident)[1:]


def versioned_url(kind: str, ident, version: str) -> str:
    """The URL of an ID's page as published in one release (each release lives under its version, see
    docs/reference/releasing.md): https://.../1.1.0/threats/T12/ keeps showing 1.1.0 after later releases."""
    return f"{SITE_URL}{version}/" + url_of(kind, ident)[1:]
