"""A searcher's words: as a Lucene query that cannot be read as syntax, and as the stems a
snippet highlights.

Untrusted text never reaches Lucene's query parser as syntax: only runs of word characters
are kept, lower-cased (so ``AND``, ``OR`` and ``NOT`` are plain words), and joined by spaces,
which the parser reads as "any of these". The query itself is a parameter of the Cypher call.
"""

from __future__ import annotations

import re
from typing import Final

WORD: Final = re.compile(r"\w+", re.UNICODE)
MAX_TERMS: Final = 32  # a pasted paragraph is still one bounded query
MIN_STEM: Final = 4
# Lucene's English stop words: the index leaves them out, so highlighting does too.
STOP_WORDS: Final = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is",
    "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there",
    "these", "they", "this", "to", "was", "will", "with"})


def words(text: str) -> list[str]:
    """The query's distinct words, lower-cased, in order, at most :data:`MAX_TERMS`."""
    seen: dict[str, None] = {}
    for match in WORD.finditer(text.lower()):
        seen.setdefault(match.group(), None)
    return list(seen)[:MAX_TERMS]


def lucene_query(text: str) -> str:
    """Words only, any of them; empty when the text has none (then nothing is matched)."""
    return " ".join(words(text))


def stems(text: str) -> list[str]:
    """Prefixes that find a word's inflections in a message ("refunds", "refunded" for
    "refund"): the word less its last two letters, never shorter than :data:`MIN_STEM`."""
    found = []
    for word in words(text):
        if word in STOP_WORDS or (len(word) < 3 and not word.isdigit()):
            continue
        found.append(word if len(word) <= MIN_STEM else word[:max(MIN_STEM, len(word) - 2)])
    return found
