"""Entities that mean something on social text.

Statistical NER trained on news reads social text badly: it tags handles as people, ``XXXX``
redactions as organisations, numbers as anything. This component runs after NER (and the
gazetteer) and after ``ckg_social``:

- an entity overlapping a handle, hashtag, URL, emoji or emoticon is dropped, and so is one
  made of redaction marks (``XXXX``), digits or punctuation, or a single lower-case word;
- a handle of a known brand account (``data/brand_accounts.tsv``, ``KG_BRAND_ACCOUNTS``, or a
  gazetteer row of type BRAND whose name or alias is the handle) becomes a BRAND entity with
  the id ``brand:<brand name>``; other handles (customers, anonymised ids) never become
  entities;
- a handle shaped like a support account (``@AskX``, ``@XSupport``, ``@XHelp``, ``@XCares``)
  is a brand account too, named after its handle;
- a brand's name written in plain words (``data/brand_names.tsv`` and the brands of the
  accounts list; one-word names only as written, so "Target" and not "target") is a BRAND
  entity, replacing an NER entity it overlaps;
- organisations from the statistical NER (ORG) are dropped unless ``KG_NER_ORGANISATIONS`` is
  true: on the dev half of the real-message gold set they were right less than half the time
  (products, agencies, shouted words), while brands come from the accounts, names and
  gazetteers above; dropping them raised entity precision (docs/figures.md);
- PERSON entities need a capitalised first and last name: on reviews and tweets the news-trained
  NER calls most capitalised words (foods, pets, "Kudos") people;
- names must look like names: every word capitalised (bar "of", "and", "&", …), no shouted
  phrases ("RIP OFF"), no organisation of three letters or fewer ("DM", "CSR"), and a
  one-word name that is an ordinary English word ("Account", "Sugar", "AWESOME"; the base
  model's lemmatizer word lists) is not an entity unless it is a place. A leading "the" is
  left out of the span.
"""

from __future__ import annotations

import re
from functools import cache

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.extraction.lexicons import brand_accounts, brand_names
from kg.extraction.spans import DisjointSpans, FixedSpans

KEPT_LABELS = {"ORG", "PERSON", "GPE", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "NORP",
               "MONEY", "DATE", "TIME", "BRAND", "COMPETITOR", "STAFF", "LAW", "LANGUAGE",
               "PERCENT", "QUANTITY", "ORDINAL", "CARDINAL"}
REDACTED = re.compile(r"X{2,}|x{4,}")
MARKUP = re.compile(r"[<>]|&amp|&$|^&")
JOINERS = {"of", "and", "&", "for", "de", "la", "the", "n", "'n", "-", "'s", "."}
DETERMINERS = {"the", "these", "this", "those", "my", "our", "a", "an"}
# Heads of descriptions rather than names ("the Credit Bureau", "Litigation Department").
GENERIC_HEADS = {"court", "courts", "bureau", "bureaus", "department", "dept", "office", "act",
                 "card", "reporting", "contract", "team", "lenders", "associates", "finance"}
NO_LETTERS = re.compile(r"^[\W\d_]+$")
SUPPORT_ACCOUNT = re.compile(r"^(ask_?\w{2,}|\w{2,}?_?(support|help|helps|helpers|care|cares|"
                             r"service|assist))$", re.IGNORECASE)


def brand_of(handle: str, known: dict[str, str]) -> str | None:
    """The brand behind a handle (without ``@``), or None for a customer or unknown account."""
    brand = known.get(handle.lower())
    if brand is None and SUPPORT_ACCOUNT.match(handle):
        brand = handle
    return brand


NAMES = ("ORG", "PERSON", "GPE", "LOC", "FAC", "PRODUCT", "NORP", "EVENT", "WORK_OF_ART")


def is_noise(span: Span, social: FixedSpans, words: frozenset[str]) -> bool:
    """Whether an entity is an artefact of social text; the user's gazetteer rows never are."""
    text = span.text
    if span.ent_id_:
        return bool(REDACTED.search(text))
    if social.overlaps(span.start_char, span.end_char):
        return True
    if REDACTED.search(text) or NO_LETTERS.match(text):
        return True
    if span.label_ not in NAMES:
        return len(span) == 1 and text.islower()
    alpha = [t for t in span if not t.is_punct and t.lower_ not in JOINERS]
    if not alpha or MARKUP.search(text) or any(not t.text[0].isupper() and not t.text[0].isdigit()
                                                for t in alpha):
        return True
    if (len(alpha) > 1 and text.isupper()) or alpha[0].lower_ == "dear":
        return True
    if alpha[-1].lower_ in GENERIC_HEADS and all(t.lower_ in words for t in alpha):
        return True
    if span.label_ == "PERSON":
        return len(alpha) < 2
    if span.label_ == "ORG" and len(text) <= 3:
        return True
    return span.label_ != "GPE" and len(alpha) == 1 and alpha[0].lower_ in words


def trimmed(span: Span) -> Span:
    """The span without a leading determiner ("the Harmony Farms" → "Harmony Farms")."""
    if len(span) > 1 and span[0].lower_ in DETERMINERS:
        return Span(span.doc, span.start + 1, span.end, label=span.label_, span_id=span.id_)
    return span


class SocialEntities:
    def __init__(self, nlp: Language, accounts: dict[str, str], ner_organisations: bool
                 ) -> None:
        self.accounts = accounts
        self.ner_organisations = ner_organisations
        self.words = dictionary_words(nlp)
        self.names = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.exact_names = PhraseMatcher(nlp.vocab, attr="ORTH")
        for name in brand_names():
            matcher = self.names if " " in name or "." in name else self.exact_names
            matcher.add(name, [nlp.make_doc(name)])

    def __call__(self, doc: Doc) -> Doc:
        # Overlap checks by bisection: a text of thousands of emoji or handles stays linear.
        social = doc._.social or []
        social_chars = FixedSpans((s, e) for _, s, e in social)
        handles = [(s, e) for kind, s, e in social if kind == "handle"]
        named = [Span(doc, start, end, label="BRAND",
                      span_id=f"brand:{doc.vocab.strings[match_id].lower()}")
                 for matcher in (self.names, self.exact_names)
                 for match_id, start, end in matcher(doc)]
        named = [span for span in filter_spans(named)
                 if not social_chars.overlaps(span.start_char, span.end_char)]
        named_tokens = FixedSpans((n.start, n.end) for n in named)
        kept = [trimmed(ent) for ent in doc.ents if not is_noise(ent, social_chars, self.words)
                and (self.ner_organisations or ent.label_ != "ORG" or ent.ent_id_)
                and not named_tokens.overlaps(ent.start, ent.end)] + named
        taken = DisjointSpans()
        for entity in kept:
            taken.add(entity.start, entity.end)
        text = doc.text  # built from the tokens on every access: read it once
        for start, end in handles:
            brand = brand_of(text[start + 1:end], self.accounts)
            if brand is None:
                continue
            span = doc.char_span(start, end, label="BRAND", alignment_mode="expand",
                                 span_id=f"brand:{brand.lower()}")
            if span is not None and taken.overlapping(span.start, span.end) is None:
                kept.append(span)
                taken.add(span.start, span.end)
        doc.ents = sorted(kept, key=lambda e: e.start)
        return doc


def dictionary_words(nlp: Language) -> frozenset[str]:
    """Ordinary English words: the base model's lemmatizer word lists (empty without one)."""
    if "lemmatizer" not in nlp.pipe_names:
        return frozenset()
    lookups = nlp.get_pipe("lemmatizer").lookups  # type: ignore[attr-defined]
    if not lookups.has_table("lemma_index"):
        return frozenset()
    table = lookups.get_table("lemma_index")
    return frozenset(word for key in table for word in table[key])


@cache
def _accounts(extra: tuple[str, ...]) -> dict[str, str]:
    accounts = dict(brand_accounts())
    for handle in extra:
        accounts[handle.lstrip("@").lower()] = handle.lstrip("@")
    return accounts


@Language.factory("ckg_entities", default_config={"brand_accounts": [],
                                                  "ner_organisations": False})
def make_entities(nlp: Language, name: str, brand_accounts: list[str],
                  ner_organisations: bool) -> SocialEntities:
    return SocialEntities(nlp, _accounts(tuple(brand_accounts)), ner_organisations)
