"""From canonical records and their extraction results to the rows of one graph batch.

Every key is derived from the record, never from load order: ``source:source_id`` for an
interaction, the normalised identifier for an identity, offsets and label for a mention. The
same input therefore always produces the same rows, which is what makes loads idempotent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from kg.consent.rows import consent_row
from kg.extraction.models import ExtractionResult
from kg.ingestion.identities import IDENTITY_LABELS, identity_id, network_of, normalise
from kg.ingestion.records import (
    ConsentStatement,
    CustomerRecord,
    IdentityRef,
    InteractionRecord,
    PersonAttributes,
)
from kg.ontology.mapping import GraphMapping
from kg.resolution.persons import GRAPH_KEYS, person_row

CHANNEL_LABELS = {"twitter": "SocialNetwork", "facebook": "SocialNetwork",
                  "instagram": "SocialNetwork", "social": "SocialNetwork",
                  "email": "EmailChannel", "phone": "PhoneChannel", "chat": "ChatChannel",
                  "survey": "SurveyChannel", "forum": "CommunityForum", "review": "ReviewSite",
                  "webform": "WebForm", "store": "Store", "postal": "PostalMail",
                  "regulator": "Channel"}
CUSTOMER_CHOSEN = {"twitter", "facebook", "instagram", "social", "forum", "review", "regulator"}
ENTITY_LABELS = {"ORG": "Organisation", "PERSON": "NamedPerson", "GPE": "Place", "LOC": "Place",
                 "FAC": "Place", "PRODUCT": "Product", "EVENT": "Event", "MONEY": "MoneyAmount",
                 "DATE": "DateExpression", "TIME": "DateExpression", "BRAND": "Brand",
                 "COMPETITOR": "Competitor", "STAFF": "NamedPerson"}


# Statements whose rows are shared nodes, written once per batch (see GraphBatch.add_once).
# how aspect opinions are scored: the sentence encoder's clause vectors under the sentiment head
SENTIMENT_ALGORITHM = "minilm-clause-sentiment-head"
ONCE_KEYS = {"channels": "channelId", "touchpoints": "touchpointId"}


def interaction_id(source: str, source_id: str) -> str:
    return f"{source}:{source_id}"


@dataclass
class GraphBatch:
    """Rows per named statement of :data:`kg.ingestion.statements.BATCH_STATEMENTS`."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    records: int = 0
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def add(self, statement: str, row: dict[str, Any]) -> None:
        self.rows[statement].append(row)

    def add_once(self, statement: str, key: str, row: dict[str, Any]) -> None:
        """A shared node (channel, touchpoint) is written once per batch."""
        if (statement, key) not in self._seen:
            self._seen.add((statement, key))
            self.rows[statement].append(row)

    def extend(self, other: GraphBatch) -> None:
        """Add another batch's rows after this one's (shared nodes still once)."""
        for statement, rows in other.rows.items():
            key = ONCE_KEYS.get(statement)
            for row in rows:
                if key is None:
                    self.add(statement, row)
                else:
                    self.add_once(statement, row[key], row)
        self.records += other.records

    def row_count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


def _identity_row(ref: IdentityRef, mapping: GraphMapping, segment: str | None = None
                  ) -> dict[str, Any]:
    return {
        "identityId": identity_id(ref), "identifierValue": normalise(ref.kind, ref.value),
        "identityKind": ref.kind, "network": network_of(ref),
        "displayName": ref.display_name, "postcode": ref.postcode,
        "segmentName": segment,
        "labels": mapping.labels_of(IDENTITY_LABELS[ref.kind]),
        "person": _person_with_blocking_keys(ref),
    }


def _person_with_blocking_keys(ref: IdentityRef) -> dict[str, str]:
    """Person attributes plus the blocking keys probabilistic resolution finds candidates by."""
    person = person_properties(ref.person)
    row = person_row(identity_id(ref), {**person, "postcode": ref.postcode}, ref.display_name)
    return {**person, **row.blocking_keys()} if row is not None else person


def person_properties(person: PersonAttributes | None) -> dict[str, str]:
    """Graph property keys of the known person attributes (unknown ones are left out, so a
    record that lacks an attribute never erases what another record stated)."""
    if person is None:
        return {}
    return {GRAPH_KEYS[name]: value for name, value in person.model_dump().items()
            if value is not None}


def _add_identities(batch: GraphBatch, refs: list[IdentityRef], rule: str,
                    mapping: GraphMapping, segment: str | None = None) -> None:
    """Identities one record asserts together are linked: the record is the evidence."""
    rows = [_identity_row(ref, mapping, segment) for ref in refs]
    for row, ref in zip(rows, refs, strict=True):
        batch.add("identities", row)
        if ref.kind == "handle":
            _add_channel(batch, row["network"], mapping)
            batch.add("identity_channels", {"identityId": row["identityId"],
                                            "channelId": row["network"]})
    ids = sorted({row["identityId"] for row in rows})
    for other in ids[1:]:
        batch.add("links", {"from": ids[0], "to": other, "rule": rule, "score": 1.0})


def _add_channel(batch: GraphBatch, channel: str, mapping: GraphMapping) -> None:
    batch.add_once("channels", channel, {
        "channelId": channel, "companyOwned": channel not in CUSTOMER_CHOSEN,
        "labels": mapping.labels_of(CHANNEL_LABELS.get(channel, "SocialNetwork"))})


def add_customer_record(batch: GraphBatch, record: CustomerRecord, mapping: GraphMapping) -> None:
    """The record's postcode and person attributes go on its first identity (its own id), so
    each source record is one person for probabilistic linkage, not one per identifier."""
    first, *others = record.identities
    refs = [first.model_copy(update={"display_name": first.display_name or record.name,
                                     "postcode": first.postcode or record.postcode,
                                     "person": first.person or record.person})]
    refs += [ref.model_copy(update={"display_name": ref.display_name or record.name})
             for ref in others]
    _add_identities(batch, refs, f"record:{record.source}", mapping, record.segment)
    _add_consents(batch, identity_id(first), record.source, record.consents, mapping)
    batch.records += 1


def _add_consents(batch: GraphBatch, identity: str, source: str,
                  consents: list[ConsentStatement], mapping: GraphMapping) -> None:
    """A record's consent statements become events on its own identity, recorded by the load."""
    for consent in consents:
        if consent.channel is not None:
            _add_channel(batch, consent.channel, mapping)
        batch.add("consents", consent_row(
            identity_id=identity, purpose=consent.purpose, status=consent.status,
            channel=consent.channel, given_at=consent.given_at, expires_at=consent.expires_at,
            source=source, evidence=consent.evidence, recorded_by=f"load:{source}"))


def add_interaction(batch: GraphBatch, record: InteractionRecord,
                    result: ExtractionResult | None, mapping: GraphMapping, *,
                    store_redacted: bool) -> None:
    iid = interaction_id(record.source, record.source_id)
    props: dict[str, Any] = {
        "occurredAt": record.occurred_at, "direction": record.direction,
        "sourceSystem": record.source, "sourceRecordId": record.source_id,
        "text": result.redacted_text if (store_redacted and result and result.redacted_text)
        else record.text,
    }
    if record.rating is not None:
        props["rating"] = record.rating
    if record.subject:
        props["subjectLine"] = record.subject
    if record.thread_id:
        props["threadId"] = record.thread_id
    if result is not None and result.language:
        props["language"] = result.language
    props.update(message_sentiment(result))
    # a customer's message with an embedding waits for question grouping (kg.derivation.
    # question_groups), which reads this flag's index as its queue
    props["awaitingGrouping"] = True if record.direction == "inbound" and result is not None \
        and result.embedding else None
    _add_channel(batch, record.channel, mapping)
    batch.add("interactions", {
        "interactionId": iid, "props": props, "labels": mapping.labels_of(record.kind),
        "channelId": record.channel,
    })
    batch.add("derived", {"interactionId": iid})
    if record.author is not None:
        refs = [record.author, *record.also_known_as]
        _add_identities(batch, refs, f"record:{record.source}", mapping)
        batch.add("authored_by", {"interactionId": iid, "identityId": identity_id(record.author)})
        _add_consents(batch, identity_id(record.author), record.source, record.consents, mapping)
    if record.reply_to:
        batch.add("replies", {"interactionId": iid,
                              "parentId": interaction_id(record.source, record.reply_to)})
    if record.touchpoint:
        batch.add_once("touchpoints", record.touchpoint, {
            "touchpointId": record.touchpoint, "channelId": record.channel,
            "displayName": record.touchpoint.split(":", 1)[-1]})
        batch.add("at_touchpoint", {"interactionId": iid, "touchpointId": record.touchpoint})
    if record.about_product:
        batch.add("entity_mentions", {
            "interactionId": iid, "entityId": f"product:{record.about_product}",
            "entityName": record.about_product, "labels": mapping.labels_of("Product"),
            "mentionId": None, "props": {}})
    if result is not None:
        _add_extraction(batch, iid, result, mapping)
    batch.records += 1


def add_reading(batch: GraphBatch, iid: str, labels: list[str], channel_id: str,
                result: ExtractionResult, mapping: GraphMapping) -> None:
    """A stored interaction read again (a new reading model): its sentiment and language, and
    what extraction makes of its text replace the previous reading; nothing else changes."""
    props: dict[str, Any] = {**message_sentiment(result)}
    if result.language:
        props["language"] = result.language
    batch.add("interactions", {"interactionId": iid, "props": props, "labels": labels,
                               "channelId": channel_id})
    batch.add("derived", {"interactionId": iid})
    _add_extraction(batch, iid, result, mapping)
    batch.records += 1


def message_sentiment(result: ExtractionResult | None) -> dict[str, Any]:
    """The text's whole-message sentiment (and its sentence embedding, which the vector index
    of :mod:`kg.graph.search_indexes` reads) as properties of the interaction itself.

    Analysts ask "how did this message feel" far more often than anything else about an
    opinion; as a property it is one triple pattern in SPARQL and no hop in Cypher. The same
    values stay on the whole-message Opinion, with its algorithm and confidence. Without an
    extraction result every key is null, so a reloaded record never keeps a stale reading.
    """
    if result is None:
        return {"sentimentLabel": None, "sentimentScore": None, "embedding": None}
    return {"sentimentLabel": result.sentiment.label,
            "sentimentScore": result.sentiment.score, "embedding": result.embedding}


def _add_extraction(batch: GraphBatch, iid: str, result: ExtractionResult,
                    mapping: GraphMapping) -> None:
    source = {"extractor": result.provenance.extractor,
              "extractorVersion": result.provenance.version}

    def span_props(start: int, end: int, text: str, label: str) -> dict[str, Any]:
        return {"startOffset": start, "endOffset": end, "spanText": text, "spanLabel": label,
                **source}

    for concept in result.concepts:
        mention_id = f"{iid}:{concept.start}:{concept.end}:{concept.concept_id}"
        batch.add("concept_mentions", {
            "interactionId": iid, "mentionId": mention_id, "conceptId": concept.concept_id,
            "props": span_props(concept.start, concept.end, concept.text, "CONCEPT")})
        if concept.sentiment is not None:
            batch.add("opinions", {
                "interactionId": iid,
                "opinionId": f"{iid}:aspect:{concept.start}:{concept.concept_id}",
                "conceptId": concept.concept_id,
                "props": {"polarity": concept.sentiment.label,
                          "polarityScore": concept.sentiment.score,
                          "confidence": concept.sentiment.confidence,
                          "algorithm": SENTIMENT_ALGORITHM, **source}})
    for entity in result.entities:
        label = ENTITY_LABELS.get(entity.label)
        if label is None:
            continue
        name = " ".join(entity.text.split())
        batch.add("entity_mentions", {
            "interactionId": iid,
            "entityId": entity.entity_id or f"{label.lower()}:{name.lower()}",
            "entityName": name, "labels": mapping.labels_of(label),
            "mentionId": f"{iid}:{entity.start}:{entity.end}:{entity.label}",
            "props": span_props(entity.start, entity.end, entity.text, entity.label)})
    for identifier in result.identifiers:
        batch.add("identifier_mentions", {
            "interactionId": iid,
            "mentionId": f"{iid}:{identifier.start}:{identifier.end}:{identifier.kind}",
            "props": {**span_props(identifier.start, identifier.end, identifier.text,
                                   identifier.kind.upper()),
                      "referenceValue": identifier.value}})
    batch.add("opinions", {
        "interactionId": iid, "opinionId": f"{iid}:message", "conceptId": None,
        "props": {"polarity": result.sentiment.label, "polarityScore": result.sentiment.score,
                  "confidence": result.sentiment.confidence,
                  "algorithm": SENTIMENT_ALGORITHM, **source}})
    for statement, signals in (("intents", result.intents), ("emotions", result.emotions)):
        for signal in signals:
            batch.add(statement, {
                "interactionId": iid, "signalId": f"{iid}:{statement}:{signal.category}",
                "categoryId": signal.category,
                "props": {"confidence": signal.confidence, "evidence": signal.evidence.text,
                          **source}})
