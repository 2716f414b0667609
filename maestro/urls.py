"""The URL contract: where the page of each ID lives. Published; never changes."""


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
