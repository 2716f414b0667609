"""Find identifiers and the names written next to them in free text.

Used by `maestro check` on every string of an engagement. Text is normalised first (Unicode
compatibility forms, zero-width and other invisible characters, dash look-alikes inside IDs),
so ``T\u200b99`` or full-width ``Ｔ９９`` cannot slip past as something else.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

_INVISIBLE = {c: None for c in (0x00AD, 0x180E, 0x200B, 0x200C, 0x200D, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF)}
_HYPHENS = {c: "-" for c in (0x2010, 0x2011, 0x2012, 0x2212, 0xFE63)}


def normalise(text: str) -> str:
    """NFKC, invisible characters removed, hyphen look-alikes made ASCII hyphens."""
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_HYPHENS)


# ------------------------------------------------------------------ characters that hide what text says
_LOOKALIKE_SCRIPTS = {"CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE"}  # scripts with letters that pass for Latin ones
_WORD = re.compile(r"[^\W_]+")


def code_point(ch: str) -> str:
    """``U+200B ZERO WIDTH SPACE``: how a message names one character."""
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'UNNAMED CHARACTER')}"


def hidden_characters(text: str) -> list[str]:
    """Each distinct invisible or bidirectional-control character in ``text`` (Unicode category Cf: zero-width
    spaces and joiners, soft hyphen, byte-order mark, the embedding, override and isolate controls), named."""
    return [code_point(ch) for ch in dict.fromkeys(ch for ch in text if unicodedata.category(ch) == "Cf")]


def _script(ch: str) -> str:
    return unicodedata.name(ch, "").split(" ", 1)[0]


def mixed_script_words(text: str) -> list[str]:
    """Words that mix Latin letters with letters of a script that has Latin look-alikes (Cyrillic 'Т' in 'Т12')."""
    out = []
    for word in dict.fromkeys(_WORD.findall(text)):
        if word.isascii():
            continue
        scripts = {_script(ch) for ch in word if ch.isalpha()}
        if "LATIN" in scripts and scripts & _LOOKALIKE_SCRIPTS or (scripts & _LOOKALIKE_SCRIPTS and any(c.isdigit() for c in word)):
            out.append(word)
    return out


_B = r"(?<![\w.\-/#])"   # not inside a longer token, a URL path or an anchor
_E = r"(?![\w\-])"
_TOKEN = re.compile(
    _B + r"(?P<tok>AML\.(?:TA|T|M)[0-9]{4}(?:\.[0-9]{3})?|LLM[0-9]{2}(?::[0-9]{4})?|ASI[0-9]{2}(?::[0-9]{4})?"
    r"|(?i:(?:L[0-9]+|CL)-[PDCR][0-9]+)|(?i:BV-[0-9]+)|T[0-9]+|L[0-9]+)" + _E)
_RANGE = re.compile(_B + r"T(?P<a>[0-9]+)\s*[-\u2013]\s*T?(?P<b>[0-9]+)" + _E)  # T40-T47, T1–T15
_LINK = re.compile(r"/(?P<kind>threats|blindspots|mitigations|layers)/(?P<tok>[^/\s)\]\"'#?]+)", re.I)
_URL_REACH = 2048  # how far back a link's scheme is looked for; keeps the scan linear on a line of links


def _external(text: str, at: int) -> bool:
    """Whether the path starting at ``at`` belongs to a URL with a scheme (another site's page)."""
    lo = max(0, at - _URL_REACH)
    start = max(lo - 1, *(text.rfind(c, lo, at) for c in " \t([<\"'"))
    return "://" in text[start + 1:at]


_LINK_KIND = {"threats": "threat", "blindspots": "blindspot", "mitigations": "mitigation", "layers": "layer"}


@dataclass(frozen=True)
class Mention:
    token: str      # as normalised, upper-cased for our own ID shapes
    kind: str       # threat, blindspot, mitigation, layer, atlas, llm, asi
    start: int
    end: int
    link: bool = False


def _kind(tok: str) -> str:
    if tok.startswith("AML."):
        return "atlas"
    if tok.startswith("LLM"):
        return "llm"
    if tok.startswith("ASI"):
        return "asi"
    if tok.startswith("BV-"):
        return "blindspot"
    if "-" in tok:
        return "mitigation"
    return "threat" if tok.startswith("T") else "layer"


def mentions(text: str) -> list[Mention]:
    """Every identifier-shaped token and every link to an ID page in normalised ``text``."""
    out = []
    for m in _TOKEN.finditer(text):
        tok = m.group("tok")
        tok = tok.upper() if ("-" in tok and not tok.startswith(("AML", "LLM", "ASI"))) else tok
        out.append(Mention(tok, _kind(tok), m.start("tok"), m.end("tok")))
    seen = {(x.token, x.end) for x in out}
    for m in _RANGE.finditer(text):
        for g in ("a", "b"):
            if ("T" + m.group(g), m.end(g)) not in seen:
                out.append(Mention("T" + m.group(g), "threat", m.start(g) - 1, m.end(g)))
    for m in _LINK.finditer(text):
        if _external(text, m.start()):
            continue                                            # https://atlas.mitre.org/mitigations/..., not ours
        kind = _LINK_KIND[m.group("kind").lower()]
        tok = m.group("tok").rstrip(".,;:")
        tok = tok[:-3] if tok.lower().endswith(".md") else tok   # a source link, ../threats/T6.md
        if tok.lower() == "index":
            continue                                            # the registry page, not an ID
        tok = "CL" if kind == "layer" and tok.lower() == "cross-layer" else tok
        out.append(Mention(tok, kind, m.start("tok"), m.start("tok") + len(tok), link=True))
    return out


# ------------------------------------------------------------------ local IDs
_LOCAL = re.compile(_B + r"(?P<tok>(?P<prefix>[A-Z][A-Z0-9]{1,15})-(?P<kind>[TM])[0-9]+|(?:A|TA|TB|AF|DF|CV|RR|REM)[0-9]+)" + _E)


def local_ids(text: str) -> list[tuple[str, int]]:
    """(token, offset) of every local record ID: PREFIX-T7, PREFIX-M3, A1, TA2, TB3, AF4, DF1, CV5, RR6, REM7."""
    out = []
    for m in _LOCAL.finditer(text):
        tok = m.group("tok")
        if m.group("prefix") and re.fullmatch(r"(?:L[0-9]+|T[0-9]+|CL|BV|CK|CWE|AML|LLM|ASI)", m.group("prefix")):
            continue
        out.append((tok, m.start("tok")))
    return out


# ------------------------------------------------------------------ names next to IDs
_SMALL = {"and", "or", "of", "the", "via", "to", "in", "for", "on", "by", "with", "a", "an", "&", "/", "-", "+", "vs"}
_STOP = _SMALL | {"from", "into", "at", "is", "are", "be", "as", "not", "no", "its", "their", "this", "that"}


def fold(s: str) -> str:
    """Comparison form of a name: case folded, '&' read as 'and', punctuation and spacing ignored."""
    s = s.casefold().replace("&", " and ")
    return " ".join(re.findall(r"[a-z0-9]+", s))


def _words(s: str) -> list[str]:
    return [w for w in fold(s).split() if w not in _STOP and len(w) > 2]


def ratio(a: str, b: str) -> float:
    """Character similarity of two names in comparison form (0 to 1)."""
    return SequenceMatcher(None, fold(a), fold(b)).ratio()


def similarity(a: str, b: str) -> float:
    """How close two names are: the better of character similarity and word overlap."""
    fa, fb = fold(a), fold(b)
    if not fa or not fb:
        return 0.0
    ratio = SequenceMatcher(None, fa, fb).ratio()
    wa, wb = set(_words(a)), set(_words(b))
    overlap = len(wa & wb) / len(wa) if wa else 0.0
    return max(ratio, overlap)


def looks_like_name(s: str) -> bool:
    """Two to nine words in title case: the shape of a threat, blindspot or control name."""
    words = s.split()
    if not 2 <= len(words) <= 9 or re.search(r"[0-9]", s):
        return False
    return all(w[0].isupper() or w.lower() in _SMALL or not w[0].isalpha() for w in words) and words[0][0].isupper()


@dataclass(frozen=True)
class NamedMention:
    token: str
    written: str     # the text taken as the name
    notation: str    # paren, colon, cell, after, before
    rest: str = ""   # for "after": everything that follows the ID, so a name with brackets is seen whole


_AFTER_LABEL = re.compile(r"^\s*(?:\((?P<paren>[^()\n]{2,120})\)|(?:[:\u2013\u2014]|\s-)\s*(?P<colon>[^|;,.()\[\]\n]{2,120}))")
_DELIM = re.compile(r"\s+[-\u2013\u2014]\s+|[|;,.()\[\]]")


def _clean(s: str) -> str:
    return _DELIM.split(s, maxsplit=1)[0].strip().strip("*_`\"'").strip()


_NAME_REACH = 400  # a name written next to an ID is at most 160 characters plus its punctuation


def names_near(text: str, m: Mention) -> list[NamedMention]:
    """Text written as the name of the ID at ``m``, in every common notation.

    Only a window of the line around the ID is looked at, so a line of thousands of IDs is scanned in
    linear time; a window that does not reach the start of the line begins with a NUL, which no pattern
    below takes for the start of the line.
    """
    out = []
    lo = max(0, m.start - _NAME_REACH)
    after, before = text[m.end:m.end + _NAME_REACH], ("\x00" if lo else "") + text[lo:m.start]
    lab = _AFTER_LABEL.match(after)
    if lab:
        written = (lab.group("paren") or lab.group("colon") or "").strip().strip("*_`\"'").strip()
        out.append(NamedMention(m.token, written if lab.group("paren") else _clean(written), "paren" if lab.group("paren") else "colon"))
    cell = re.match(r"^\s*\|\s*([^|\n]+?)\s*\|", after)
    if cell and (before.rstrip(" \t*_`") == "" or before.rstrip(" \t*_`").endswith("|")):
        out.append(NamedMention(m.token, cell.group(1).strip("*_` "), "cell"))
    if not lab and not cell:
        bare = re.match(r"^[*_`]*\s+([A-Za-z][^|;,.()\[\]\n]{2,120})", after)
        if bare:
            out.append(NamedMention(m.token, bare.group(1).strip(), "after", after.lstrip(" *_`")))
    # the costly pattern runs only where the ID stands right after an opening bracket, as in "Tool Misuse (T2)"
    pre = re.search(r"([^|;:.()\[\]\n]{2,160})\(\s*[*_`]*$", before) if before.rstrip(" \t*_`").endswith("(") else None
    if pre and re.match(r"^[*_`]*\s*\)", after):
        out.append(NamedMention(m.token, pre.group(1).strip().strip("*_`").strip(), "before"))
    return out


def could_be_name(written: str, from_end: bool) -> bool:
    """Whether any run of words at the start (or end) of ``written`` could pass ``looks_like_name``: a cheap test
    that spares the similarity measures on running text such as a list of IDs."""
    words = written.split()
    if len(words) < 2:
        return False
    first, second = (words[-2], words[-1]) if from_end else (words[0], words[1])
    return not re.search(r"[0-9]", first + second) and (from_end or first[:1].isupper())


def best_span(written: str, canonical: str, from_end: bool) -> str:
    """The run of words at the start (or end) of ``written`` that is closest to ``canonical``."""
    words = written.split()
    n = len(canonical.split())
    spans = [" ".join(words[-k:]) if from_end else " ".join(words[:k]) for k in range(1, min(len(words), n + 2) + 1)]
    return max(spans, key=lambda s: (word_f1(s, canonical), ratio(s, canonical)), default="")


def _same_word(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))


def word_f1(a: str, b: str) -> float:
    """Overlap of the significant words of two names (F1 of precision and recall; 'allowlist' matches 'allowlisting')."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return 0.0
    p = sum(any(_same_word(x, y) for y in wb) for x in wa) / len(wa)
    r = sum(any(_same_word(y, x) for x in wa) for y in wb) / len(wb)
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)
