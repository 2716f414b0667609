"""Publish the site of one release into the local gh-pages branch with mike (`make release-site`). Never pushes.

    python -m maestro_site.publish [--version X.Y.Z] [--branch gh-pages] [--replace] [--allow-dirty]

What the branch holds afterwards (docs/reference/releasing.md says the same for readers):

- ``<version>/``: the release's site, built with mkdocs.release.yml (version selector, outdated banner). A
  published version is never rebuilt unless ``--replace`` is given, so a versioned citation keeps showing
  what it cited.
- ``latest/``: a copy of the newest release, moved by each newer release (mike's ``--update-aliases``).
- the top of the branch: another copy of the newest release, so the addresses of the URL contract
  (/threats/T12/, /ids.json, /kb.json, /T12/) keep answering at the domain root. ``mike set-default`` is
  not used: it would put a redirect in place of the home page and leave every other root address empty.
- ``versions.json``: mike's list of versions and aliases, read by the version selector.

A release older than the newest one already published (a fix to an old line) gets its own folder only:
``latest`` and the top of the branch stay with the newest release. Aliases are real copies, not symbolic
links, so any static host serves them; git stores each identical file once, so the copies cost no space
in the repository.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import yaml

from maestro import urls

CONFIG = "mkdocs.release.yml"
ALIAS = "latest"


def _key(version: str) -> tuple:
    return tuple(int(x) for x in version.split("."))


def kb_version(root: Path) -> str:
    with (root / "data" / "meta.yaml").open(encoding="utf-8") as f:
        return str(yaml.safe_load(f)["version"])


def _git(*args, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def published(branch: str) -> dict[str, list[str]]:
    """{version: aliases} already on the branch (empty if the branch does not exist yet)."""
    from mike import commands
    return {str(v.version): sorted(v.aliases) for v in commands.list_versions(branch)}


def refresh_root(branch: str, version: str) -> None:
    """Make the top of the branch a copy of ``version``'s folder, leaving every version, alias and mike file alone."""
    from mike import commands, git_utils
    versions = commands.list_versions(branch)
    keep = {str(v.version) for v in versions} | {a for v in versions for a in v.aliases} | {"versions.json", ".nojekyll"}
    top = [p for p in _git("ls-tree", "--name-only", branch, cwd=Path.cwd()).splitlines() if p not in keep]
    with git_utils.Commit(branch, f"Root of the site: copy of release {version}") as commit:
        commit.delete_files(top)
        for f in git_utils.walk_files(branch, version):
            commit.add_file(f.copy("", version))


def publish(version: str | None = None, branch: str = "gh-pages", replace: bool = False, allow_dirty: bool = False,
            root: Path | None = None, out=sys.stdout) -> dict:
    """Deploy the checkout at ``root`` (default: the current directory) as ``version``; returns {version: aliases} after."""
    root = Path(root or Path.cwd()).resolve()
    here = Path.cwd()
    os.chdir(root)   # mike's git helpers work on the repository of the current directory
    try:
        return _publish(version, branch, replace, allow_dirty, root, out)
    finally:
        os.chdir(here)


def _site_address() -> str:
    """The address the site is published at (SITE_URL): a release cites it in every page, so it must be set and real."""
    try:
        address = urls.site_url()
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    if address is None:
        raise SystemExit("SITE_URL is not set: set it to the https address the site is published at (for GitHub Pages "
                         "https://<owner>.github.io/<repository>/), so citations, canonical links and the sitemap resolve")
    return address


def _publish(version, branch, replace, allow_dirty, root: Path, out) -> dict:
    _site_address()
    current = kb_version(root)
    version = version or current
    if version != current:
        raise SystemExit(f"VERSION={version} but data/meta.yaml says {current}: bump data/meta.yaml first (docs/reference/releasing.md)")
    if not allow_dirty and _git("status", "--porcelain", "--untracked-files=no", cwd=root).strip():
        raise SystemExit("the work tree has uncommitted changes: publish from the release's tagged commit (or pass --allow-dirty)")
    if f"v{version}" not in _git("tag", "--points-at", "HEAD", cwd=root).split():
        print(f"warning: HEAD is not tagged v{version}; the published site will not match a release tag", file=out)
    before = published(branch)
    if version in before and not replace:
        raise SystemExit(f"{version} is already published on {branch}; a release's pages are never rebuilt (pass --replace to do it anyway)")
    newest = all(_key(version) >= _key(v) for v in before)
    bindir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")  # mike runs `mkdocs` from PATH
    cmd = [str(bindir / "mike"), "deploy", "--config-file", CONFIG, "--branch", branch, "--alias-type", "copy",
           "--message", f"Release {version} of the site"]
    cmd += ["--update-aliases", version, ALIAS] if newest else [version]
    subprocess.run(cmd, cwd=root, env=env, check=True)
    if newest:
        refresh_root(branch, version)
    after = published(branch)
    print(f"published {version} on {branch}" + (f" as {ALIAS} and at the root" if newest else " (an older line: latest unchanged)"), file=out)
    print(f"nothing was pushed; to go live: git push origin {branch}", file=out)
    return after


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m maestro_site.publish", description=__doc__.split("\n\n")[0])
    ap.add_argument("--version", help="the release to publish (default: data/meta.yaml's version; must equal it)")
    ap.add_argument("--branch", default="gh-pages")
    ap.add_argument("--replace", action="store_true", help="rebuild a version that is already published")
    ap.add_argument("--allow-dirty", action="store_true", help="publish even with uncommitted changes")
    a = ap.parse_args(argv)
    publish(a.version or None, a.branch, a.replace, a.allow_dirty)
    return 0


if __name__ == "__main__":
    sys.exit(main())
