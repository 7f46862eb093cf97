"""Identifiers that tie a message to a customer or a case: emails, phones, reference numbers."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from kg.extraction.spans import FixedSpans
from kg.unicode_forms import canonical_text

EMAIL = re.compile(r"\b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){2,3}(?!\w)"
)
REFERENCE = re.compile(
    r"\b(?P<kind>order|booking|reservation|ticket|case|reference|ref|account|acct|confirmation)"
    r"(?:\s*(?:number|no\.?|num|#|id|code|ref|reference))?\s*[:#]?\s*(?P<value>[A-Z0-9][A-Z0-9-]{3,})\b",
    re.IGNORECASE,
)
KINDS = {"order": "order", "booking": "booking", "reservation": "booking",
         "confirmation": "booking", "ticket": "ticket", "case": "ticket", "reference": "ticket",
         "ref": "ticket", "account": "account", "acct": "account"}
REDACTION = {"email": "[EMAIL]", "phone": "[PHONE]"}

if not Doc.has_extension("identifiers"):
    Doc.set_extension("identifiers", default=None)


def normalise_phone(raw: str) -> str:
    digits = re.sub(r"\D", "", canonical_text(raw))
    return ("+" if raw.strip().startswith("+") else "") + digits


def find_identifiers(text: str) -> list[tuple[str, int, int, str]]:
    """(kind, start, end, normalised value) for every identifier in the text."""
    found: list[tuple[str, int, int, str]] = []
    for match in EMAIL.finditer(text):
        found.append(("email", match.start(), match.end(),
                      canonical_text(match.group()).lower()))
    for match in REFERENCE.finditer(text):
        value = match.group("value")
        if any(ch.isdigit() for ch in value):
            kind = KINDS[match.group("kind").lower()]
            found.append((kind, match.start("value"), match.end("value"), value.upper()))
    taken = FixedSpans((s, e) for _, s, e, _ in found)
    for match in PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        overlaps = taken.overlaps(match.start(), match.end())
        if 7 <= len(digits) <= 15 and not overlaps:
            found.append(("phone", match.start(), match.end(), normalise_phone(match.group())))
    for match in re.finditer(r"(?<![\w@])@(\w{1,30})", text):
        if not taken.covers(match.start()):
            found.append(("handle", match.start(), match.end(), match.group(1).lower()))
    return sorted(found, key=lambda item: item[1])


def redact(text: str, identifiers: list[tuple[str, int, int, str]]) -> str:
    """Replace emails and phone numbers by placeholders, for storage when redaction is on."""
    pieces, cursor = [], 0
    for kind, start, end, _ in identifiers:
        if kind in REDACTION and start >= cursor:
            pieces += [text[cursor:start], REDACTION[kind]]
            cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


class IdentifierFinder:
    def __call__(self, doc: Doc) -> Doc:
        doc._.identifiers = find_identifiers(doc.text)
        return doc


@Language.factory("ckg_identifiers", default_config={})
def make_identifiers(nlp: Language, name: str) -> IdentifierFinder:
    return IdentifierFinder()
