"""SARIF 2.1.0 output for `maestro check --format sarif`, so findings show in code-scanning tools and CI."""
from __future__ import annotations

from pathlib import Path

from . import urls
from . import crosswalk
from .checks import RULES

_LEVEL = {"error": "error", "warning": "warning", "pending": "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"



def _information_uri(path: str) -> dict:
    """SARIF's informationUri (an absolute URI) where the site has an address (SITE_URL); nothing otherwise."""
    base = urls.site_url()
    return {"informationUri": base + path} if base else {}

def _uri(file: str) -> str:
    p = Path(file)
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return p.as_posix()


def report(findings, kb_version: str) -> dict:
    codes = sorted(RULES)
    index = {c: i for i, c in enumerate(codes)}
    rules = [{"id": c, "name": RULES[c].name, "shortDescription": {"text": RULES[c].summary},
              "help": {"text": RULES[c].hint}, "defaultConfiguration": {"level": _LEVEL[RULES[c].severity]},
              "properties": {"phase": RULES[c].phase}} for c in codes]
    results = []
    for f in findings:
        res = {"ruleId": f.rule or "MC000", "level": _LEVEL.get(f.severity, "warning"),
               "message": {"text": (f"[{f.id}] " if f.id else "") + f.message + (f" Fix: {f.hint}" if f.hint else "")},
               "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(f.file)}, "region": {"startLine": max(1, int(f.line))}}}]}
        if f.rule in index:
            res["ruleIndex"] = index[f.rule]
        if f.severity == "pending":
            res["properties"] = {"pending": True}
        results.append(res)
    return {"$schema": SCHEMA, "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "maestro", "version": kb_version, **_information_uri("reference/check-rules/"),
                                          "rules": rules}}, "results": results}]}


def sweep_report(findings, rules: dict, engine: str) -> dict:
    """SARIF 2.1.0 for `maestro sweep --sarif`: the same shape as ``report``, one rule per sweep rule. Every result is a
    warning: a candidate to read in the code, never a verified weakness. ``rules`` maps a rule ID to sweep.Rule."""
    codes = sorted(rules)
    index = {c: i for i, c in enumerate(codes)}
    driver_rules = [{"id": c, "name": rules[c].name, "shortDescription": {"text": rules[c].finds},
                     "help": {"text": f"Prevented by {rules[c].control}; indicates {', '.join(rules[c].threats)}."},
                     "defaultConfiguration": {"level": "warning"},
                     "properties": {"weakness": rules[c].weakness, "threats": list(rules[c].threats), crosswalk.CWE.name: list(rules[c].cwe),
                                    "control": rules[c].control, "tags": list(rules[c].cwe)}} for c in codes]
    results = [{"ruleId": f.rule, "ruleIndex": index[f.rule], "level": "warning",
                "message": {"text": f"[{', '.join([*f.threats, *f.cwe])}] {f.message}"},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": f.file, "uriBaseId": "SRCROOT"},
                                                    "region": {"startLine": max(1, int(f.line))}}}]}
               for f in findings if f.rule in index]
    return {"$schema": SCHEMA, "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "maestro sweep", "version": engine,
                                          **_information_uri("playbook/06-modeling-process/#sweep"),
                                          "rules": driver_rules}}, "results": results}]}
