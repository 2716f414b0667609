"""Versioned citations (mike): each release keeps its own pages at /<version>/, the newest is also `latest` and the root.

A temporary git repository holds a copy of the project; `python -m maestro_site.publish` (what `make release-site`
runs) publishes the current version, then, after data/meta.yaml is bumped, the next one. The gh-pages branch
is read with git, and served to Chromium for the banner that only an old version shows.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml


pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]

COPY = ("mkdocs.yml", "mkdocs.release.yml", "data", "docs", "maestro_site", "overrides", "maestro", "releases",
        "AGENTS.md", "CLAUDE.md", "CONTRIBUTING.md", "README.md", "manifest.json", ".gitignore")
GIT_ENV = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org"}


def next_minor(version: str) -> str:
    major, minor, _ = (int(x) for x in version.split("."))
    return f"{major}.{minor + 1}.0"


# Read from data/meta.yaml itself, not through the knowledge base: a broken knowledge base must fail tests, not collection.
OLD = str(yaml.safe_load((ROOT / "data" / "meta.yaml").read_text(encoding="utf-8"))["version"])
NEW = next_minor(OLD)


SITE = "https://maestro.test.invalid/"
"""The address these test releases are published at (SITE_URL: a release refuses to publish without one)."""


def _env(**extra):
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", SITE_URL=SITE, **GIT_ENV)  # os.environ carries MAESTRO_CACHE_DIR
    env.update(extra)
    return env


def git(repo: Path, *args) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=_env(), check=True, capture_output=True, text=True).stdout


def publish(repo: Path, *args, check=True):
    res = subprocess.run([sys.executable, "-m", "maestro_site.publish", *args], cwd=repo, env=_env(), capture_output=True, text=True)
    if check:
        assert res.returncode == 0, f"publish failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    return res


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A git repository with OLD and then NEW published into its gh-pages branch."""
    dst = tmp_path_factory.mktemp("versions") / "proj"
    dst.mkdir()
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dst / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dst / name)
    git(dst, "init", "-q", "-b", "main")
    git(dst, "add", "-A")
    git(dst, "commit", "-qm", f"release {OLD}")
    git(dst, "tag", f"v{OLD}")
    publish(dst)
    meta = dst / "data" / "meta.yaml"
    text, n = re.subn(rf"^version: {re.escape(OLD)}$", f"version: {NEW}", meta.read_text(encoding="utf-8"), flags=re.M)
    assert n == 1
    meta.write_text(text, encoding="utf-8")
    git(dst, "commit", "-qam", f"release {NEW}")
    git(dst, "tag", f"v{NEW}")
    publish(dst)
    return dst


def show(repo: Path, path: str) -> str:
    return git(repo, "show", f"gh-pages:{path}")


def test_both_versions_keep_their_own_citation(parse_html, repo):
    for v in (OLD, NEW):
        p = parse_html(show(repo, f"{v}/threats/T12/index.html"))
        assert p.h1.startswith("T12") and "T12" in p.title
        assert f"MAESTRO T12 (v{v})" in p.text, v
        assert json.loads(show(repo, f"{v}/ids.json"))["version"] == v
        assert "threats/T12/" in show(repo, f"{v}/T12/index.html")   # the short form, inside the version too


def test_versions_json_lists_both_with_latest_on_the_newest(repo):
    versions = json.loads(show(repo, "versions.json"))
    assert [(v["version"], v["aliases"]) for v in versions] == [(NEW, ["latest"]), (OLD, [])]


def test_latest_and_the_root_show_the_newest_release(parse_html, repo):
    for prefix in ("latest/", ""):
        assert f"MAESTRO T12 (v{NEW})" in parse_html(show(repo, f"{prefix}threats/T12/index.html")).text, prefix or "root"
        assert json.loads(show(repo, f"{prefix}ids.json"))["version"] == NEW
    # the URL contract at the domain root: ID pages, short forms, exports
    top = set(git(repo, "ls-tree", "--name-only", "gh-pages").split())
    assert {OLD, NEW, "latest", "versions.json", "threats", "layers", "T12", "CL", "ids.json", "kb.json", "llms.txt"} <= top


def test_old_version_carries_the_outdated_banner(repo):
    html = show(repo, f"{OLD}/threats/T12/index.html")
    banner = html[html.index('data-md-component="outdated"'):]
    banner = banner[: banner.index("</aside>")]
    assert "older release of the MAESTRO Playbook" in banner
    assert 'href="../../../latest/threats/T12/"' in banner   # the same ID in the newest release
    # the banner stays hidden until Material's script finds the version is not `latest`
    assert re.search(r'data-md-component="outdated"\s+hidden', html)
    config = json.loads(re.search(r'<script id="__config" type="application/json">(.*?)</script>', html, re.S).group(1))
    assert config["version"] == {"provider": "mike", "default": "latest"}


@pytest.mark.parametrize("site,message", [("", "SITE_URL is not set"), ("https://maestro-playbook.example.org/", "placeholder host"),
                                          ("http://example.com/", "must be an https address")])
def test_publishing_needs_a_real_https_address(tmp_path, site, message):
    res = subprocess.run([sys.executable, "-m", "maestro_site.publish", "--allow-dirty"], cwd=ROOT, env=_env(SITE_URL=site),
                         capture_output=True, text=True)
    assert res.returncode != 0 and message in res.stderr, res.stderr[-800:]


def test_a_published_version_is_never_rebuilt(repo):
    res = publish(repo, check=False)
    assert res.returncode != 0 and "already published" in res.stderr
    res = publish(repo, "--version", OLD, check=False)
    assert res.returncode != 0 and "data/meta.yaml says" in res.stderr


def test_everyday_builds_have_no_version_provider():
    """make serve and make test build mkdocs.yml, which never asks for versions.json; only the release config does."""
    from mkdocs.utils.yaml import get_yaml_loader, yaml_load
    with (ROOT / "mkdocs.yml").open("rb") as f:
        main = yaml_load(f, get_yaml_loader())
    with (ROOT / "mkdocs.release.yml").open("rb") as f:
        release = yaml_load(f, get_yaml_loader())
    assert "version" not in (main.get("extra") or {})
    assert release["extra"]["version"] == {"provider": "mike", "default": "latest"}
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "## release-site:" in make and "python -m maestro_site.publish" in make
    assert "mike==2.2.0" in (ROOT / "requirements.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def served(repo, tmp_path_factory, serve_directory):
    """The gh-pages branch as a static host would serve it."""
    out = tmp_path_factory.mktemp("gh-pages")
    tar = out / "pages.tar"
    subprocess.run(["git", "archive", "-o", str(tar), "gh-pages"], cwd=repo, check=True)
    with tarfile.open(tar) as t:
        t.extractall(out / "www", filter="data")
    return serve_directory(out / "www")


@pytest.mark.browser
@pytest.mark.parametrize("prefix,outdated", [(f"/{OLD}", True), (f"/{NEW}", False), ("/latest", False), ("", False)])
def test_banner_and_version_selector_in_the_browser(browser, served, prefix, outdated):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(f"{served}{prefix}/threats/T12/", wait_until="networkidle")
    banner = pg.locator('[data-md-component="outdated"]')
    if outdated:
        banner.wait_for(state="visible", timeout=5000)
    assert banner.is_visible() == outdated
    assert pg.locator(".md-version__current").inner_text().strip() == (OLD if prefix == f"/{OLD}" else NEW)
    assert not errors, errors
    ctx.close()
