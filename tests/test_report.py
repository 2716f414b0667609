"""`maestro report` (issue 22): one self-contained file a security lead can hand on, built from the checked records.

Every worked example and a copy of the fixture engagement are reported; each report is parsed and must load nothing
from any other file or host (in-page anchors and versioned knowledge-base links only), hold every threat, roadmap
item and residual record, put the executive summary before the register, carry a heatmap and a labelled
architecture diagram, and escape every value. A model that fails `maestro check` is refused, or marked as a draft
with --draft. The printed pages are tested in test_report_browser.py.
"""
from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from maestro import checks, report, report_render, urls

ROOT = Path(__file__).resolve().parents[1]

EXAMPLES = ROOT / "data" / "examples"
FIXTURE = ROOT / "tests" / "fixtures" / "engagement" / "clinic-assistant"
PASSING = ["rag-agent.json", "devops-deployment.json", "quickstart.json", "clinic-assistant"]
FAILING = "accounts-payable.json"   # a draft example that fails `maestro check` on purpose (the risk-scoring guide)
MAX_BYTES = 3 * 1024 * 1024
SECTIONS = ["summary", "heatmap", "architecture", "roadmap", "register", "residual", "validation", "scope", "appendix"]
KB_LINK = re.compile(r"https://maestro\.test\.invalid/(?P<version>[0-9]+\.[0-9]+\.[0-9]+)/"
                     r"(?P<dir>threats|blindspots|mitigations|layers)/(?P<page>[A-Za-z0-9-]+)/")


class Parsed(HTMLParser):
    """Every tag, id, address (href, xlink:href, src and the like) and url() of a report, and its text in order."""

    ADDRESSES = ("href", "xlink:href", "src", "srcset", "action", "formaction", "poster", "data", "background", "ping", "manifest")

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.ids: list[str] = []
        self.addresses: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.styles: list[str] = []
        self.text_parts: list[str] = []
        self._in_style = False
        self.feed(text)
        self.raw = text

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name == "id":
                self.ids.append(value)
            if name in self.ADDRESSES:
                self.addresses.append((tag, name, value or ""))
            if name == "style":
                self.styles.append(value or "")
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)
        else:
            self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())


def source(name: str, tmp_path: Path) -> Path:
    """A copy of a worked example or of the fixture engagement in ``tmp_path``."""
    if name == "clinic-assistant":
        return Path(shutil.copytree(FIXTURE, tmp_path / "threat-models" / name))
    return Path(shutil.copy2(EXAMPLES / name, tmp_path / name))


def run_report(maestro_cli, path: Path, *args) -> tuple[int, dict, str]:
    code, out, err = maestro_cli("--json", "report", path, *args, cwd=path.parent)
    return code, (json.loads(out) if out.strip().startswith("{") else {}), err


def records(path: Path) -> dict:
    return json.loads((path / "threat-model.json" if path.is_dir() else path).read_text(encoding="utf-8"))


SITE = "https://maestro.test.invalid/"


@pytest.fixture(scope="module", autouse=True)
def published_site():
    """Reports link IDs to the published site, whose address is SITE_URL (maestro/urls.py); these tests set one."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SITE_URL", SITE)
        yield


@pytest.fixture(scope="module")
def reports(maestro_cli, tmp_path_factory) -> dict:
    """name -> (source path, JSON answer, report text, parsed report) for every engagement that passes the checks."""
    out = {}
    for name in PASSING:
        path = source(name, tmp_path_factory.mktemp(name.replace(".", "-")))
        code, answer, err = run_report(maestro_cli, path)
        assert code == 0, f"{name}: exit {code}\n{err}"
        text = Path(answer["file"]).read_text(encoding="utf-8")
        out[name] = (path, answer, text, Parsed(text))
    return out


# ------------------------------------------------------------------ one file, nothing from elsewhere
@pytest.mark.parametrize("name", PASSING)
def test_report_is_one_file_where_the_issue_says(reports, name):
    path, answer, text, _ = reports[name]
    want = path / "report.html" if path.is_dir() else path.with_name(path.stem + "-report.html")
    assert Path(answer["file"]) == want and want.is_file()
    assert answer["format"] == "html" and answer["bytes"] == len(text.encode("utf-8")) < MAX_BYTES
    doc = records(path)
    for key, field in (("threats", "threats"), ("roadmap", "roadmap"), ("residual_risks", "residual_risks"),
                       ("code_validation", "code_validation"), ("mitigations", "mitigations")):
        assert answer["counts"][key] == len(doc.get(field) or []), key


@pytest.mark.parametrize("name", PASSING)
def test_report_loads_nothing_from_another_file_or_host(reports, name, kb):
    _, _, text, page = reports[name]
    assert not {"script", "link", "img", "iframe", "object", "embed", "base", "form", "video", "audio", "source"} & set(page.tags)
    ids = set(page.ids)
    for tag, attr, value in page.addresses:
        assert attr in ("href", "xlink:href"), (tag, attr, value)
        if value.startswith("#"):
            assert value[1:] in ids, f"{name}: in-page link to a missing anchor {value}"
            continue
        m = KB_LINK.fullmatch(value)
        assert m, f"{name}: {tag} {attr}={value} is neither an in-page anchor nor a versioned knowledge-base link"
        page_id = "CL" if (m["dir"], m["page"]) == ("layers", "cross-layer") else m["page"]
        assert page_id in kb.all_ids(), value
        assert value == urls.versioned_url({"threats": "threat", "blindspots": "blindspot", "mitigations": "mitigation",
                                            "layers": "layer"}[m["dir"]], page_id, m["version"])
    css = " ".join(page.styles)
    assert "@import" not in css and not re.search(r"url\(\s*(?!#)", css), "a stylesheet may refer only to in-page fragments"
    assert re.findall(r"url\(([^)]*)\)", text) == ["#dg-head"] * len(re.findall(r"url\(", text)), "only the diagram's arrow head"
    assert 'http-equiv="Content-Security-Policy" content="default-src \'none\'' in text
    assert len(ids) == len(page.ids), "every anchor is unique"


def test_without_a_site_address_ids_are_not_linked_and_the_report_says_so(maestro_cli, reports, tmp_path, monkeypatch):
    monkeypatch.delenv("SITE_URL")
    old = tmp_path / "plain.json"
    old.write_text(json.dumps(records(reports["rag-agent.json"][0])), encoding="utf-8")
    code, answer, err = run_report(maestro_cli, old, "--draft")
    assert code == 0, err
    page = Parsed(Path(answer["file"]).read_text(encoding="utf-8"))
    assert all(v.startswith("#") for _, _, v in page.addresses), "no link to a site that has no address"
    assert "no site address was configured, so they are not linked" in page.text


def test_links_point_at_the_release_the_engagement_used(maestro_cli, reports, tmp_path, kb):
    doc = records(reports["rag-agent.json"][0])
    doc["kb_version"] = "1.0.0"
    old = tmp_path / "old.json"
    old.write_text(json.dumps(doc), encoding="utf-8")
    code, answer, err = run_report(maestro_cli, old, "--draft")
    assert code == 0, err
    page = Parsed(Path(answer["file"]).read_text(encoding="utf-8"))
    versions = {KB_LINK.fullmatch(v)["version"] for _, _, v in page.addresses if not v.startswith("#")}
    assert versions == {"1.0.0"} and all(v.startswith("https://maestro.test.invalid/1.0.0/")
                                           for _, _, v in page.addresses if not v.startswith("#"))
    assert f"this report was written with v{kb.version}" in page.text


def test_a_full_model_links_at_least_ten_knowledge_base_pages(reports):
    _, _, _, page = reports["rag-agent.json"]
    links = {v for _, _, v in page.addresses if KB_LINK.fullmatch(v)}
    assert len(links) >= 10 and all(KB_LINK.fullmatch(v)["version"] == "1.1.0" for v in links)
    assert any("/threats/T6/" in v for v in links) and any("/mitigations/L1-P1/" in v for v in links)


# ------------------------------------------------------------------ what it holds, in what order
@pytest.mark.parametrize("name", PASSING)
def test_every_threat_roadmap_item_and_residual_record_is_there(reports, name):
    path, _, _, page = reports[name]
    doc, ids = records(path), set(page.ids)
    for key, prefix in (("threats", "threat"), ("roadmap", "rem"), ("residual_risks", "rr")):
        for r in doc.get(key) or []:
            assert f"{prefix}-{r['id']}" in ids, f"{name}: {key} {r['id']} has no entry"
            assert r["id"] in page.text
    for t in doc["threats"]:
        assert t["name"] in page.text, t["id"]


@pytest.mark.parametrize("name", PASSING)
def test_sections_come_in_reading_order_summary_before_register(reports, name):
    _, _, text, page = reports[name]
    where = [page.ids.index(s) for s in SECTIONS]
    assert where == sorted(where), f"{name}: sections out of order"
    assert text.index('id="summary"') < text.index('id="register"')
    title_end = text.index("</header>")
    for fact in ("Assessment date", "Analysts", "Analysis depth", "Layers in scope", "Knowledge base", "Check status"):
        assert text.index(fact) < title_end, fact


@pytest.mark.parametrize("name", PASSING)
def test_heatmap_places_every_threat_by_severity_and_likelihood(reports, name, kb):
    path, _, text, _ = reports[name]
    section = text[text.index('id="heatmap"'):text.index('id="architecture"')]
    grid = section[:section.index('class="heatmap shift"')]
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", grid, re.S)
    assert [r[0] for r in rows] == [s["level"] for s in reversed(kb.scoring["severity"])]
    likelihoods = [s["level"] for s in kb.scoring["likelihood"]]
    for t in records(path)["threats"]:
        if t.get("likelihood") not in likelihoods:  # a draft threat not yet scored for likelihood is listed under the grid
            assert f'href="#threat-{t["id"]}"' in section[section.index("Not placed"):section.index('class="heatmap shift"')]
            continue
        cells = re.findall(r"<td.*?</td>", dict(rows)[t["severity"]], re.S)
        cell = cells[likelihoods.index(t["likelihood"])]
        assert f'href="#threat-{t["id"]}"' in cell, t["id"]
        assert kb.scoring["matrix"][t["severity"]][t["likelihood"]] in cell
    shift = section[section.index('class="heatmap shift"'):]
    placed = re.findall(r'href="#threat-([^"]+)"', shift)
    assert sorted(placed) == sorted(t["id"] for t in records(path)["threats"]), "every threat sits once in the inherent-to-effective table"


@pytest.mark.parametrize("name", PASSING)
def test_architecture_is_the_labelled_diagram_of_maestro_diagram(reports, name):
    path, _, text, _ = reports[name]
    section = text[text.index('id="architecture"'):text.index('id="roadmap"')]
    svg = re.search(r"<svg .*?</svg>", section, re.S)
    assert svg and 'role="' in svg[0] and 'aria-labelledby="' in svg[0] and 'aria-describedby="' in svg[0]
    doc = records(path)
    assert f"<title id=" in svg[0] and f"Architecture and trust boundaries of {doc['project']}</title>" in svg[0]
    for zone in doc.get("trust_zones") or []:
        assert zone["name"].replace("&", "&amp;") in svg[0]
    for b in doc.get("trust_boundaries") or []:
        assert re.search(rf">{b['id']}[ <]", svg[0]), b["id"]


def test_summary_names_the_risk_appetite_or_says_there_is_none(reports):
    _, _, _, clinic = reports["clinic-assistant"]
    summary = clinic.text[clinic.text.index("Executive summary"):clinic.text.index("Risk heatmap Each")]
    assert "Risk appetite" in summary and "red-flag symptom routed to a routine booking is not tolerable" in summary
    assert "CLN-T3" in summary and "Decisions for the reader" in summary and "2027-01-04" in summary
    _, _, _, rag = reports["rag-agent.json"]
    summary = rag.text[rag.text.index("Executive summary"):rag.text.index("Risk heatmap Each")]
    assert "Phase 1 records no risk appetite or tolerance" in summary
    for rr in (r for r in records(reports["rag-agent.json"][0])["residual_risks"] if r["disposition"] != "Mitigated"):
        assert rr["id"] in summary, rr["id"]


def test_top_risks_follow_the_phase_10_summary(reports):
    path, _, text, _ = reports["clinic-assistant"]
    top = text[text.index("<h3>Top risks</h3>"):text.index("<h3>Against the risk appetite</h3>")]
    assert re.findall(r'href="#threat-([A-Z0-9-]+)"', top) == records(path)["summary"]["top_risks"]


def test_controls_show_what_scoring_counts(reports):
    _, _, text, _ = reports["clinic-assistant"]
    register = text[text.index('id="register"'):text.index('id="residual"')]
    assert "code validation CV" in register and "Partially Implemented" in register


# ------------------------------------------------------------------ honest: refusal, draft, stale export
def test_a_model_that_fails_check_is_refused(maestro_cli, tmp_path):
    path = source(FAILING, tmp_path)
    code, answer, _ = run_report(maestro_cli, path)
    errors = sum(1 for f in checks.check_path(report_kb(), path)[0] if f.severity == "error")
    assert code == 1 and errors and answer == {"written": False, "errors": errors, "path": str(path)}
    assert list(tmp_path.iterdir()) == [path], "nothing was written"
    code, out, _ = maestro_cli("report", path, cwd=tmp_path)
    assert code == 1 and f"({errors} error(s))" in out and f"maestro check {path}" in out and "--draft" in out


def report_kb():
    from maestro.cli import _kb
    return _kb()


def test_draft_is_written_with_a_banner_on_screen_and_on_paper(maestro_cli, tmp_path):
    path = source(FAILING, tmp_path)
    code, answer, err = run_report(maestro_cli, path, "--draft")
    assert code == 0 and answer["draft"] is True, err
    findings = checks.check_path(report_kb(), path)[0]
    n = sum(1 for f in findings if f.severity in ("error", "pending"))
    text = Path(answer["file"]).read_text(encoding="utf-8")
    page = Parsed(text)
    assert f"Draft: {n} open findings" in page.text and page.text.index("Draft:") < page.text.index("Executive summary")
    assert "@top-center" in text and "Fails maestro check" in page.text
    assert answer["counts"]["errors"] == sum(1 for f in findings if f.severity == "error")


def test_a_model_with_unfinished_phases_is_marked_draft_even_when_it_passes(reports):
    _, answer, _, page = reports["quickstart.json"]
    assert answer["draft"] is True and "Draft:" in page.text and "unfinished phases 3, 4, 5" in page.text
    _, answer, _, page = reports["rag-agent.json"]
    assert answer["draft"] is False and "Draft:" not in page.text


def test_a_stale_export_is_rebuilt_from_the_phase_records_with_a_note(maestro_cli, tmp_path):
    path = source("clinic-assistant", tmp_path)
    phase9 = path / "09-residual-risk.md"
    phase9.write_text(phase9.read_text(encoding="utf-8").replace("owner: Dana Whitfield (Director of Digital Patient Services)",
                                                                 "owner: Grace Liu (Privacy Officer)", 1), encoding="utf-8")
    code, answer, err = run_report(maestro_cli, path)
    assert code == 0, err
    page = Parsed(Path(answer["file"]).read_text(encoding="utf-8"))
    assert "threat-model.json is older than 09-residual-risk.md" in page.text
    rr1 = page.text[page.text.index("RR1 CLN-T1"):]
    assert rr1.index("Grace Liu") < rr1.index("RR2"), "the report shows the phase records, not the stale export"


def test_a_missing_export_is_assembled_from_the_phase_records(maestro_cli, tmp_path):
    path = source("clinic-assistant", tmp_path)
    (path / "threat-model.json").unlink()
    code, answer, err = run_report(maestro_cli, path, "--draft")
    assert code == 0, err
    page = Parsed(Path(answer["file"]).read_text(encoding="utf-8"))
    assert "No usable threat-model.json was found" in page.text and "CLN-T8" in page.text


def test_the_report_runs_the_checks_of_maestro_check(tmp_path):
    kb = report_kb()
    for name in ("clinic-assistant", FAILING):
        (tmp_path / name.replace(".", "-")).mkdir()
        path = source(name, tmp_path / name.replace(".", "-"))
        got = report.run_checks(kb, path)
        assert [f.as_dict() for f in got.findings] == [f.as_dict() for f in checks.check_path(kb, path)[0]]


# ------------------------------------------------------------------ where and how it is written
def test_a_second_report_keeps_the_first_as_bak_and_o_chooses_the_file(maestro_cli, tmp_path):
    path = source("clinic-assistant", tmp_path)
    first = run_report(maestro_cli, path)[1]["file"]
    Path(first).write_text("old report", encoding="utf-8")
    assert run_report(maestro_cli, path)[0] == 0
    assert Path(first + ".bak").read_text(encoding="utf-8") == "old report"
    other = tmp_path / "out" / "clinic.html"
    code, answer, _ = run_report(maestro_cli, path, "-o", other)
    assert code == 0 and answer["file"] == str(other) and other.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_project_is_found_by_name_under_threat_models(maestro_cli, tmp_path):
    source("clinic-assistant", tmp_path)
    code, out, err = maestro_cli("--json", "report", "clinic-assistant", cwd=tmp_path)
    assert code == 0, err
    assert json.loads(out)["file"] == str(Path("threat-models") / "clinic-assistant" / "report.html")


def test_the_report_is_never_written_through_a_symlink(maestro_cli, tmp_path):
    path = source("clinic-assistant", tmp_path)
    elsewhere = tmp_path / "elsewhere.html"
    elsewhere.write_text("keep", encoding="utf-8")
    (path / "report.html").symlink_to(elsewhere)
    code, _, err = maestro_cli("report", path, cwd=tmp_path)
    assert code == 2 and "link" in err and elsewhere.read_text(encoding="utf-8") == "keep"
    link = tmp_path / "out.html"
    link.symlink_to(elsewhere)
    code, _, err = maestro_cli("report", path, "-o", link, cwd=tmp_path)
    assert code == 2 and "symbolic link" in err and elsewhere.read_text(encoding="utf-8") == "keep"


def test_a_markdown_file_is_not_a_report_source(maestro_cli, tmp_path):
    page = tmp_path / "notes.md"
    page.write_text("# notes\n", encoding="utf-8")
    code, _, err = maestro_cli("report", page, cwd=tmp_path)
    assert code == 2 and "project folder or a threat-model.json" in err


# ------------------------------------------------------------------ Markdown
def test_markdown_holds_the_same_report(maestro_cli, tmp_path):
    path = source("rag-agent.json", tmp_path)
    code, answer, err = run_report(maestro_cli, path, "--format", "markdown")
    assert code == 0 and answer["format"] == "markdown" and answer["file"].endswith("rag-agent-report.md"), err
    text = Path(answer["file"]).read_text(encoding="utf-8")
    doc = records(path)
    heads = [h for h in re.findall(r"^## (.+)$", text, re.M)]
    assert heads == ["Executive summary", "Risk heatmap", "Architecture and trust boundaries", "Remediation roadmap", "Threat register",
                     "Residual risks", "Code-validation evidence", "Assumptions and scope gaps", "Appendix: method, checks and disclaimer"]
    unescape = lambda s: s.replace("\\", "")  # noqa: E731 - Markdown escapes
    for key in ("threats", "roadmap", "residual_risks"):
        for r in doc[key]:
            assert r["id"] in unescape(text), r["id"]
    links = re.findall(r"\]\(([^)]*)\)", text)
    assert len(links) >= 10 and all(KB_LINK.fullmatch(u) for u in links)
    assert "<script" not in text and "<svg" not in text


def test_markdown_escapes_each_value_once(maestro_cli, tmp_path):
    path = source("clinic-assistant", tmp_path)
    code, answer, err = run_report(maestro_cli, path, "--format", "markdown")
    assert code == 0, err
    md = Path(answer["file"]).read_text(encoding="utf-8")
    assert r"patient\_id" in md and r"\\" not in md, "a value is escaped once, inside macros too"
    assert "| RR1 | CLN-T1 " in md and "Dana Whitfield (Director of Digital Patient Services)" in md


# ------------------------------------------------------------------ hostile values
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)> | [x](http://evil.example/) </style>\\'


def test_every_value_is_escaped_in_html_and_markdown(maestro_cli, tmp_path):
    doc = json.loads((EXAMPLES / "rag-agent.json").read_text(encoding="utf-8"))
    doc["business_context"]["application_name"] = "Sys " + HOSTILE
    doc["threats"][0]["name"] = "Threat " + HOSTILE
    doc["roadmap"][0]["title"] = "Item " + HOSTILE
    doc["scope"] = HOSTILE
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, answer, err = run_report(maestro_cli, path, "--draft")
    assert code == 0, err
    text = Path(answer["file"]).read_text(encoding="utf-8")
    page = Parsed(text)
    assert "script" not in page.tags and "img" not in page.tags
    assert "Sys " + HOSTILE in page.text and "Threat " + HOSTILE in page.text
    style = text[text.index("<style>"):text.index("</style>") + len("</style>")]
    assert style.count("</style>") == 1 and "<" not in style[len("<style>"):-len("</style>")]
    footer = re.search(r"@bottom-left \{ content: (\"[^\"]*\");", style)[1]
    assert "script" in footer.replace("\\", "") or "73 63 72 69 70 74" in footer  # escaped, never raw
    assert not re.search(r"[<>'();{}]", footer[1:-1]), footer
    code, answer, err = run_report(maestro_cli, path, "--draft", "--format", "markdown")
    md = Path(answer["file"]).read_text(encoding="utf-8")
    assert "<script" not in md and "<img" not in md and "](http://evil" not in md
    title_row = next(line for line in md.splitlines() if line.startswith("| System |"))
    assert len(re.findall(r"(?<!\\)\|", title_row)) == 3, "a pipe in a value never adds a table cell"


def test_css_string_escapes_everything_but_letters_and_digits():
    out = str(report_render.css_string('a"}</style>\n\\ b'))
    assert out.startswith('"a\\22 ') and out.endswith('b"') and not re.search(r"[<>}\n]", out)


def test_only_https_addresses_are_linked():
    assert report_render.https("https://maestro-playbook.example.org/1.1.0/threats/T1/")
    for bad in ("http://example.org/", "javascript:alert(1)", "https://x.example/\"onmouseover", "data:text/html,x", "", None):
        assert report_render.https(bad) == ""
