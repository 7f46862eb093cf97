"""Social text: handles, hashtags, URLs, emoji, emoticons and stretched words ("sooo baaad").

Nothing rewrites the text: tokens get a normalised ``norm_`` (lower case, stretched letters
squeezed) for matching, and social tokens are recorded as character spans of the original.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from spacy.language import Language
from spacy.tokens import Doc

from kg.extraction.spans import FixedSpans

HANDLE = re.compile(r"(?<![\w@])@\w{1,30}")
HASHTAG = re.compile(r"(?<![\w#&])#(\w*[A-Za-z]\w*)")
URL = re.compile(r"\bhttps?://[^\s<>\"]+|\bwww\.[^\s<>\"]+", re.IGNORECASE)
EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\U0001F1E6-\U0001F1FF]")
EMOTICON = re.compile(r"(?<!\S)(?:[:;=8][\-o\*']?[\)\]\(\[dDpP/\\|@3]|<3|:'\()(?!\S)")
STRETCH = re.compile(r"(\w)\1{2,}")
CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")

if not Doc.has_extension("social"):
    Doc.set_extension("social", default=None)


def split_hashtag(tag: str) -> list[str]:
    """``#LostLuggage`` → ``["lost", "luggage"]``; ``#lost_my_bag`` → ``["lost", "my", "bag"]``."""
    words: list[str] = []
    for part in tag.lstrip("#").split("_"):
        words.extend(w.lower() for w in CAMEL.findall(part))
    return words


def squeeze(word: str, known: frozenset[str]) -> str:
    """Shorten stretched letters to the known word they stand for (``baaad`` → ``bad``)."""
    if not STRETCH.search(word):
        return word
    double = STRETCH.sub(r"\1\1", word)
    single = STRETCH.sub(r"\1", word)
    if double in known or single not in known:
        return double
    return single


def find_social(text: str) -> list[tuple[str, int, int]]:
    found = [("url", m.start(), m.end()) for m in URL.finditer(text)]
    urls = FixedSpans((start, end) for _, start, end in found)
    for kind, pattern in (("handle", HANDLE), ("hashtag", HASHTAG), ("emoji", EMOJI),
                          ("emoticon", EMOTICON)):
        for match in pattern.finditer(text):
            if not urls.overlaps(match.start(), match.end()):
                found.append((kind, match.start(), match.end()))
    return sorted(found, key=lambda item: item[1])


class SocialText:
    def __init__(self, known_words: Iterable[str] = ()) -> None:
        self.known = frozenset(known_words)

    def __call__(self, doc: Doc) -> Doc:
        doc._.social = find_social(doc.text)
        for token in doc:
            lowered = token.lower_
            if STRETCH.search(lowered):
                token.norm_ = squeeze(lowered, self.known)
        return doc


@Language.factory("ckg_social", default_config={})
def make_social(nlp: Language, name: str) -> SocialText:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    known = set(SentimentIntensityAnalyzer().lexicon)
    from kg.ontology.concept_labels import concept_labels

    for labels in concept_labels().values():
        for label in labels:
            known.update(label.split())
    return SocialText(known)
