"""Published IDs last: every kept release's ids.json still resolves, and the lifecycle works end to end."""
from __future__ import annotations

import functools
import json
import re
import shutil
from pathlib import Path

import pytest

from maestro import exports, releases

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def current(kb) -> dict:
    """ids.json of the current knowledge base, computed when a test first needs it."""
    return exports.ids_json(kb)


KEPT = releases.kept()


def test_the_first_release_is_kept():
    assert "1.0.0" in KEPT and len(KEPT["1.0.0"]["ids"]) == 185


@pytest.mark.parametrize("version,ident", [(v, i) for v, doc in KEPT.items() for i in doc["ids"]])
def test_published_id_still_resolves(kb, version, ident):
    old = KEPT[version]["ids"][ident]
    now = current(kb)["ids"].get(ident)
    assert now is not None, f"{ident} of v{version} disappeared"
    assert now["type"] == old["type"] and now["url"] == old["url"], ident
    if now["status"] == "revoked":
        assert current(kb)["ids"][now["replaced_by"]]["type"] == old["type"]
    else:
        assert now["name"] == old["name"] or old["status"] == "reserved", f"{ident} changed meaning"
    if old["status"] == "reserved":
        assert now["status"] == "reserved", f"reserved {ident} was reused"


def test_a_kept_release_is_never_rewritten(kb, tmp_path):
    shutil.copytree(releases.ROOT, tmp_path / "releases")
    (tmp_path / "releases" / kb.version).mkdir(exist_ok=True)
    (tmp_path / "releases" / kb.version / "ids.json").write_text('{"version": "x", "ids": {}}')
    with pytest.raises(ValueError, match="never rewritten"):
        releases.snapshot(kb, tmp_path / "releases")


def test_changes_between_releases_are_computed(kb):
    c = releases.changes(KEPT["1.0.0"], current(kb))
    assert c["removed"] == [] and ("mitre_atlas", "5.6.0", kb.atlas_edition) in c["editions"]


def test_namespaced_forms_resolve(kb):
    assert current(kb)["aliases"]["MAESTRO T16"] == "T16" and current(kb)["aliases"]["MAESTRO BV-7"] == "BV-7"
    ext = current(kb)["external"]["OWASP T16"]
    assert ext["collides_with"] == "T16" and ext["nearest"] and all(n in current(kb)["ids"] for n in ext["nearest"])


# ------------------------------------------------------------------ lifecycle, end to end in a copy
def _edit(path, fn):
    path.write_text(fn(path.read_text(encoding="utf-8")), encoding="utf-8")


@pytest.fixture(scope="module")
def lifecycle_site(mkdocs, tmp_path_factory):
    """A copy of the project where T37 is deprecated and BV-11 revoked in favour of BV-5, built strictly."""
    dst = tmp_path_factory.mktemp("lifecycle")
    for name in ("mkdocs.yml", "data", "docs", "maestro_site", "overrides", "maestro", "releases", "CONTRIBUTING.md", "README.md", "AGENTS.md"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dst / name)
    data = dst / "data"
    _edit(data / "threats.yaml", lambda s: s.replace("\n- id: T37\n", "\n- id: T37\n  status: deprecated\n  deprecated: {reason: Folded into T29 for this test., version: 9.9.9}\n", 1))
    _edit(data / "mapping.yaml", lambda s: re.sub(r"\n- threat: T37\n(?:  .*\n)*", "\n", s, count=1))
    _edit(data / "mitigations.yaml", lambda s: re.sub(r"(addresses: \[[^\]]*?)(, T37(?=[,\]])|T37, )", r"\1", s))
    _edit(data / "mitigations.yaml", lambda s: re.sub(r"\n    T37: >-\n(?:      .*\n)+", "\n", s))   # its reasons go with the links
    _edit(data / "decisions.yaml", lambda s: re.sub(r"(adds: \[[^\]]*?)(, T37(?=[,\]])|T37, )", r"\1", s))
    _edit(data / "checklists.yaml", lambda s: s.replace("refs: [T37]", "refs: [T29]").replace("refs: [BV-11]", "refs: [BV-5]"))
    _edit(data / "blindspots.yaml", lambda s: s.replace("\n- id: BV-11\n", "\n- id: BV-11\n  status: revoked\n  revoked: {replaced_by: BV-5, version: 9.9.9, reason: Merged into BV-5 for this test.}\n", 1))
    site = dst / "site"
    res = mkdocs("build", "--strict", "-d", str(site), cwd=dst, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    return site


@pytest.mark.build
def test_deprecated_id_keeps_its_page_with_a_banner(lifecycle_site, parse_html):
    p = parse_html((lifecycle_site / "threats" / "T37" / "index.html").read_text(encoding="utf-8"))
    assert "Deprecated in v9.9.9" in p.text and "Folded into T29" in p.text
    ids = json.loads((lifecycle_site / "ids.json").read_text())["ids"]
    assert ids["T37"]["status"] == "deprecated"


@pytest.mark.build
def test_deprecated_id_leaves_the_lists(lifecycle_site):
    matrix = (lifecycle_site / "playbook" / "03-mapping-matrix" / "index.html").read_text()
    index = (lifecycle_site / "threats" / "index.html").read_text()
    assert ">T37<" not in matrix
    assert re.search(r">T37</a></td><td>Agent Registry Poisoning <em>\(deprecated\)</em></td>", index)  # the ID index keeps it, marked


@pytest.mark.build
def test_revoked_id_redirects(lifecycle_site):
    html = (lifecycle_site / "blindspots" / "BV-11" / "index.html").read_text()
    assert re.search(r'<meta http-equiv="refresh" content="0; url=(\.\./)+(blindspots/)?BV-5/"', html)
    ids = json.loads((lifecycle_site / "ids.json").read_text())["ids"]
    assert ids["BV-11"]["status"] == "revoked" and ids["BV-11"]["replaced_by"] == "BV-5"
