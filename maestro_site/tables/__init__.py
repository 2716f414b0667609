"""The macros the pages in docs/ call, one module per kind of table; ``MACROS`` names them all.

A macro is a plain function that returns Markdown (or HTML where layout needs it), escaping every
data string. Its leading parameters name what it reads: ``kb`` (the knowledge base), ``book`` (the
worked examples, :class:`examples.Book`) and ``L`` (a :class:`maestro_site.render.Linker` for the page
that calls it); the rest are the arguments a page passes, as in ``{{ threat_table("extended") }}``.
``maestro_site/main.py`` supplies the leading ones, so a test calls ``taxonomy.threat_table(kb, L)`` directly.
"""
from __future__ import annotations

import functools
import inspect

from maestro_site.tables import catalog, checklists, diagrams, examples, frameworks, matrix, process, reference, scoring, sweep, taxonomy

DEPENDENCIES = ("kb", "book", "L")
"""The parameters a macro may start with, in this order; ``bind`` fills them in."""

_BY_MODULE = {
    taxonomy: "count threat_table extended_by_layer reserved_ids considerations_table blindspot_table layer_table "
        "layer_components layer_questions quick_reference_card pattern_table single_agent_patterns extended_range last_threat "
        "key_cross_layer_threats risk_factors risk_factor_matrix mcp_threats",
    matrix: "mapping_matrix matrix_legend",
    checklists: "checklist all_checklists",
    catalog: "mitigation_catalog mitigation_types coverage_gaps",
    scoring: "severity_scale likelihood_scale risk_matrix risk_levels attack_vector_scale complexity_scale "
        "status_scale cost_scale effectiveness_scale cost_effectiveness_matrix required_controls prioritisation_steps "
        "review_schedule remediation_buckets risk_calculator",
    process: "phase_table phase_detail dependency_flow reentry_table depth_questions depth_table mvtm_checklist "
        "phase_checklist templates template",
    frameworks: "stride_table llm_top10_table llm_unmapped llm_crosswalk asi_top10_table cwe_table atlas_by_layer "
        "atlas_table framework_combinations regulatory_alignment",
    examples: "example_phase_note example_overview example_context_value example_context_table example_layer_map example_actors example_zones "
        "example_crossings example_boundaries example_assets example_register example_control_plan example_progress example_inventory example_risk_steps example_threat_list example_effective_risk example_ranking example_buckets "
        "example_threats example_mitigations example_chains example_residual example_posture example_validation "
        "example_roadmap example_summary",
    diagrams: "layer_stack_diagram layer_strip_diagram phase_flow_diagram depth_tree_diagram pattern_diagram risk_heatmap_diagram "
        "cost_effectiveness_diagram example_architecture",
    reference: "case_studies decisions rulings release_changes check_rules glossary_terms glossary_acronyms "
        "sources_table id_authority_table framework_reading",
    sweep: "sweep_rules",
}
MACROS = {name: getattr(module, name) for module, names in _BY_MODULE.items() for name in names.split()}
"""Every macro by the name pages call it with."""


def needs(fn) -> list[str]:
    """The dependencies ``fn`` takes: its leading parameters named in ``DEPENDENCIES``."""
    out = []
    for name in inspect.signature(fn).parameters:
        if name not in DEPENDENCIES:
            break
        out.append(name)
    return out


def bind(fn, deps: dict):
    """``fn`` as a page calls it: each dependency comes from ``deps[name]()``, asked for at call time."""
    wanted = needs(fn)

    @functools.wraps(fn)
    def macro(*args, **kwargs):
        return fn(*(deps[d]() for d in wanted), *args, **kwargs)

    return macro
