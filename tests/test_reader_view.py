"""Readers get the same site: every built page's title, text and links match tests/golden/reader-view.json.

The golden file holds, per page that is not a redirect stub, the title, the SHA-256 and word count of the
<article>'s whitespace-normalised text, and every link on the page resolved to a site path (the extraction is
``reader_view`` in tests/conftest.py). A change meant for readers is made by running

    pytest tests/test_reader_view.py --write-reader-view

and committing the golden file's diff with the change, so the review sees which pages moved.
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.build


@pytest.fixture
def before_and_now(reader_page, golden_reader_view, site_reader_view):
    """The page as the golden file has it, and as this build has it (None when it is not there)."""
    return golden_reader_view.get(reader_page), site_reader_view.get(reader_page)


@pytest.fixture
def added_pages(golden_reader_view, site_reader_view) -> list[str]:
    return sorted(set(site_reader_view) - set(golden_reader_view))


def test_page_reads_as_before(reader_page, before_and_now):
    """One case per page of the golden file: it still exists, with the same title, text and links."""
    assert reader_page is not None, "tests/golden/reader-view.json is missing: run pytest with --write-reader-view"
    before, now = before_and_now
    if before is None:  # collected from the golden file before --write-reader-view rewrote it without this page
        pytest.skip(f"{reader_page} is no longer in the rewritten golden file")
    assert now is not None, f"{reader_page} is gone from the build (or became a redirect stub)"
    problems = []
    if now["title"] != before["title"]:
        problems.append(f"title: {before['title']!r} -> {now['title']!r}")
    if now["sha256"] != before["sha256"]:
        problems.append(f"text changed: {before['words']} -> {now['words']} words ({now['words'] - before['words']:+d})")
    removed = sorted(set(before["links"]) - set(now["links"]))
    added = sorted(set(now["links"]) - set(before["links"]))
    if removed:
        problems.append("links removed:\n  " + "\n  ".join(removed))
    if added:
        problems.append("links added:\n  " + "\n  ".join(added))
    assert not problems, f"{reader_page} reads differently:\n" + "\n".join(problems)


def test_no_page_is_added(added_pages):
    assert not added_pages, \
        "pages the golden file does not know (run with --write-reader-view if they are meant):\n  " + "\n  ".join(added_pages)


@pytest.mark.slow
def test_two_builds_of_one_tree_read_the_same(site, tmp_path, mkdocs, read_reader_view):
    """A second build of the same tree gives the same reader view, text included (no date or other build-time value
    in what readers see), so the golden file only changes when the pages do."""
    again = tmp_path / "site"
    res = mkdocs("build", "--strict", "-d", str(again), check=False)
    assert res.returncode == 0, f"second strict build failed:\n{res.stdout}\n{res.stderr}"
    first, second = read_reader_view(site), read_reader_view(again)
    assert sorted(first) == sorted(second)
    differ = [rel for rel in first if first[rel] != second[rel]]
    assert not differ, f"pages that differ between two builds of one tree: {differ}"
