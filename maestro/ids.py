"""Identifier formats: one regular expression per ID type, shared by schema, loader, linker and CLI."""
import re

THREAT = r"T[1-9][0-9]*"
BLINDSPOT = r"BV-[1-9][0-9]*"
MITIGATION = r"(?:L[1-7]|CL)-[PDCR][1-9][0-9]*"
LAYER = r"(?:L[1-7]|CL)"
CHECK_ITEM = r"CK-(?:L[1-7]|CL|BV)-[0-9]{2}"
ATLAS_TECHNIQUE = r"AML\.T[0-9]{4}(?:\.[0-9]{3})?"
ATLAS_CASE_STUDY = r"AML\.CS[0-9]{4}"
ATLAS_TACTIC = r"AML\.TA[0-9]{4}"
ATLAS_MITIGATION = r"AML\.M[0-9]{4}"
LLM = r"LLM(?:0[1-9]|10)"
LLM_CITED = LLM + r":[0-9]{4}"   # as the publisher writes it, with the edition: LLM01:2025
ASI = r"ASI(?:0[1-9]|10)"
CWE = r"CWE-[1-9][0-9]*"
DEFECT = r"D[0-9]{2}"
RULING = r"R[0-9]{2}"  # how this project reads a rule of the method where the upstream is silent

# Tokens that look like a citable knowledge-base ID inside prose. Layer IDs (L3) are left
# out on purpose: "L3" is common shorthand and is linked only where data says it is a layer.
CITABLE = re.compile(rf"(?<![\w/#.-])(?:{MITIGATION}|{BLINDSPOT}|{THREAT})(?![\w-])")
# Anything shaped like a citable ID, including broken ones (T0, BV-0, L9-P1), so that
# dangling references are caught rather than silently left as text.
ID_SHAPED = re.compile(r"(?<![\w/#.-])(?:T[0-9]+|BV-[0-9]+|(?:L[0-9]|CL)-[PDCR][0-9]+)(?![\w-])")


def full(pattern: str) -> str:
    return f"^{pattern}$"


def names(text: str, ident: str) -> bool:
    """Whether ``text`` writes the ID ``ident`` as a word of its own (T1 is not named by T12 or L1-T1)."""
    return re.search(rf"(?<![\w-]){re.escape(ident)}(?![\w-])", str(text)) is not None


def kind_of(token: str) -> str | None:
    for kind, rx in (("mitigation", MITIGATION), ("blindspot", BLINDSPOT), ("threat", THREAT), ("layer", LAYER)):
        if re.fullmatch(rx, token):
            return kind
    return None


def mitigation_parts(mid: str) -> tuple[str, str, int]:
    """'L3-D2' -> ('L3', 'D', 2)."""
    layer, rest = mid.split("-")
    return layer, rest[0], int(rest[1:])
