"""SARIF 2.1.0 output for `maestro check --format sarif`, so findings show in code-scanning tools and CI."""
from __future__ import annotations

from pathlib import Path

from . import urls
from .checks import RULES

_LEVEL = {"error": "error", "warning": "warning", "pending": "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


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
            "runs": [{"tool": {"driver": {"name": "maestro", "version": kb_version, "informationUri": urls.SITE_URL + "reference/check-rules/",
                                          "rules": rules}}, "results": results}]}
