"""Bad input in data/ stops everything with a message naming file, line and ID.

``CASES`` is the table: one row per message kind of every cross-reference rule
(maestro/crossref.py, ``RULES``) and representative YAML and schema errors. Each row edits a
copy of the real data/ (a text replacement inside one entry), loads it, and asserts that a
problem with exactly that file, line, ID and message is among those KBError lists. A rule in
the registry without a row fails ``test_every_rule_has_a_row``.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from kbedit import Case, E, Edit, R, assert_refused, case, cut, drop_item, drop_tail, line_in
from maestro import KBError, crossref, load_kb

DATA = Path(__file__).resolve().parents[1] / "data"
COUNTS = yaml.safe_load((DATA / "meta.yaml").read_text(encoding="utf-8"))["counts"]
"""What data/meta.yaml declares: the check_counts rows plant a fault against these numbers."""
CORE, BLINDSPOTS, CONSIDERATIONS = COUNTS["threats"]["core"], COUNTS["blindspots"], COUNTS["considerations"]
L5_ITEMS, L3_DETERRENT = COUNTS["checklist_items"]["L5"], COUNTS["mitigations"]["L3"][3]

TECHNIQUE = "- id: AML.T0051\n  name: LLM Prompt Injection\n  tactics: [AML.TA0005]\n"
"""An entry of data/atlas.yaml, written twice by the duplicate-entry rows."""

# The schema needs eight layers with valid IDs: a second L7 in place of CL leaves CL unknown.
NO_CL_LAYER = E("layers", "- id: CL\n", "- id: L7\n")

CASES = [
    # --- reading and schema
    case("files", "patterns", "", "file missing", ("", ""), Edit("patterns", mode="delete")),
    case("yaml", "mitigations", "", "malformed YAML: ...", ("  name:", "  name: [unclosed\n", 2),
         E("mitigations", "- id: L3-D2\n", "- id: L3-D2\n  name: [unclosed\n")),
    case("yaml", "layers", "", "malformed YAML: duplicate key 'short_label'...", ("  short_label: Again", ""),
         E("layers", "  short_label: Data Ops\n", "  short_label: Data Ops\n  short_label: Again\n")),
    case("schema", "blindspots", "BV-3", "blindspots/2: 'example' is a required property", ("- id: BV-3", ""),
         cut("blindspots", "- id: BV-3", "  example:", "\n- id: BV-4")),
    case("schema", "mitigations", "L3-X2", "mitigations/...", ("- id: L3-X2", ""), E("mitigations", "- id: L3-D2\n", "- id: L3-X2\n")),
    case("schema", "threats", "T1", "threats/0/kind: 'major' is not one of ['core', 'extended']...", ("  kind: major", ""),
         E("threats", "  kind: core", "  kind: major", "- id: T1\n")),
    # --- check_unique
    case("check_unique", "mitigations", "L3-D2", "duplicate ID L3-D2 (first defined in data/mitigations.yaml)", ("- id: L3-D2", "- id: L3-D2\n", 2),
         E("mitigations", "- id: L3-D3\n", "- id: L3-D2\n")),
    case("check_unique", "atlas", "AML.T0051", "duplicate ID AML.T0051 (first defined on line ...", ("- id: AML.T0051\n", "", 2),
         E("atlas", TECHNIQUE, TECHNIQUE + "\n" + TECHNIQUE)),  # a whole entry twice: the schema leaves it to the loader
    case("check_unique", "threats", "T2", "name 'Memory Poisoning' already used by T1", ("  name: Memory Poisoning", "- id: T2\n"),
         R("threats", r"(- id: T2\n  name: )[^\n]*", r"\1Memory Poisoning")),
    # --- check_layers
    case("check_layers", "layers", "", "layers must be exactly L1, L2, L3, L4, L5, L6, L7, CL in that order", "- id: L2",
         R("layers", r"(- id: L1\n.*?)(- id: L2\n.*?)(?=- id: L3\n)", r"\2\1")),
    case("check_layers", "layers", "", "exactly one vertical layer, L6, is expected", "- id: L1",
         E("layers", "  name: Data Operations\n", "  name: Data Operations\n  vertical: true\n")),
    # --- check_threats
    case("check_threats", "threats", "", "threat IDs must run from T1 without gaps (reserve an ID instead of leaving a hole)", "- id: T1\n",
         E("threats", "- id: T47\n", "- id: T49\n")),
    case("check_threats", "threats", "T16", "core threats are T1-T15", ("  kind: core", "- id: T16\n"),
         E("threats", "  kind: extended", "  kind: core", "- id: T16\n")),
    case("check_threats", "threats", "T1", "extended threats start at T16", ("  kind: extended", "- id: T1\n"),
         E("threats", "  kind: core", "  kind: extended", "- id: T1\n")),
    case("check_threats", "threats", "T1", "ATLAS technique AML.T9999 is not in data/atlas.yaml", ("  atlas: [AML.T9999", "- id: T1\n"),
         E("threats", "  atlas: [", "  atlas: [AML.T9999, ", "- id: T1\n")),
    case("check_threats", "threats", "T1", "unknown LLM Top 10 ID LLM01:2024", ("  llm_top10: [LLM01:2024", "- id: T1\n"),
         E("threats", "  llm_top10: [", "  llm_top10: [LLM01:2024, ", "- id: T1\n")),
    case("check_threats", "threats", "T1", "unknown Agentic Top 10 ID ASI06", ("  asi_top10: [ASI06", "- id: T1\n"),
         R("frameworks", r"    - \{id: ASI06, [^\n]*\n", "")),
    case("check_threats", "threats", "T1", "unknown CWE ID (add it to frameworks.yaml) CWE-99999", ("  cwe: [CWE-99999", "- id: T1\n"),
         E("threats", "  cwe: [", "  cwe: [CWE-99999, ", "- id: T1\n")),
    case("check_threats", "threats", "T31", "unknown mitigation L1-P9", ("  partial_mitigations:", "- id: T31\n"),
         E("threats", "  kind: extended\n", "  kind: extended\n  partial_mitigations: [L1-P9]\n", "- id: T31\n")),
    case("check_threats", "threats", "T25", "threat has no row in mapping.yaml", "- id: T25\n",
         cut("mapping", "- threat: T25\n", "- threat: T25\n", "- threat:")),
    case("check_threats", "threats", "T1", "at least 3 indicators are expected", ("  indicators:", "- id: T1\n"),
         R("threats", r"(- id: T1\n(?:(?!\n- id:).)*?  indicators:\n).*?(?=\n  [a-z_]+:)", r"\1  - one\n  - two")),
    case("check_threats", "threats", "collaborative-model-poisoning", "unknown layer L1", ("  layer: L1", "- key: collaborative-model-poisoning"),
         E("layers", "- id: L1\n", "- id: CL\n")),
    case("check_threats", "threats", "collaborative-model-poisoning", "T26 is reserved and may not be referenced",
         ("  related_threats:", "- key: collaborative-model-poisoning"),
         E("threats", "  related_threats: [", "  related_threats: [T26, ", "- key: collaborative-model-poisoning")),
    case("check_threats", "threats", "collaborative-model-poisoning", "unknown threat T99", ("  related_threats:", "- key: collaborative-model-poisoning"),
         E("threats", "  related_threats: [", "  related_threats: [T99, ", "- key: collaborative-model-poisoning")),
    case("check_threats", "threats", "collaborative-model-poisoning", "unknown LLM Top 10 ID LLM01:2024", ("  llm_top10:", "- key: collaborative-model-poisoning"),
         E("threats", "  llm_top10: [", "  llm_top10: [LLM01:2024, ", "- key: collaborative-model-poisoning")),
    # --- check_mapping
    case("check_mapping", "mapping", "T1", "duplicate mapping row", ("- threat: T1\n", "- threat: T1\n", 2),
         E("mapping", "- threat: T2\n", "- threat: T1\n  L2: primary\n- threat: T2\n")),
    case("check_mapping", "mapping", "T26", "T26 is reserved and may not be referenced", "- threat: T26",
         E("mapping", "- threat: T25\n", "- threat: T26\n  L7: primary\n- threat: T25\n")),
    case("check_mapping", "mapping", "T98", "unknown threat T98", "- threat: T98",
         E("mapping", "- threat: T25\n", "- threat: T98\n  L7: primary\n- threat: T25\n")),
    case("check_mapping", "mapping", "T1", "unknown layer CL", ("  CL: secondary", "- threat: T1\n"), NO_CL_LAYER),
    case("check_mapping", "mapping", "T2", "every threat needs at least one primary layer", "- threat: T2\n",
         E("mapping", "  L3: primary", "  L3: secondary", "- threat: T2\n")),
    case("check_mapping", "mapping", "T16", "an extended threat has exactly one primary layer (its taxonomy section)", "- threat: T16\n",
         E("mapping", "  L1: primary\n", "  L1: primary\n  L2: primary\n", "- threat: T16\n")),
    # --- check_mitigations
    case("check_mitigations", "mitigations", "L3-D2", "unknown threat T99", ("  addresses: [T99", "- id: L3-D2\n"),
         E("mitigations", "  addresses: [", "  addresses: [T99, ", "- id: L3-D2\n")),
    case("check_mitigations", "mitigations", "L1-P1", "T27 is reserved and may not be referenced", ("  addresses:", "- id: L1-P1\n"),
         E("mitigations", "  addresses: [", "  addresses: [T27, ", "- id: L1-P1\n")),
    case("check_mitigations", "mitigations", "L1-P1", "a mitigation must address threats or state its scope, patterns or considerations",
         ("  addresses:", "- id: L1-P1\n"), E("mitigations", "  addresses: [T6, T1]", "  addresses: []", "- id: L1-P1\n")),
    case("check_mitigations", "mitigations", "L7-C3", "unknown cross-layer pattern 99", "  patterns: [5, 99]", E("mitigations", "  patterns: [5]", "  patterns: [5, 99]")),
    case("check_mitigations", "mitigations", "L1-D3", "unknown consideration no-such-consideration", "  considerations: [no-such-consideration",
         E("mitigations", "  considerations: [", "  considerations: [no-such-consideration, ")),
    case("check_mitigations", "mitigations", "L3-D", "numbering of L3-D must run 1..5 without gaps, found [1, 2, 4, 5, 9]", "- id: L1-P1",
         E("mitigations", "- id: L3-D3\n", "- id: L3-D9\n")),
    case("check_mitigations", "mitigations", "L3-D", "numbering of L3-D must run 1..5 without gaps, found [1, 2, 2, 4, 5]", "- id: L1-P1",
         E("mitigations", "- id: L3-D3\n", "- id: L3-D2\n")),  # a duplicate leaves a gap behind
    case("check_mitigations", "mitigations", "L3-R", "layer L3 has no deterrent mitigation", "- id: L1-P1",
         cut("mitigations", "- id: L3-R1\n", "- id: L3-R1\n", "- id: L4-P1\n")),
    case("check_mitigations", "mitigations", "L3-D2", "why names T1, which is not in addresses: a reason explains a link",
         ("    T1:", "- id: L3-D2\n"),
         E("mitigations", "  addresses: [T19, T21]\n", "  addresses: [T19, T21]\n  why:\n    T1: A reason for a link that the control does not have.\n",
           "- id: L3-D2\n")),
    case("check_mitigations", "mitigations", "L3-D2", "why.T19 needs at least 8 words, has 2", ("    T19:", "- id: L3-D2\n"),
         E("mitigations", "  addresses: [T19, T21]\n", "  addresses: [T19, T21]\n  why:\n    T19: Too short.\n", "- id: L3-D2\n")),
    case("check_mitigations", "mitigations", "L2-R1",
         "T49 has no reason: say in why.T49, in one sentence, why the control applies to it (its description does not name it)",
         ("  addresses:", "- id: L2-R1\n"), cut("mitigations", "- id: L2-R1\n", "  why:\n", "  atlas_mitigations:")),
    case("check_mitigations", "mitigations", "", "types must be P, D, C, R in that order", "- letter: D",
         R("mitigations", r"(- letter: P\n(?:  .*?\n)+?)(- letter: D\n(?:  .*?\n)+?)(?=- letter: C)", r"\2\1")),
    # --- check_blindspots
    case("check_blindspots", "blindspots", "", "blindspot IDs must run from BV-1 without gaps", "- id: BV-1\n",
         E("blindspots", "- id: BV-12\n", "- id: BV-14\n")),
    case("check_blindspots", "blindspots", "BV-1", "T26 is reserved and may not be referenced", ("  related_threats:", "- id: BV-1\n"),
         E("blindspots", "  related_threats: [", "  related_threats: [T26, ", "- id: BV-1\n")),
    case("check_blindspots", "blindspots", "BV-1", "unknown mitigation L1-P9", ("  suggested_mitigations:", "- id: BV-1\n"),
         E("blindspots", "  suggested_mitigations: [", "  suggested_mitigations: [L1-P9, ", "- id: BV-1\n")),
    case("check_blindspots", "blindspots", "BV-1", "ATLAS technique AML.T9999 is not in data/atlas.yaml", ("  atlas:", "- id: BV-1\n"),
         E("blindspots", "  atlas: [", "  atlas: [AML.T9999, ", "- id: BV-1\n")),
    case("check_blindspots", "blindspots", "BV-1",
         "L1-P1 has no reason: say in why.L1-P1, in one sentence, why the control applies to the blindspot",
         ("  suggested_mitigations:", "- id: BV-1\n"), cut("blindspots", "- id: BV-1\n", "    L1-P1: >-\n", "    L1-P4: >-\n")),
    case("check_blindspots", "blindspots", "BV-1", "why names L7-C1, which is not in suggested_mitigations: a reason explains a link",
         ("    L7-C1:", "- id: BV-1\n"),
         E("blindspots", "  why:\n", "  why:\n    L7-C1: A reason for a control the blindspot does not suggest.\n", "- id: BV-1\n")),
    case("check_blindspots", "blindspots", "BV-12", "no checklist item asks about this blindspot", "- id: BV-12\n",
         E("checklists", "refs: [BV-12]", "refs: []")),
    # --- check_checklists
    case("check_checklists", "checklists", "", "sections must be L1, L2, L3, L4, L5, L6, L7, CL, BV in order", "- id: L1\n",
         drop_tail("checklists", "- id: BV\n")),
    case("check_checklists", "checklists", "CK-L2-99", "item ID must start with CK-L1-", "  - id: CK-L2-99",
         E("checklists", "  - id: CK-L1-01\n", "  - id: CK-L2-99\n")),
    case("check_checklists", "checklists", "CK-L1-01", "unknown threat or blindspot T99", ("    refs:", "  - id: CK-L1-01\n"),
         E("checklists", "    refs: [", "    refs: [T99, ", "  - id: CK-L1-01\n")),
    case("check_checklists", "checklists", "CK-L1-02", "refs is empty: cite what the question probes, or say why nothing fits in no_refs",
         ("    refs:", "  - id: CK-L1-02\n"), E("checklists", "    refs: [T5, T7]", "    refs: []", "  - id: CK-L1-02\n")),
    case("check_checklists", "checklists", "CK-L1-08", "no_refs explains an empty refs list, but refs is filled", ("    no_refs:", "  - id: CK-L1-08\n"),
         E("checklists", "    refs: []", "    refs: [T6]", "  - id: CK-L1-08\n")),
    case("check_checklists", "checklists", "CK-L1-06", "unknown LLM Top 10 ID LLM01:2024", "    llm_top10: [LLM01:2024",
         E("checklists", "    llm_top10: [", "    llm_top10: [LLM01:2024, ")),
    # --- check_patterns
    case("check_patterns", "patterns", "", "patterns must be numbered from 1 without gaps", "- n: 1\n", E("patterns", "- n: 2\n", "- n: 99\n")),
    case("check_patterns", "patterns", "pattern 1", "unknown threat T99", "  threats: [T99", E("patterns", "  threats: [", "  threats: [T99, ", "- n: 1\n")),
    case("check_patterns", "patterns", "pattern 1", "unknown mitigation L1-P9", "  mitigations: [L1-P9",
         E("patterns", "  mitigations: [", "  mitigations: [L1-P9, ", "- n: 1\n")),
    case("check_patterns", "patterns", "pattern 1", "step layer L7 is not among the pattern's layers", ("  - layer: L7", "- n: 1\n"),
         E("patterns", "  - layer: L1", "  - layer: L7", "- n: 1\n")),
    case("check_patterns", "patterns", "Cascading Trust Failures", "T26 is reserved and may not be referenced", ("  threats: [T13, T26]", "key_threats:"),
         E("patterns", "  threats: [T13]", "  threats: [T13, T26]", "- label: Cascading Trust Failures")),
    # --- check_risk_factors, check_phases, check_depth
    case("check_risk_factors", "risk-factors", "non_determinism", "per_layer lacks L1", ("  per_layer:", "- key: non_determinism"),
         # the schema wants eight keys that match a layer ID; "L1\n" matches (re.search's $ allows a final newline)
         E("risk-factors", "    L1: >-", '    "L1\\n": >-', "- key: non_determinism")),
    case("check_phases", "phases", "", "phases must be 1..10", "- n: 1\n", E("phases", "- n: 10\n", "- n: 9\n")),
    case("check_phases", "phases", "phase 1", "phase 1 cannot depend on later phase 3", ("  depends_on:", "- n: 1\n"),
         E("phases", "  depends_on: []", "  depends_on: [3]", "- n: 1\n")),
    case("check_phases", "phases", "phase 1", "unknown template 'Nope Template'", ("  templates:", "- n: 1\n"),
         E("phases", "  templates: [", "  templates: [Nope Template, ", "- n: 1\n")),
    case("check_depth", "depth", "full", "unknown layer CL", ("  layers:", "- key: full"), NO_CL_LAYER),
    # --- check_scoring
    case("check_scoring", "scoring", "Low", "risk matrix row Low must have one cell per likelihood level", ("  Low:", "matrix:"),
         E("scoring", "    Possible: Low\n", "", "matrix:")),
    case("check_scoring", "scoring", "", "risk levels must be Low=1, Medium=2, High=3, Critical=4", ("- level: Low", "risk_levels:"),
         E("scoring", "  value: 1", "  value: 5", "risk_levels:")),
    case("check_scoring", "scoring", "High", "cost-effectiveness row must have Low, Medium and High cost cells", ("  High:", "cost_effectiveness:"),
         E("scoring", "    Low: Implement immediately (best ROI)\n", "", "cost_effectiveness:")),
    # --- check_counts
    case("check_counts", "threats", "core", f"{CORE + 1} core threats, meta.yaml counts declare {CORE}", "- id: T1\n",
         E("threats", "  kind: extended", "  kind: core", f"- id: T{CORE + 1}\n")),
    case("check_counts", "blindspots", "blindspots", f"{BLINDSPOTS} blindspots, meta.yaml counts declare {BLINDSPOTS + 1}", "- id: BV-1\n",
         E("meta", f"  blindspots: {BLINDSPOTS}", f"  blindspots: {BLINDSPOTS + 1}")),
    case("check_counts", "threats", "considerations", f"{CONSIDERATIONS} considerations, meta.yaml counts declare {CONSIDERATIONS + 1}",
         "- key: collaborative-model-poisoning", E("meta", f"  considerations: {CONSIDERATIONS}", f"  considerations: {CONSIDERATIONS + 1}")),
    case("check_counts", "checklists", "L5", f"{L5_ITEMS - 1} checklist items, meta.yaml counts declare {L5_ITEMS}", ("  items:", "- id: L5\n"),
         cut("checklists", f"  - id: CK-L5-{L5_ITEMS:02d}", f"  - id: CK-L5-{L5_ITEMS:02d}", "- id: L6")),
    case("check_counts", "mitigations", "L3-R", f"layer L3 has {L3_DETERRENT - 1} deterrent mitigations, meta.yaml counts declare {L3_DETERRENT}",
         "- id: L1-P1", cut("mitigations", f"- id: L3-R{L3_DETERRENT}", f"- id: L3-R{L3_DETERRENT}", "- id: L4-P1")),
    case("check_threats", "threats", "T6", "ATLAS case study AML.CS9999 is not in data/atlas.yaml", ("  atlas_case_studies:", "- id: T6\n"),
         E("threats", "  atlas_case_studies: [", "  atlas_case_studies: [AML.CS9999, ", "- id: T6\n")),
    # --- check_frameworks, check_case_studies
    case("check_frameworks", "frameworks", "L1", "ATLAS tactic AML.TA9999 is not in data/atlas.yaml", ("    atlas: [AML.TA9999", "layer_tactics:"),
         E("frameworks", "    atlas: [", "    atlas: [AML.TA9999, ", "layer_tactics:")),
    case("check_case_studies", "case-studies", "case A", "unknown threat T99", ("  threats:", "- id: A\n"),
         E("case-studies", "  threats: [", "  threats: [T99, ", "- id: A\n")),
    case("check_case_studies", "case-studies", "case A", "findings must have exactly one entry per threat of the case", ("  findings:", "- id: A\n"),
         E("case-studies", "  threats: [", "  threats: [T1, ", "- id: A\n")),
    case("check_case_studies", "case-studies", "case A", "unknown pattern 99", ("  patterns:", "- id: A\n"),
         E("case-studies", "  patterns: [1]", "  patterns: [1, 99]", "- id: A\n")),
    # --- check_prose
    case("check_prose", "threats", "T12", "markup is not allowed in data text: '<script>' (data is plain text)", ("  description:", "- id: T12\n"),
         E("threats", "  description: >-\n", "  description: >-\n    <script>alert(1)</script>\n", "- id: T12\n")),
    case("check_prose", "glossary", "Agent", "markup is not allowed in data text: '{{' (data is plain text)", ("definition:", "- term: Agent\n"),
         E("glossary", "definition: >-\n", "definition: >-\n    {{ config.secret }}\n", "- term: Agent\n")),
    case("check_prose", "threats", "T5", "description needs at least 80 words, has 2", ("  description:", "- id: T5\n"),
         cut("threats", "- id: T5\n", "  description: >-\n", "  manifestation:"), E("threats", "  manifestation:", "  description: Too short.\n  manifestation:", "- id: T5\n")),
    case("check_prose", "layers", "L3", "text cites reserved ID T26", ("  description:", "- id: L3\n"),
         E("layers", "  description: >-\n", "  description: >-\n    See T26 for details.\n", "- id: L3\n")),
    *[case("check_prose", "layers", "L3", f"text cites unknown ID {x}", ("  description:", "- id: L3\n"),
           E("layers", "  description: >-\n", "  description: >-\n    See T99 and L3-D9 and BV-13 for details.\n", "- id: L3\n"))
      for x in ("T99", "L3-D9", "BV-13")],
    # --- check_atlas
    case("check_atlas", "atlas", "AML.T0020", "a retired ID must not stay in the list", "- {id: AML.T0020, name: Publish",
         E("atlas", "- {id: AML.T0019, name: Publish", "- {id: AML.T0020, name: Publish")),
    case("check_atlas", "atlas", "AML.T0019", "successor AML.T9999 is not in the list", "- {id: AML.T0019, name: Publish",
         E("atlas", "replaced_by: AML.T0115.000}", "replaced_by: AML.T9999}")),
    case("check_atlas", "atlas", "AML.T9998", "renamed ID is not in the list", "- {id: AML.T9998, former_name",
         E("atlas", "- {id: AML.T0020, former_name", "- {id: AML.T9998, former_name")),
    # --- check_crosswalk
    case("check_crosswalk", "threats", "T1", "asi_top10 is empty: map it, or say why nothing fits in no_mapping.asi_top10", ("  asi_top10:", "- id: T1\n"),
         R("threats", r"(- id: T1\n(?:(?!\n- id:).)*?  asi_top10: )\[[^\]]*\]", r"\1[]")),
    case("check_crosswalk", "threats", "T5", "no_mapping.cwe explains an empty list, but cwe is filled", ("    cwe: >-", "  no_mapping:"),
         E("threats", "  cwe: []\n", "  cwe: [CWE-345]\n")),
    case("check_crosswalk", "blindspots", "BV-1", "unknown llm_top10 value LLM01:2024", ("  llm_top10:", "- id: BV-1\n"),
         E("blindspots", "  llm_top10: [", "  llm_top10: [LLM01:2024, ", "- id: BV-1\n")),
    case("check_crosswalk", "frameworks", "LLM07:2025", "no threat or blindspot maps to this entry: map one, or say why in 'unmapped'",
         "    - {id: LLM07, name: System Prompt Leakage", drop_item("threats", "LLM07:2025"), drop_item("blindspots", "LLM07:2025")),
    case("check_crosswalk", "frameworks", "LLM01:2025", "'unmapped' is set, but threats map to this entry", "    - {id: LLM01, name: Prompt Injection, layers",
         E("frameworks", "    - {id: LLM01, name: Prompt Injection, layers: [L1, L3]}", "    - {id: LLM01, name: Prompt Injection, layers: [L1, L3], unmapped: why}")),
    case("check_crosswalk", "mitigations", "L1-P1", "ATLAS mitigation AML.M9999 is not in data/atlas.yaml", ("  atlas_mitigations:", "- id: L1-P1\n"),
         E("mitigations", "  atlas_mitigations: [", "  atlas_mitigations: [AML.M9999, ", "- id: L1-P1\n")),
    # --- check_lifecycle
    case("check_lifecycle", "blindspots", "BV-12", "status deprecated and a 'deprecated' block go together", ("  status:", "- id: BV-12\n"),
         E("blindspots", "- id: BV-12\n", "- id: BV-12\n  status: deprecated\n")),
    case("check_lifecycle", "blindspots", "BV-12", "BV-99 must be an active ID of the same type", ("    replaced_by:", "- id: BV-12\n"),
         E("blindspots", "- id: BV-12\n", "- id: BV-12\n  status: revoked\n  revoked:\n    replaced_by: BV-99\n    version: 1.2.0\n    reason: merged\n")),
    case("check_lifecycle", "checklists", "CK-BV-12", "BV-12 is deprecated: remove it from the checklist", "refs: [BV-12]",
         E("blindspots", "- id: BV-12\n", "- id: BV-12\n  status: deprecated\n  deprecated: {reason: merged, version: 1.2.0}\n")),
    case("check_lifecycle", "mapping", "T47", "a deprecated or revoked threat leaves the matrix: remove its row", "- threat: T47",
         E("threats", "- id: T47\n", "- id: T47\n  status: deprecated\n  deprecated: {reason: merged, version: 1.2.0}\n")),
    case("check_lifecycle", "mitigations", "L7-P2", "T47 is deprecated: remove it from the list (its page stays)", ("  addresses: [T47", "- id: L7-P2\n"),
         E("threats", "- id: T47\n", "- id: T47\n  status: deprecated\n  deprecated: {reason: merged, version: 1.2.0}\n")),
    # --- check_coverage: take a link away and the threat or blindspot left without that type is named
    case("check_coverage", "threats", "T19",
         "no detective control in the catalog: add T19 to the addresses of such a control in mitigations.yaml, with its reason in why",
         "- id: T19\n", E("mitigations", "  addresses: [T19, T21]", "  addresses: [T21]", "- id: L3-D2\n")),
    case("check_coverage", "blindspots", "BV-1",
         "no detective control among the suggested mitigations: suggest one, with its reason in why",
         ("  suggested_mitigations:", "- id: BV-1\n"), E("blindspots", "L3-P2, L1-D1, L6-P3", "L3-P2, L6-P3", "- id: BV-1\n")),
    # --- check_decisions
    case("check_decisions", "decisions", "", "decisions must run D01.. without gaps", "- id: D01\n", E("decisions", "- id: D02\n", "- id: D98\n")),
    case("check_decisions", "decisions", "", "rulings must run R01.. without gaps", "- id: R01\n", E("decisions", "- id: R02\n", "- id: R98\n")),
    case("check_decisions", "decisions", "R09", "CL-D4 addresses lack ['T41'], which the ruling says it adds", "  - {id: CL-D4",
         E("decisions", "  - {id: CL-D4, field: addresses, adds: [T42]}", "  - {id: CL-D4, field: addresses, adds: [T42, T41]}")),
    case("check_decisions", "decisions", "R09", "extends unknown layers owner BV-99", "  - {id: BV-99",
         E("decisions", "  - {id: BV-5, field: layers", "  - {id: BV-99, field: layers")),
    # --- check_sweep
    case("check_sweep", "sweep", "", "weaknesses must run SW-001.. in order without gaps", "- id: SW-001\n",
         E("sweep", "- id: SW-002\n", "- id: SW-099\n")),
    case("check_sweep", "sweep", "SW-002", "unknown threat T99", ("  threats:", "- id: SW-002\n"), E("sweep", "  threats: [T11, T2]", "  threats: [T11, T99]", "- id: SW-002\n")),
    case("check_sweep", "sweep", "SW-002", "T26 is reserved and may not be referenced", ("  threats:", "- id: SW-002\n"),
         E("sweep", "  threats: [T11, T2]", "  threats: [T11, T26]", "- id: SW-002\n")),
    case("check_sweep", "sweep", "SW-002", "unknown or retired mitigation L3-P9", ("  control:", "- id: SW-002\n"),
         E("sweep", "  control: L3-P1", "  control: L3-P9", "- id: SW-002\n")),
    case("check_sweep", "sweep", "SW-002", "L3-D1 is not a preventive control: name the control that would prevent the weakness",
         ("  control:", "- id: SW-002\n"), E("sweep", "  control: L3-P1", "  control: L3-D1", "- id: SW-002\n")),
    case("check_sweep", "sweep", "SW-PY-002", "duplicate rule ID SW-PY-002", ("  - id: SW-PY-002", "", 2),
         E("sweep", "  - id: SW-JS-002\n", "  - id: SW-PY-002\n")),
    case("check_sweep", "sweep", "SW-GO-003", "a rule of SW-002 must end in 002", "  - id: SW-GO-003",
         E("sweep", "  - id: SW-GO-002\n", "  - id: SW-GO-003\n")),
    case("check_sweep", "sweep", "SW-PY-002", "unknown CWE ID (add it to frameworks.yaml) CWE-79", ("    cwe:", "  - id: SW-PY-002\n"),
         E("sweep", "    cwe: [CWE-78]", "    cwe: [CWE-79]", "  - id: SW-PY-002\n")),
    case("schema", "sweep", "SW-PY-002", "weaknesses/1/rules/0/cwe/0: 'CWE-078' does not match...", ("    cwe:", "  - id: SW-PY-002\n"),
         E("sweep", "    cwe: [CWE-78]", "    cwe: [CWE-078]", "  - id: SW-PY-002\n")),
]


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.name)
def test_bad_input(data, c: Case):
    assert_refused(data, c)


def test_every_rule_has_a_row():
    covered = {c.rule for c in CASES}
    missing = [r.__name__ for r in crossref.RULES if r.__name__ not in covered]
    assert not missing, f"cross-reference rules without a row in CASES: {missing}"
    unknown = covered - {r.__name__ for r in crossref.RULES} - {"files", "yaml", "schema"}
    assert not unknown, f"rows name rules that are not in crossref.RULES: {unknown}"


def test_valid_data_loads(data):
    assert load_kb(data).version


def test_error_format_names_file_line_and_id(data):
    E("mitigations", "- id: L3-D3\n", "- id: L3-D2\n").apply(data)
    with pytest.raises(KBError) as exc:
        load_kb(data)
    assert re.search(r"data/mitigations\.yaml:\d+: \[L3-D2\] duplicate ID", str(exc.value))


def test_a_duplicated_entry_names_both_lines(data):
    """Lists of entries with IDs are not compared whole by the schema (uniqueItems): a duplicated entry is refused by
    the loader, at the copy's line, naming the first one's."""
    E("atlas", TECHNIQUE, TECHNIQUE + "\n" + TECHNIQUE).apply(data)
    text = (data / "atlas.yaml").read_text(encoding="utf-8")
    first, second = (line_in(text, "- id: AML.T0051\n", "", n) for n in (1, 2))
    with pytest.raises(KBError) as exc:
        load_kb(data)
    assert f"data/atlas.yaml:{second}: [AML.T0051] duplicate ID AML.T0051 (first defined on line {first})" in str(exc.value)


def test_missing_data_directory(tmp_path):
    with pytest.raises(KBError) as exc:
        load_kb(tmp_path / "nope")
    assert exc.value.problems[0].message == "data directory not found"


@pytest.mark.build
def test_bad_data_stops_build_before_writing(mkdocs, project_copy):
    E("mitigations", "- id: L3-D3\n", "- id: L3-D2\n").apply(project_copy / "data")
    out = project_copy / "site"
    out.mkdir()
    (out / "keep.txt").write_text("previous build")
    res = mkdocs("build", "--strict", "-d", str(out), cwd=project_copy, check=False)
    assert res.returncode != 0
    assert "data/mitigations.yaml" in res.stderr and "[L3-D2] duplicate ID" in res.stderr
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"], "nothing may be written or cleaned"


@pytest.mark.build
def test_unknown_id_in_page_stops_build(mkdocs, project_copy):
    page = project_copy / "docs" / "playbook" / "09-mitigation-catalog.md"
    page.write_text(page.read_text() + "\n\nSee also T99 here.\n")
    res = mkdocs("build", "--strict", "-d", str(project_copy / "site"), cwd=project_copy, check=False)
    assert res.returncode != 0
    assert re.search(r"docs/playbook/09-mitigation-catalog\.md:\d+: unknown ID T99", res.stderr)
