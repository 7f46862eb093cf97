"""spaCy's tokenizer with a bound on the length of the runs it splits by affixes.

spaCy peels prefixes and suffixes off a whitespace-free run one at a time, and each suffix
search rescans the rest of the run: a run of thousands of emoji or punctuation marks takes time
quadratic in its length. Runs longer than ``LONG_RUN`` characters are tokenized in pieces of
``PIECE`` characters and the pieces joined again, so the text (and every offset) is unchanged
and tokenizing stays linear in the text. Ordinary words and URLs are far shorter and keep
spaCy's own tokens.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from spacy.tokens import Doc

LONG_RUN = 200
PIECE = 100
_LONG = re.compile(rf"\S{{{LONG_RUN + 1},}}")


def _segments(text: str) -> Iterator[str]:
    """The text cut before and after every long run, long runs cut into pieces."""
    cursor = 0
    for match in _LONG.finditer(text):
        if match.start() > cursor:
            yield text[cursor:match.start()]
        for start in range(match.start(), match.end(), PIECE):
            yield text[start:min(start + PIECE, match.end())]
        cursor = match.end()
    if cursor < len(text):
        yield text[cursor:]


class BoundedTokenizer:
    """Calls the model's own tokenizer, piece by piece when the text has a long run."""

    def __init__(self, tokenizer: Callable[[str], Doc]) -> None:
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        if _LONG.search(text) is None:
            return self.tokenizer(text)
        docs = [self.tokenizer(segment) for segment in _segments(text)]
        doc = Doc.from_docs(docs, ensure_whitespace=False)
        assert doc.text == text, "tokenizing in pieces must keep the text"
        return doc

    def pipe(self, texts: Iterator[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)
