"""Identifier and name detection in free text (maestro.textscan, maestro.checks.identifiers.judge_name)."""
from __future__ import annotations

import pytest

from maestro import phasefile, textscan
from maestro.checks.identifiers import judge_name


def tokens(text):
    return sorted(m.token for m in textscan.mentions(textscan.normalise(text)))


@pytest.mark.parametrize("text,want", [
    ("see T\u200b99 here", ["T99"]),                 # zero-width space inside the ID
    ("\uff34\uff19\uff19 in full width", ["T99"]),   # full-width letters and digits
    ("BV\u20117 with a non-breaking hyphen", ["BV-7"]),
    ("l3-d9 in lower case", ["L3-D9"]),
    ("links /threats/T99/ and /mitigations/L3-D2/", ["L3-D2", "T99"]),
    ("source links ../threats/T99.md and ../threats/index.md, ../layers/index.md", ["T99"]),
    ("another site: [M](https://atlas.mitre.org/mitigations/AML.M0015) and /threats/T98/", ["T98"]),
    ("ranges T40-T47 and T1\u2013T15", ["T1", "T15", "T40", "T47"]),
    ("ATLAS AML.T0051.001, AML.TA0002, AML.M0015", ["AML.M0015", "AML.T0051.001", "AML.TA0002"]),
    ("LLM01:2025 and ASI10", ["ASI10", "LLM01:2025"]),
    ("not IDs: T-Mobile, AT12, T12x, file.T12, #T12", []),
])
def test_mentions(text, want):
    assert tokens(text) == want


@pytest.mark.parametrize("text,want", [
    ("PAY-T7 and PAY-M3 then TB2, RR4, REM1, A1, TA3, AF2, DF1, CV5", ["A1", "AF2", "CV5", "DF1", "PAY-M3", "PAY-T7", "REM1", "RR4", "TA3", "TB2"]),
    ("not local: L3-P1, BV-7, CWE-79, T40-T47, A2A protocol", []),
])
def test_local_ids(text, want):
    assert sorted(t for t, _ in textscan.local_ids(textscan.normalise(text))) == want


def judged(kb, text):
    t = textscan.normalise(text)
    return [judge_name(kb, m.token, nm.written, nm.notation, nm.rest) for m in textscan.mentions(t) for nm in textscan.names_near(t, m)]


@pytest.mark.parametrize("text", [
    "T6 (Goal Manipulation)", "T6: intent breaking and goal manipulation", "T6 - Goal Hijack Attack", "T6 \u2014 Tool Misuse",
    "Goal Manipulation (T6)", "| T6 | Goal Hijack |", "L3-P1 Tool Allowlist", "T2 (tool misuse)", "T6 (Intent Breaking and Goal Manipulation)",
])
def test_wrong_names_are_caught_in_every_notation(kb, text):
    assert any(judged(kb, text)), text


@pytest.mark.parametrize("text", [
    "T6 (Intent Breaking & Goal Manipulation)", "T6: Intent Breaking & Goal Manipulation", "Intent Breaking & Goal Manipulation (T6)",
    "| T6 | Intent Breaking & Goal Manipulation |", "L3-P1 Tool Allowlisting and Scoping is planned", "T6 (High)", "T6 (primary at L1)",
    "the agent is hijacked by an email (T6)", "T6 (Not Implemented)", "immutable audit logging planned (L5-P1)",
    "T6 (Intent Breaking & Goal Manipulation, primary at L1)", "Scan BV-2 Tool Description Poisoning (Rug Pull) explicitly",
    "- Secrets management (T22): where do keys live?",
])
def test_right_names_and_prose_pass(kb, text):
    assert not any(judged(kb, text)), judged(kb, text)


def test_another_ids_name_is_named(kb):
    assert "is the name of T2" in next(filter(None, judged(kb, "T6 (Tool Misuse)")))


# ------------------------------------------------------------------ record blocks
BODY = "threats: []\n"


@pytest.mark.parametrize("opener,closer", [("```yaml", "```"), ("~~~yaml maestro", "~~~"), ("```yaml maestor", "```"),
                                           ("```yml maestro", "```"), ("  ```yaml maestro", "  ```"), ("````yaml maestro", "````")])
def test_record_block_near_misses_are_found(opener, closer):
    parsed = phasefile.parse(f"# Phase 6\n\n{opener}\n{BODY}{closer}\n")
    assert not parsed.blocks and len(parsed.near_misses) == 1 and parsed.near_misses[0].line == 3


def test_exact_block_and_duplicates():
    parsed = phasefile.parse(f"x\n```yaml maestro\n{BODY}```\n\n```yaml maestro\n{BODY}```\n")
    assert [b.line for b in parsed.blocks] == [2, 6] and parsed.blocks[0].body_line == 3


def test_unclosed_block_is_a_near_miss():
    parsed = phasefile.parse(f"```yaml maestro\n{BODY}")
    assert parsed.near_misses and "never closed" in parsed.near_misses[0].why


def test_plain_yaml_without_record_keys_is_left_alone():
    assert not phasefile.parse("```yaml\nfoo: 1\n```\n").near_misses
