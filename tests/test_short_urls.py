"""Short ID URLs (/T12/, /BV-7/, /L3-D2/, /L3/, /CL/) lead to the ID's own page (issue 13)."""
from __future__ import annotations

import posixpath
import re

import pytest

from maestro.urls import url_of

pytestmark = pytest.mark.build

REFRESH = re.compile(r'<meta http-equiv="refresh" content="0; url=([^"]+)">')
CANONICAL = re.compile(r'<link rel="canonical" href="([^"]+)">')


@pytest.mark.kb_params("ident,kind", lambda kb: [(i, info["type"]) for i, info in kb.all_ids().items()])
def test_every_id_has_a_short_form(parse_html, site, ident, kind):
    text = (site / ident / "index.html").read_text(encoding="utf-8")
    target = url_of(kind, ident)
    (refresh,) = REFRESH.findall(text)
    (canonical,) = CANONICAL.findall(text)
    # relative, so it works at any base path and from disk, and resolving to the ID's one page
    assert not refresh.startswith(("/", "http")) and refresh == canonical
    assert posixpath.normpath(posixpath.join(f"/{ident}/", refresh)) + "/" == target
    p = parse_html(text)
    assert [h for h, _, _ in p.links] == [refresh]      # a plain link for readers without refresh or script
    assert p.title.startswith(ident)
    assert (site / target.strip("/") / "index.html").exists()


def test_short_forms_are_the_canonical_case_only(kb, site):
    assert (site / "CL" / "index.html").exists() and (site / "L3-D2" / "index.html").exists()
    assert not (site / "cl").exists() and not (site / "t12").exists()
    short = {p.name for p in site.iterdir() if (p / "index.html").exists() and REFRESH.search((p / "index.html").read_text(encoding="utf-8"))}
    assert short == set(kb.all_ids())


@pytest.mark.slow
@pytest.mark.parametrize("path", ["T12.md", "t12/index.md", "cl.md"])
def test_a_page_in_the_way_of_a_short_form_stops_the_build(mkdocs, project_copy, path):
    """Compared without case: T12/ and t12/ are one folder on macOS and Windows, where the offline zip is unpacked."""
    page = project_copy / "docs" / path
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text("# In the way\n", encoding="utf-8")
    res = mkdocs("build", "--strict", "-d", str(project_copy / "site"), cwd=project_copy, check=False)
    assert res.returncode != 0
    short = path.split("/")[0].removesuffix(".md").upper()
    assert "short ID URLs collide" in res.stderr + res.stdout and f"/{short}/" in res.stderr + res.stdout
