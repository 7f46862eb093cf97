"""Language identification, so English lexicons never score text in another language.

py3langid ships its model inside the package (nothing is downloaded). A message counts as
another language only when the identifier is confident; short or mixed messages stay English.
"""

from __future__ import annotations

from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier
from spacy.language import Language
from spacy.tokens import Doc

if not Doc.has_extension("language"):
    Doc.set_extension("language", default=None)


@cache
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def is_supported(doc: Doc) -> bool:
    """Whether the lexicon-based components should read this doc."""
    language = doc._.language
    return language is None or language[2]


class LanguageGuard:
    def __init__(self, supported: list[str], min_confidence: float) -> None:
        self.supported = set(supported)
        self.min_confidence = min_confidence

    def __call__(self, doc: Doc) -> Doc:
        code, probability = _identifier().classify(doc.text)
        supported = code in self.supported or probability < self.min_confidence
        doc._.language = (str(code), round(float(probability), 3), supported)
        return doc


@Language.factory("ckg_language", default_config={"supported": ["en"], "min_confidence": 0.8})
def make_language(nlp: Language, name: str, supported: list[str],
                  min_confidence: float) -> LanguageGuard:
    return LanguageGuard(supported, min_confidence)
