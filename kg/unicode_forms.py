"""One spelling of an identifier, whichever Unicode form a source wrote it in.

Used wherever identifiers are compared: identity keys (:mod:`kg.ingestion.identities`), hence
matching, suppression and the keyed hashes, and the identifiers extraction finds in text.
"""

from __future__ import annotations

import unicodedata


def canonical_text(value: str) -> str:
    """An identifier as one spelling, whatever the keyboard or the copy and paste made of it.

    Unicode NFKC folds compatibility forms (fullwidth letters and digits, ligatures, NFD's
    combining accents) into the composed form; format characters (zero-width space, word
    joiner, soft hyphen, byte-order mark, bidirectional marks: category Cf) are dropped, since
    they are invisible and would otherwise make ``ada@example.com`` with a zero-width space a
    second person that suppression does not recognise; every decimal digit of any script
    becomes its ASCII digit. Letters of other scripts are left alone: Cyrillic a (U+0430),
    which looks like Latin a, is still another identifier (NFKC does not fold across
    scripts), so two different people's look-alike addresses never merge."""
    composed = unicodedata.normalize("NFKC", value)
    return "".join(str(digit) if (digit := unicodedata.decimal(ch, None)) is not None else ch
                   for ch in composed if unicodedata.category(ch) != "Cf")
