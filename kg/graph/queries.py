"""Cypher shared by several packages: statements and fragments no one module owns.

Every other statement lives beside the code that runs it, as a module constant typed
``Final[LiteralString]`` (the batch's in :mod:`kg.ingestion.statements`, the change feed's in
:mod:`kg.feed.changes`, each derivation step's in its module, each API route's in its router).
Values only ever arrive as parameters. Labels, relationship types and property keys in every
such constant, wherever it lives, must exist in the ontology: ``tests/unit/test_ontology.py``
finds them all and fails on any name the ontology does not define.
"""

from __future__ import annotations

from typing import Final, LiteralString

# Every customer's id (the tallies' and summaries' checks, and the tools that sample customers).
READ_CUSTOMER_IDS: Final[LiteralString] = "MATCH (c:Customer) RETURN c.customerId AS customerId"

# Fragments over customer ``c``, read by the consent flags' derivation, the consent service and
# the 360° view.
# Every consent event given through one of customer ``c``'s identities, with its channel.
CONSENT_EVENTS: Final[LiteralString] = """[
  (c)-[:HAS_IDENTITY]->(x:Identity)<-[:CONSENT_OF]-(e:Consent) | {
  consentId: e.consentId, purpose: e.purpose, consentStatus: e.consentStatus,
  givenAt: e.givenAt, expiresAt: e.expiresAt, recordedAt: e.recordedAt,
  consentSource: e.consentSource, consentEvidence: e.consentEvidence,
  recordedBy: e.recordedBy, identityId: x.identityId,
  evidenceInteractionId: e.evidenceInteractionId,
  channel: [(e)-[:CONSENT_FOR_CHANNEL]->(ch:Channel) | ch.channelId][0]}]"""

# A message asking to stop contact or delete data, over ``c``, ``x``, ``i`` and intent ``s``.
CONSENT_SUGGESTION: Final[LiteralString] = """{customerId: c.customerId,
  displayName: c.displayName, identityId: x.identityId, interactionId: i.interactionId,
  occurredAt: i.occurredAt, text: i.text, evidence: s.evidence, confidence: s.confidence,
  channel: [(i)-[:VIA_CHANNEL]->(ch:Channel) | ch.channelId][0]}"""
