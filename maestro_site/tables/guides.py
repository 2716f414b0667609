"""The terms a guide is searched by (data/guides.yaml), shown under the guide's title."""
from __future__ import annotations

from maestro_site.render import esc
from maestro_site.tables.registry import macro


def guide_aliases(kb) -> dict[str, list[str]]:
    """Docs path of each guide -> its aliases."""
    return {g["page"]: g["aliases"] for g in kb.docs["guides"]["guides"]}


@macro
def also_known_as(kb, L) -> str:
    """The "Also known as" line of the guide that calls it ({{ also_known_as() }} under its title)."""
    aliases = guide_aliases(kb).get(L.here)
    if not aliases:
        raise ValueError(f"docs/{L.here} calls also_known_as() but data/guides.yaml lists no aliases for it")
    return "**Also known as:** " + ", ".join(esc(a) for a in aliases) + "\n{: .maestro-aka }"
