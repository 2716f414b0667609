"""`maestro import`: checklist answers exported from the site's forms, written into a project's Phase 6 file (issue 12).

The export format and the block written are the contract in docs/assets/checklist.js and maestro/checklist_answers.py.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from maestro import checklist_answers as ca

START = "<!-- maestro:checklist-answers:start form={} -->"
END = "<!-- maestro:checklist-answers:end form={} -->"


@pytest.fixture
def run(maestro_cli):
    """`maestro_cli` under this module's short name."""
    return maestro_cli


def export_doc(form="checklists", answers=None, **header) -> dict:
    doc = {"format": "maestro-checklist-answers", "format_version": 1, "form": form, "kb_version": header.pop("kb_version", None),
           "exported": "2026-12-01T15:00:00Z",
           "answers": answers if answers is not None else [
               {"item": "CK-L3-04", "result": "fails", "evidence": "Step order is not enforced", "finding": "ACME-T4"},
               {"item": "CK-L1-01", "result": "holds", "evidence": "Red-team report RT-12", "finding": ""}]}
    doc.update(header)
    return doc


@pytest.fixture
def proj(run, tmp_path, kb) -> Path:
    """A fresh project made by `maestro new` in a temporary folder."""
    code, out, err = run("new", "acme", "--dir", tmp_path / "tm", "--prefix", "ACME")
    assert code == 0, out + err
    return tmp_path / "tm" / "acme"


@pytest.fixture
def answers(tmp_path, kb):
    """Writes an export (or any JSON / text) to a file and returns its path."""
    def write(doc=None, name="answers.json", **kw):
        p = tmp_path / name
        if isinstance(doc, (str, bytes)):
            p.write_bytes(doc.encode() if isinstance(doc, str) else doc)
        else:
            d = doc if doc is not None else export_doc(**kw)
            if d.get("kb_version") is None:
                d["kb_version"] = kb.version
            p.write_text(json.dumps(d), encoding="utf-8")
        return p
    return write


def phase6(folder: Path) -> Path:
    return folder / "06-threat-register.md"


def do_import(run, folder: Path, file: Path, *extra):
    return run("import", folder.name, file, "--dir", folder.parent, *extra)


def without_block(text: str, form: str) -> str:
    """The text with this form's block and the blank line after it taken out: what the file was before the import."""
    rx = re.escape(START.format(form)) + r".*?" + re.escape(END.format(form)) + r"\n\n"
    out, n = re.subn(rx, "", text, flags=re.S)
    assert n == 1, f"expected one {form} block, found {n}"
    return out


def block(text: str, form: str) -> str:
    m = re.search(re.escape(START.format(form)) + r".*?" + re.escape(END.format(form)), text, flags=re.S)
    assert m, f"no {form} block"
    return m.group(0)


# ------------------------------------------------------------------ writing the section
def test_import_writes_the_answers_before_the_structured_record(run, proj, answers, kb):
    before = phase6(proj).read_text(encoding="utf-8")
    code, out, err = do_import(run, proj, answers())
    assert code == 0, out + err
    text = phase6(proj).read_text(encoding="utf-8")
    assert text.index(START.format("checklists")) < text.index(END.format("checklists")) < text.index("## Structured record")
    assert text.index("## Findings") < text.index(START.format("checklists"))
    sec = block(text, "checklists")
    assert "## Checklist answers" in sec
    assert "| Item | Question | Result | Evidence | Finding |" in sec
    row = next(line for line in sec.splitlines() if line.startswith("| CK-L3-04 |"))
    assert kb.items["CK-L3-04"]["text"] in row and "| Fails | Step order is not enforced | ACME-T4 |" in row
    assert "### L1 Foundation Model" in sec and "### L3 Agent Frameworks" in sec
    assert sec.index("### L1") < sec.index("CK-L1-01") < sec.index("### L3") < sec.index("CK-L3-04")  # knowledge-base order
    assert "answers.json" in sec and f"knowledge base v{kb.version}" in sec and "2026-12-01T15:00:00Z" in sec
    assert without_block(text, "checklists") == before
    assert "Added the answers of the checklists form (2 item(s)" in out and "06-threat-register.md.bak" in out


def test_file_outside_the_block_is_byte_identical_and_bak_is_the_original(run, proj, answers):
    original = phase6(proj).read_bytes()
    assert do_import(run, proj, answers())[0] == 0
    after = phase6(proj).read_bytes()
    assert (phase6(proj).parent / "06-threat-register.md.bak").read_bytes() == original
    assert without_block(after.decode("utf-8"), "checklists").encode("utf-8") == original


def test_reimport_replaces_only_its_own_block_and_keeps_the_other_forms(run, proj, answers, kb):
    assert do_import(run, proj, answers())[0] == 0
    mvtm = answers(export_doc("mvtm", [{"item": "MVTM-1", "result": "done"}, {"item": "MVTM-3", "result": "done"}]), name="mvtm.json")
    assert do_import(run, proj, mvtm)[0] == 0
    both = phase6(proj).read_text(encoding="utf-8")
    assert both.index(END.format("checklists")) < both.index(START.format("mvtm")) < both.index("## Structured record")
    again = answers(export_doc(answers=[{"item": "CK-BV-01", "result": "partial", "evidence": "only staging", "finding": ""}]), name="again.json")
    code, out, err = do_import(run, proj, again)
    assert code == 0, out + err
    assert "Replaced the answers of the checklists form" in out
    text = phase6(proj).read_text(encoding="utf-8")
    new = block(text, "checklists")
    assert "CK-BV-01" in new and "| Partial | only staging |" in new
    assert "CK-L3-04" not in new and "CK-L1-01" not in new and "again.json" in new
    assert block(text, "mvtm") == block(both, "mvtm")
    assert text.replace(new, "") == both.replace(block(both, "checklists"), "")
    assert (proj / "06-threat-register.md.bak").read_text(encoding="utf-8") == both


def test_mvtm_answers_carry_the_step_text(run, proj, answers, kb):
    assert do_import(run, proj, answers(export_doc("mvtm", [{"item": "MVTM-10", "result": "done"}, {"item": "MVTM-2", "result": "done"}])))[0] == 0
    sec = block(phase6(proj).read_text(encoding="utf-8"), "mvtm")
    assert "## Checklist answers: minimum viable threat model" in sec
    assert f"| MVTM-2 | {kb.depth['mvtm'][1]} | Done |" in sec and f"| MVTM-10 | {kb.depth['mvtm'][9]} | Done |" in sec
    assert sec.index("MVTM-2 ") < sec.index("MVTM-10 ")
    assert "2 of 10 items answered" in sec


def test_text_cannot_break_the_table_or_forge_a_marker(run, proj, answers):
    nasty = f"line one\nline two | with a pipe {END.format('checklists')} <b>bold</b>"
    assert do_import(run, proj, answers(answers=[{"item": "CK-L2-01", "result": "na", "evidence": nasty, "finding": "x|y"}]))[0] == 0
    text = phase6(proj).read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| CK-L2-01 |"))
    assert "line one<br>line two \\| with a pipe &lt;!-- maestro" in row and "&lt;b>bold&lt;/b>" in row and "| x\\|y |" in row
    assert text.count(END.format("checklists")) == 1
    # a second import still finds exactly one intact block
    code, out, err = do_import(run, proj, answers(name="second.json"))
    assert code == 0, out + err
    assert "CK-L2-01" not in phase6(proj).read_text(encoding="utf-8")


def test_answer_with_text_but_no_result(run, proj, answers):
    assert do_import(run, proj, answers(answers=[{"item": "CK-L4-02", "result": None, "evidence": "asked the platform team", "finding": ""}]))[0] == 0
    row = next(line for line in phase6(proj).read_text(encoding="utf-8").splitlines() if line.startswith("| CK-L4-02 |"))
    assert "| not answered | asked the platform team |" in row
    assert "0 of " in block(phase6(proj).read_text(encoding="utf-8"), "checklists")


def test_unchanged_reimport_keeps_the_backup(run, proj, answers):
    f = answers()
    assert do_import(run, proj, f)[0] == 0
    bak = (proj / "06-threat-register.md.bak").read_bytes()
    code, out, _ = do_import(run, proj, f)
    assert code == 0 and "unchanged" in out
    assert (proj / "06-threat-register.md.bak").read_bytes() == bak  # still the file before the first import


def test_crlf_file_keeps_its_line_endings(run, proj, answers):
    p = phase6(proj)
    p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n"))
    original = p.read_bytes()
    assert do_import(run, proj, answers())[0] == 0
    after = p.read_bytes()
    assert b"\r\n" in after and after.count(b"\n") == after.count(b"\r\n")
    rx = re.escape(START.format("checklists").encode()) + rb".*?" + re.escape(END.format("checklists").encode()) + rb"\r\n\r\n"
    assert re.sub(rx, b"", after, flags=re.S) == original


@pytest.mark.parametrize("same", [True, False], ids=["same-kb-version", "older-kb-version"])
def test_kb_version_difference_is_a_note(run, proj, answers, kb, same):
    version = kb.version if same else "0.9.0"
    code, out, err = do_import(run, proj, answers(kb_version=version))
    assert code == 0, out + err
    sec = block(phase6(proj).read_text(encoding="utf-8"), "checklists")
    if same:
        assert "Note:" not in out and "Note:" not in sec
    else:
        assert f"Note: exported with knowledge base v0.9.0, imported with v{kb.version}" in out
        assert "Note: exported with knowledge base v0.9.0" in sec and "knowledge base v0.9.0, exported" in sec


def test_json_output(run, proj, answers, kb):
    code, out, _ = run("--json", "import", "acme", answers(), "--dir", proj.parent)
    doc = json.loads(out)
    assert code == 0 and doc["ok"] is True and doc["written"] is True and doc["replaced"] is False
    assert doc["form"] == "checklists" and doc["answers"] == 2 and doc["answered"] == 2 and doc["kb_version"] == kb.version
    assert doc["file"] == str(phase6(proj)) and doc["notes"] == []


def test_project_given_as_a_path(run, proj, answers):
    code, out, err = run("import", proj, answers())
    assert code == 0, out + err
    assert START.format("checklists") in phase6(proj).read_text(encoding="utf-8")


# ------------------------------------------------------------------ refusing bad input
def _entry(**kw):
    return dict({"item": "CK-L3-04", "result": "fails", "evidence": "", "finding": ""}, **kw)


BAD_EXPORTS = [
    ("unknown-item", lambda: export_doc(answers=[_entry(item="CK-L3-99")]), ["item CK-L3-99", "not an item of the checklists form"]),
    ("not-an-id", lambda: export_doc(answers=[_entry(item="hello")]), ["item hello"]),
    ("bad-result", lambda: export_doc(answers=[_entry(result="maybe")]), ["item CK-L3-04", '"maybe"', "holds, partial, fails, na"]),
    ("mvtm-result-on-checklist", lambda: export_doc(answers=[_entry(result="done")]), ["item CK-L3-04", '"done"']),
    ("checklist-result-on-mvtm", lambda: export_doc("mvtm", [{"item": "MVTM-2", "result": "holds"}]), ["item MVTM-2", '"holds"', "done"]),
    ("item-of-the-other-form", lambda: export_doc(answers=[_entry(item="MVTM-3", result="done")]), ["item MVTM-3", "belongs to the mvtm form"]),
    ("mvtm-out-of-range", lambda: export_doc("mvtm", [{"item": "MVTM-11", "result": "done"}]), ["item MVTM-11"]),
    ("answered-twice", lambda: export_doc(answers=[_entry(), _entry(result="holds")]), ["item CK-L3-04 is answered twice"]),
    ("evidence-not-text", lambda: export_doc(answers=[_entry(evidence=3)]), ["item CK-L3-04", "evidence must be text"]),
    ("unknown-answer-key", lambda: export_doc(answers=[_entry(evidense="typo")]), ["item CK-L3-04", "evidense"]),
    ("answer-not-object", lambda: export_doc(answers=["CK-L3-04"]), ["answer 1"]),
    ("bad-format", lambda: export_doc(format="something-else"), ["format is 'something-else'"]),
    ("no-format", lambda: {k: v for k, v in export_doc().items() if k != "format"}, ["format is None"]),
    ("format-version-2", lambda: export_doc(format_version=2), ["format_version 2"]),
    ("format-version-bool", lambda: export_doc(format_version=True), ["format_version True"]),
    ("wrong-form", lambda: export_doc(form="quiz"), ["form 'quiz'", "checklists, mvtm"]),
    ("kb-version-not-text", lambda: export_doc(kb_version=11), ["kb_version 11"]),
    ("answers-not-list", lambda: export_doc(answers={"CK-L3-04": "fails"}), ["answers must be a list"]),
    ("unknown-header-key", lambda: export_doc(extra=1), ["unknown key(s) extra"]),
    ("not-json", lambda: "{not json", ["not valid JSON", "line 1"]),
    ("json-list", lambda: "[]", ["expected a JSON object"]),
    ("not-utf8", lambda: b"\xff\xfe{}", ["not UTF-8"]),
]


@pytest.mark.parametrize("make,needles", [pytest.param(m, n, id=i) for i, m, n in BAD_EXPORTS])
def test_unusable_export_is_refused_naming_the_file_and_item(run, proj, answers, make, needles):
    original = phase6(proj).read_bytes()
    f = answers(make())
    code, out, err = do_import(run, proj, f)
    assert code == 2, out + err
    assert "Traceback" not in err
    msg = [line for line in err.splitlines() if line.startswith("maestro: ") and "manifest" not in line]
    assert len(msg) == 1, err
    assert str(f) in msg[0], msg
    for needle in needles:
        assert needle in msg[0], msg
    assert phase6(proj).read_bytes() == original
    assert not (proj / "06-threat-register.md.bak").exists()


def test_missing_answers_file(run, proj, tmp_path):
    code, _, err = do_import(run, proj, tmp_path / "nowhere.json")
    assert code == 2 and "nowhere.json: cannot read" in err and "Traceback" not in err


def test_unusable_export_json_mode(run, proj, answers):
    code, out, _ = run("--json", "import", "acme", answers(export_doc(form="quiz")), "--dir", proj.parent)
    doc = json.loads(out)
    assert code == 2 and doc["ok"] is False and "form 'quiz'" in doc["error"]


def test_missing_project(run, tmp_path, answers):
    code, _, err = run("import", "ghost", answers(), "--dir", tmp_path / "tm")
    assert code == 2 and "Traceback" not in err
    assert "ghost/state.json: no such project file" in err and "maestro new ghost" in err


def test_missing_phase6_file(run, proj, answers):
    phase6(proj).unlink()
    code, _, err = do_import(run, proj, answers())
    assert code == 2 and "Traceback" not in err
    assert "06-threat-register.md: the project's Phase 6 file is missing" in err
    assert not phase6(proj).exists()


def test_no_structured_record_heading(run, proj, answers):
    p = phase6(proj)
    p.write_text(p.read_text(encoding="utf-8").replace("## Structured record", "## Record"), encoding="utf-8")
    original = p.read_bytes()
    code, _, err = do_import(run, proj, answers())
    assert code == 2 and 'no "## Structured record" heading' in err
    assert p.read_bytes() == original


DAMAGE = [
    ("start-without-end", lambda s, e: s + "\nold answers\n", "start marker has no end marker"),
    ("end-without-start", lambda s, e: "old answers\n" + e + "\n", "end marker has no start marker"),
    ("end-before-start", lambda s, e: e + "\nold answers\n" + s + "\n", "end marker comes before its start marker"),
    ("start-twice", lambda s, e: s + "\n" + s + "\nold answers\n" + e + "\n", "marker appears more than once"),
]


@pytest.mark.parametrize("damage,needle", [pytest.param(d, n, id=i) for i, d, n in DAMAGE])
def test_damaged_markers_are_refused(run, proj, answers, damage, needle):
    p = phase6(proj)
    text = p.read_text(encoding="utf-8")
    broken = text.replace("## Structured record", damage(START.format("checklists"), END.format("checklists")) + "\n## Structured record")
    p.write_text(broken, encoding="utf-8")
    code, _, err = do_import(run, proj, answers())
    assert code == 2 and "Traceback" not in err
    assert str(p) in err and "checklists" in err and needle in err
    assert p.read_text(encoding="utf-8") == broken and not (proj / "06-threat-register.md.bak").exists()


def test_damaged_block_of_the_other_form_is_left_alone(run, proj, answers):
    p = phase6(proj)
    text = p.read_text(encoding="utf-8").replace("## Structured record", START.format("mvtm") + "\nhalf a block\n\n## Structured record")
    p.write_text(text, encoding="utf-8")
    assert do_import(run, proj, answers())[0] == 0
    assert without_block(p.read_text(encoding="utf-8"), "checklists") == text


# ------------------------------------------------------------------ the checker after an import
def _findings(run, folder: Path) -> tuple[int, list]:
    code, out, err = run("check", folder, "--json")
    doc = json.loads(out)
    return code, sorted((f["rule"], f["severity"], Path(f["file"]).name, f.get("id", ""), f["message"]) for f in doc["findings"])


def test_check_reports_nothing_new_after_importing_every_item(run, proj, answers, kb):
    code_before, before = _findings(run, proj)
    every = [{"item": iid, "result": ca.RESULTS["checklists"][n % 4], "evidence": f"Reviewed with the team\nsee ticket {n}",
              "finding": "none | see notes" if n % 3 else ""} for n, iid in enumerate(kb.items)]
    assert do_import(run, proj, answers(answers=every))[0] == 0
    mvtm = [{"item": f"MVTM-{i}", "result": "done"} for i in range(1, len(kb.depth["mvtm"]) + 1)]
    assert do_import(run, proj, answers(export_doc("mvtm", mvtm), name="mvtm.json"))[0] == 0
    text = phase6(proj).read_text(encoding="utf-8")
    assert f"{len(kb.items)} of {len(kb.items)} items answered" in text and text.count("| Done |") == len(kb.depth["mvtm"])
    code_after, after = _findings(run, proj)
    assert code_after == code_before
    assert after == before, [f for f in after if f not in before]


def test_import_is_listed_in_help(run):
    code, out, _ = run("--help")
    assert code == 0 and "import" in out
    code, out, _ = run("import", "--help")
    assert code == 0 and "answers" in out and "--dir" in out


# ------------------------------------------------------------------ the module on its own
def test_parse_export_returns_answers_in_file_order(kb):
    doc = export_doc(kb_version=kb.version)
    exp = ca.parse_export(kb, doc, "/somewhere/answers.json")
    assert exp.source == "answers.json" and exp.form == "checklists" and exp.kb_version == kb.version
    assert [(a.item, a.result) for a in exp.answers] == [("CK-L3-04", "fails"), ("CK-L1-01", "holds")]


def test_errors_are_one_type(kb):
    with pytest.raises(ca.AnswersError, match=r"x\.json: item CK-L3-99 \(answer 1\)"):
        ca.parse_export(kb, export_doc(answers=[_entry(item="CK-L3-99")], kb_version=kb.version), "x.json")


def test_form_items_match_the_knowledge_base(kb):
    checklist = ca.form_items(kb, "checklists")
    assert list(checklist) == list(kb.items)
    assert list(ca.form_items(kb, "mvtm")) == [f"MVTM-{i}" for i in range(1, len(kb.depth["mvtm"]) + 1)]
    title, question = checklist["CK-L1-06"]
    assert title == kb.sections["L1"]["title"] and question.startswith(kb.items["CK-L1-06"]["text"])
    assert question.endswith("(T1, T13, LLM04:2025)")


# ------------------------------------------------------------------ markers that would cost the user records (issue 19)


def _phase6(proj: Path) -> Path:
    return proj / "06-threat-register.md"


@pytest.mark.parametrize("where", ["inside the record block", "inside another fence", "below the record block"])
def test_import_refuses_markers_that_would_change_the_record_block(run, proj, answers, where):
    assert run("import", "acme", answers(), "--dir", proj.parent)[0] == 0
    text = _phase6(proj).read_text().replace(END.format("checklists") + "\n", "", 1)
    if where == "inside the record block":
        text = text.replace("```yaml maestro\n", "```yaml maestro\n" + END.format("checklists") + "\n", 1)
    elif where == "inside another fence":
        text = text.replace("## Structured record", "```text\n" + END.format("checklists") + "\n```\n\n## Structured record", 1)
    else:
        text = text.rstrip("\n") + "\n\n" + END.format("checklists") + "\n"
    _phase6(proj).write_text(text)
    before = _phase6(proj).read_bytes()
    code, out, err = run("import", "acme", answers(), "--dir", proj.parent)
    assert code == 2 and "Traceback" not in err and "06-threat-register.md" in err
    assert ("fenced block" in err) or ("record block" in err), err
    assert _phase6(proj).read_bytes() == before


def test_import_refuses_a_result_over_the_size_limit(run, proj, answers):
    from maestro import engagement
    padding = "<!-- padding -->\n"
    with open(_phase6(proj), "a", encoding="utf-8") as fh:
        fh.write(padding * ((engagement.MAX_FILE_BYTES - _phase6(proj).stat().st_size) // len(padding) - 2))
    before = _phase6(proj).read_bytes()
    code, out, err = run("import", "acme", answers(), "--dir", proj.parent)
    assert code == 2 and "limit" in err and "Traceback" not in err
    assert _phase6(proj).read_bytes() == before
