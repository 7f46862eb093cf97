"""Every Cypher statement the product runs, by name. Values only ever arrive as parameters.

Labels, relationship types and property keys here must exist in the ontology; a unit test
parses this module and fails on any name the ontology does not define.
"""

from __future__ import annotations

from typing import Final, LiteralString

from kg.consent.policy import (
    ANALYTICS_INCLUDED,
    ANALYTICS_INCLUDED_INTERACTION,
    analytics_included,
)

PING: Final[LiteralString] = "RETURN 1 AS ok"

SHOW_CONSTRAINTS: Final[LiteralString] = (
    "SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties RETURN name, labelsOrTypes, properties"
)
SHOW_INDEXES: Final[LiteralString] = (
    "SHOW INDEXES YIELD name, type, labelsOrTypes, properties "
    "WHERE type = 'RANGE' RETURN name, labelsOrTypes, properties"
)

# A customer with one identity, as written by the example of `kg db example`.
MERGE_CUSTOMER_WITH_IDENTITY: Final[LiteralString] = """
MERGE (c:Customer {customerId: $customerId})
SET c.displayName = $displayName
MERGE (i:Identity {identityId: $identityId})
SET i.identifierValue = $identifierValue, i.identityKind = $identityKind
MERGE (c)-[l:HAS_IDENTITY]->(i)
SET l.linkRule = $linkRule, l.linkScore = $linkScore
"""

CREATE_CUSTOMER: Final[LiteralString] = (
    "CREATE (c:Customer {customerId: $customerId, displayName: $displayName})"
)

READ_CUSTOMER_WITH_IDENTITIES: Final[LiteralString] = """
MATCH (c:Customer {customerId: $customerId})
OPTIONAL MATCH (c)-[l:HAS_IDENTITY]->(i:Identity)
RETURN c.customerId AS customerId, c.displayName AS displayName,
       collect({identityId: i.identityId, identifierValue: i.identifierValue,
                linkRule: l.linkRule, linkScore: l.linkScore}) AS identities
"""

DELETE_CUSTOMER_EXAMPLE: Final[LiteralString] = """
MATCH (c:Customer {customerId: $customerId})
OPTIONAL MATCH (c)-[:HAS_IDENTITY]->(i:Identity)
DETACH DELETE c, i
"""

# ---------------------------------------------------------------- reference data (kg db init)
MERGE_CONCEPTS: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (k:Concept {conceptId: row.conceptId})
SET k.prefLabel = row.prefLabel
"""

MERGE_BROADER: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (k:Concept {conceptId: row.conceptId})
MERGE (b:Concept {conceptId: row.broader})
MERGE (k)-[:BROADER]->(b)
"""

MERGE_REFERENCE_NODES: Final[LiteralString] = """
UNWIND $rows AS row
CALL (row) {
  WITH row WHERE row.label = 'Segment'
  MERGE (n:Segment {segmentId: row.key}) SET n.prefLabel = row.prefLabel
  UNION
  WITH row WHERE row.label = 'EmotionCategory'
  MERGE (n:EmotionCategory {categoryId: row.key}) SET n.prefLabel = row.prefLabel
  UNION
  WITH row WHERE row.label = 'IntentCategory'
  MERGE (n:IntentCategory {categoryId: row.key}) SET n.prefLabel = row.prefLabel
  UNION
  WITH row WHERE row.label = 'JourneyStage'
  MERGE (n:JourneyStage {stageId: row.key}) SET n.prefLabel = row.prefLabel
}
"""

# ---------------------------------------------------------------- loading: one batch
# Every statement merges on constrained keys only, so a batch written twice changes nothing.
# An interaction written again loses what extraction made of its previous text; the statement
# returns what it deleted (label and key), so the change record lists it for the mirror.
REMOVE_DERIVED: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (i:Interaction {interactionId: row.interactionId})
OPTIONAL MATCH (i)-[r:ABOUT_CONCEPT|MENTIONS_ENTITY]->()
DELETE r
WITH DISTINCT i
MATCH (i)-[:HAS_MENTION|HAS_OPINION|HAS_INTENT|HAS_EMOTION]->(d)
WITH d, [l IN labels(d) WHERE l IN ['Mention', 'Opinion', 'Intent', 'Emotion']][0] AS label,
     coalesce(d.mentionId, d.opinionId, d.intentId, d.emotionId) AS key
DETACH DELETE d
RETURN label, key
"""

# Shared nodes (channels, touchpoints) come once per batch, so no row rewrites a hot node.
MERGE_CHANNELS: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (c:Channel {channelId: row.channelId})
SET c.companyOwned = row.companyOwned
SET c:$(row.labels)
"""

MERGE_INTERACTIONS: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (i:Interaction {interactionId: row.interactionId})
SET i += row.props
SET i:$(row.labels)
WITH i, row
MATCH (c:Channel {channelId: row.channelId})
MERGE (i)-[:VIA_CHANNEL]->(c)
"""

MERGE_IDENTITIES: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (x:Identity {identityId: row.identityId})
SET x.identifierValue = row.identifierValue, x.identityKind = row.identityKind,
    x.network = row.network,
    x.displayName = coalesce(row.displayName, x.displayName),
    x.postcode = coalesce(row.postcode, x.postcode),
    x.segmentName = coalesce(row.segmentName, x.segmentName)
SET x += row.person
SET x:$(row.labels)
"""

MERGE_AUTHORED_BY: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (i:Interaction {interactionId: row.interactionId})
MATCH (x:Identity {identityId: row.identityId})
MERGE (i)-[:AUTHORED_BY]->(x)
"""

MERGE_IDENTITY_CHANNELS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (x:Identity {identityId: row.identityId})
MATCH (c:Channel {channelId: row.channelId})
MERGE (x)-[:ON_CHANNEL]->(c)
"""

MERGE_LINKS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (a:Identity {identityId: row.from})
MATCH (b:Identity {identityId: row.to})
MERGE (a)-[l:LINKED_WITH {linkRule: row.rule}]->(b)
SET l.linkScore = row.score
"""

MERGE_REPLIES: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (i:Interaction {interactionId: row.interactionId})
MERGE (p:Interaction {interactionId: row.parentId})
MERGE (i)-[:REPLY_TO]->(p)
"""

MERGE_TOUCHPOINTS: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (t:Touchpoint {touchpointId: row.touchpointId})
SET t.displayName = row.displayName
WITH t, row
MATCH (c:Channel {channelId: row.channelId})
MERGE (t)-[:ON_CHANNEL]->(c)
"""

MERGE_AT_TOUCHPOINT: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (i:Interaction {interactionId: row.interactionId})
MATCH (t:Touchpoint {touchpointId: row.touchpointId})
MERGE (i)-[:AT_TOUCHPOINT]->(t)
"""

MERGE_CONCEPT_MENTIONS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (i:Interaction {interactionId: row.interactionId})
MERGE (m:Mention {mentionId: row.mentionId})
SET m += row.props
MERGE (i)-[:HAS_MENTION]->(m)
MERGE (k:Concept {conceptId: row.conceptId})
MERGE (m)-[:REFERS_TO]->(k)
MERGE (i)-[:ABOUT_CONCEPT]->(k)
"""

MERGE_ENTITY_MENTIONS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (i:Interaction {interactionId: row.interactionId})
MERGE (e:Entity {entityId: row.entityId})
SET e.entityName = row.entityName
SET e:$(row.labels)
MERGE (i)-[:MENTIONS_ENTITY]->(e)
WITH i, e, row WHERE row.mentionId IS NOT NULL
MERGE (m:Mention {mentionId: row.mentionId})
SET m += row.props
MERGE (i)-[:HAS_MENTION]->(m)
MERGE (m)-[:REFERS_TO]->(e)
"""

MERGE_IDENTIFIER_MENTIONS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (i:Interaction {interactionId: row.interactionId})
MERGE (m:Mention {mentionId: row.mentionId})
SET m += row.props
MERGE (i)-[:HAS_MENTION]->(m)
"""

MERGE_OPINIONS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (i:Interaction {interactionId: row.interactionId})
MERGE (o:Opinion {opinionId: row.opinionId})
SET o += row.props
MERGE (i)-[:HAS_OPINION]->(o)
WITH o, row WHERE row.conceptId IS NOT NULL
MERGE (k:Concept {conceptId: row.conceptId})
MERGE (o)-[:ABOUT_ASPECT]->(k)
"""

MERGE_INTENTS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (i:Interaction {interactionId: row.interactionId})
MERGE (s:Intent {intentId: row.signalId})
SET s += row.props
MERGE (i)-[:HAS_INTENT]->(s)
MERGE (c:IntentCategory {categoryId: row.categoryId})
MERGE (s)-[:INTENT_CATEGORY]->(c)
"""

MERGE_EMOTIONS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (i:Interaction {interactionId: row.interactionId})
MERGE (s:Emotion {emotionId: row.signalId})
SET s += row.props
MERGE (i)-[:HAS_EMOTION]->(s)
MERGE (c:EmotionCategory {categoryId: row.categoryId})
MERGE (s)-[:EMOTION_CATEGORY]->(c)
"""

# Consent events: one node per decision, kept as history, on the identity it came through.
# recordedAt is set once, so writing the same event again changes nothing.
MERGE_CONSENTS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (x:Identity {identityId: row.identityId})
MERGE (e:Consent {consentId: row.consentId})
ON CREATE SET e.recordedAt = datetime()
SET e += row.props
MERGE (e)-[:CONSENT_OF]->(x)
WITH e, row WHERE row.channelId IS NOT NULL
MATCH (ch:Channel {channelId: row.channelId})
MERGE (e)-[:CONSENT_FOR_CHANNEL]->(ch)
"""

# Graphs loaded before message sentiment was a property of the interaction: copy it from the
# whole-message opinion (the one about no aspect), a bounded number of interactions at a time.
BACKFILL_MESSAGE_SENTIMENT: Final[LiteralString] = """
MATCH (i:Interaction)-[:HAS_OPINION]->(o:Opinion)
WHERE i.sentimentLabel IS NULL AND o.polarity IS NOT NULL AND NOT (o)-[:ABOUT_ASPECT]->()
WITH i, o LIMIT $limit
SET i.sentimentLabel = o.polarity, i.sentimentScore = o.polarityScore
RETURN i.interactionId AS interactionId
"""

# Statements of one batch, in the order they run inside its single transaction.
BATCH_STATEMENTS: Final[tuple[tuple[str, LiteralString], ...]] = (
    ("channels", MERGE_CHANNELS),
    ("interactions", MERGE_INTERACTIONS),
    ("derived", REMOVE_DERIVED),
    ("identities", MERGE_IDENTITIES),
    ("authored_by", MERGE_AUTHORED_BY),
    ("identity_channels", MERGE_IDENTITY_CHANNELS),
    ("links", MERGE_LINKS),
    ("consents", MERGE_CONSENTS),
    ("replies", MERGE_REPLIES),
    ("touchpoints", MERGE_TOUCHPOINTS),
    ("at_touchpoint", MERGE_AT_TOUCHPOINT),
    ("concept_mentions", MERGE_CONCEPT_MENTIONS),
    ("entity_mentions", MERGE_ENTITY_MENTIONS),
    ("identifier_mentions", MERGE_IDENTIFIER_MENTIONS),
    ("opinions", MERGE_OPINIONS),
    ("intents", MERGE_INTENTS),
    ("emotions", MERGE_EMOTIONS),
)

# ---------------------------------------------------------------- the change feed
# Every write transaction starts by locking the feed head, so writes commit one after another
# and sequence numbers follow commit order; it ends by appending its change record.
LOCK_FEED: Final[LiteralString] = """
MERGE (f:ChangeFeed {feedId: 'main'})
WITH f CALL apoc.lock.nodes([f])
RETURN f.lastSequence AS last
"""

APPEND_CHANGE: Final[LiteralString] = """
MATCH (f:ChangeFeed {feedId: 'main'})
SET f.lastSequence = coalesce(f.lastSequence, 0) + 1
CREATE (r:ChangeRecord {sequenceNumber: f.lastSequence, touchedNodes: $nodes,
        touchedEdges: $edges,
        pendingInteractions: $interactions, pendingIdentities: $identities,
        pendingCustomers: $customers, derivationPending: $pending, committedAt: datetime()})
RETURN r.sequenceNumber AS sequence
"""

LAST_SEQUENCE: Final[LiteralString] = """
OPTIONAL MATCH (f:ChangeFeed {feedId: 'main'})
RETURN coalesce(f.lastSequence, 0) AS last
"""

READ_PENDING_CHANGES: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.derivationPending = true
RETURN r.sequenceNumber AS sequence, r.pendingInteractions AS interactions,
       r.pendingIdentities AS identities, r.pendingCustomers AS customers
ORDER BY sequence LIMIT $limit
"""

MARK_DERIVED: Final[LiteralString] = """
UNWIND $sequences AS sequence
MATCH (r:ChangeRecord {sequenceNumber: sequence})
SET r.derivationPending = false
"""

READ_CHANGES_AFTER: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.sequenceNumber > $after
RETURN r.sequenceNumber AS sequence, r.touchedNodes AS nodes,
       coalesce(r.touchedEdges, []) AS edges, r.holdsErasedKeys IS NOT NULL AS erasure
ORDER BY sequence LIMIT $limit
"""

# Erasure (kg.services.erasure): the change records before an erasure that name what it
# removed, and the rewrite of their lists without those names.
CHANGE_RECORDS_BEFORE: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.sequenceNumber < $sequence
RETURN r.sequenceNumber AS sequence, r.touchedNodes AS nodes,
       coalesce(r.touchedEdges, []) AS edges,
       coalesce(r.pendingInteractions, []) AS interactions,
       coalesce(r.pendingIdentities, []) AS identities,
       coalesce(r.pendingCustomers, []) AS customers
"""

REWRITE_CHANGE_LISTS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (r:ChangeRecord {sequenceNumber: row.sequence})
SET r.touchedNodes = row.nodes, r.touchedEdges = row.edges,
    r.pendingInteractions = row.interactions, r.pendingIdentities = row.identities,
    r.pendingCustomers = row.customers
"""

MARK_ERASURE_RECORD: Final[LiteralString] = """
MATCH (r:ChangeRecord {sequenceNumber: $sequence})
SET r.holdsErasedKeys = true
"""

# Once the mirror has applied an erasure's record, its lists of removed nodes are emptied:
# the feed keeps no key of an erased person (kg.rdf.sync.prune_applied).
EMPTY_APPLIED_ERASURE_RECORDS: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.holdsErasedKeys = true AND r.sequenceNumber <= $applied
SET r.touchedNodes = [], r.touchedEdges = []
REMOVE r.holdsErasedKeys
"""

# A record whose derivation failed: set aside with its error (kg.derivation.quarantine), no
# longer pending, so the records after it are derived; kept until `kg derive --retry`.
QUARANTINE_CHANGE: Final[LiteralString] = """
MATCH (r:ChangeRecord {sequenceNumber: $sequence})
SET r.derivationPending = false, r.derivationQuarantined = true,
    r.derivationError = $error, r.quarantinedAt = datetime()
"""

READ_CHANGE_TO_DERIVE: Final[LiteralString] = """
MATCH (r:ChangeRecord {sequenceNumber: $sequence})
RETURN r.pendingInteractions AS interactions, r.pendingIdentities AS identities,
       r.pendingCustomers AS customers
"""

READ_QUARANTINED_CHANGES: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.derivationQuarantined = true
RETURN r.sequenceNumber AS sequence, r.derivationError AS error,
       r.quarantinedAt AS quarantinedAt, coalesce(r.pendingInteractions, []) AS interactions,
       coalesce(r.pendingIdentities, []) AS identities,
       coalesce(r.pendingCustomers, []) AS customers
ORDER BY sequence
"""

RELEASE_QUARANTINED_CHANGES: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.derivationQuarantined = true
SET r.derivationPending = true
REMOVE r.derivationQuarantined, r.derivationError, r.quarantinedAt
RETURN count(r) AS released
"""

# Records the mirror has applied and derivation has consumed are no longer needed (a
# quarantined record waits for its retry).
PRUNE_CHANGES: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.sequenceNumber <= $upTo AND r.derivationPending = false
      AND r.derivationQuarantined IS NULL
WITH r LIMIT 10000
DELETE r
RETURN count(*) AS pruned
"""

READ_NEWEST_SEEN: Final[LiteralString] = """
MATCH (f:ChangeFeed {feedId: 'main'})
RETURN f.newestInteractionAt AS newest
"""

WRITE_NEWEST_SEEN: Final[LiteralString] = """
MATCH (f:ChangeFeed {feedId: 'main'})
SET f.newestInteractionAt = $newest
"""

# Everything derivation made, removed so ``derive --all`` can be compared with a clean slate.
FORGET_DERIVED: Final[LiteralString] = """
CALL () { MATCH (c:Customer) DETACH DELETE c }
CALL () { MATCH (k:Case) DETACH DELETE k }
CALL () { MATCH (j:Journey) DETACH DELETE j }
CALL () { MATCH (:Identity)-[l:LINKED_WITH {linkRule: $scoredRule}]->(:Identity) DELETE l }
CALL () { MATCH (f:ChangeFeed) REMOVE f.newestInteractionAt }
CALL () { MATCH (k:Concept) REMOVE k.interactionCount, k.negativeOpinionCount }
CALL () { MATCH (c:Channel) REMOVE c.scoredInteractionCount, c.sentimentPoints,
                                   c.meanSentimentScore }
"""

ALL_IDENTITY_IDS: Final[LiteralString] = """
MATCH (x:Identity) RETURN x.identityId AS id ORDER BY id
"""

ALL_INTERACTION_IDS: Final[LiteralString] = """
MATCH (i:Interaction) RETURN i.interactionId AS id ORDER BY id
"""

# ---------------------------------------------------------------- incremental derivation
# The identities around a set of identities: linked ones, those of the same customer today.
IDENTITY_NEIGHBOURHOOD: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (x:Identity {identityId: id})
RETURN x.identityId AS identityId, x.displayName AS displayName,
       [(x)-[:LINKED_WITH]-(y:Identity) | y.identityId] AS linked,
       [(x)<-[:HAS_IDENTITY]-(:Customer)-[:HAS_IDENTITY]->(y:Identity) | y.identityId] AS mates,
       [(x)<-[:HAS_IDENTITY]-(c:Customer) | c.customerId] AS customers,
       x.identityId STARTS WITH 'crm:' AS isCrm
"""

IDENTITIES_OF_CUSTOMERS: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (:Customer {customerId: customerId})-[:HAS_IDENTITY]->(x:Identity)
RETURN DISTINCT x.identityId AS identityId
"""

LINKS_AMONG: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (a:Identity {identityId: id})-[l:LINKED_WITH]->(b:Identity)
WHERE b.identityId IN $ids
RETURN a.identityId AS a, b.identityId AS b, l.linkRule AS rule, l.linkScore AS score
"""

NAME_THESE_CUSTOMERS: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (c:Customer {customerId: customerId})-[:HAS_IDENTITY]->(x:Identity)
WITH c, min(x.displayName) AS name
SET c.displayName = name
"""

# Customers left without identities go, with their journeys; their ids are returned.
DELETE_THESE_EMPTY_CUSTOMERS: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (c:Customer {customerId: customerId}) WHERE NOT (c)-[:HAS_IDENTITY]->(:Identity)
OPTIONAL MATCH (j:Journey)-[:JOURNEY_OF]->(c)
DETACH DELETE c, j
RETURN customerId
"""

# Interactions with what decides their cases, and the interactions around them.
INTERACTION_NEIGHBOURHOOD: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (i:Interaction {interactionId: id})
RETURN i.interactionId AS interactionId, i.occurredAt AS at, i.direction AS direction,
       [(i)-[:AUTHORED_BY]->(:Identity)<-[:HAS_IDENTITY]-(c:Customer) | c.customerId][0]
         AS customerId,
       [(i)-[:REPLY_TO]->(p:Interaction) | p.interactionId][0] AS parentId,
       [(i)-[:VIA_CHANNEL]->(ch:Channel) | ch.channelId][0] AS channelId,
       labels(i) AS labels,
       [(i)-[:HAS_MENTION]->(m:Mention) WHERE m.referenceValue IS NOT NULL
        | m.spanLabel + ':' + m.referenceValue] AS refs,
       [(i)-[:ABOUT_CONCEPT]->(k:Concept) | k.conceptId] AS concepts,
       [(i)<-[:REPLY_TO]-(r:Interaction) | r.interactionId] AS replies,
       [(i)-[:PART_OF_CASE]->(:Case)<-[:PART_OF_CASE]-(o:Interaction) | o.interactionId]
         AS caseMates,
       [(i)-[:PART_OF_CASE]->(k:Case) | k.caseId] AS cases
"""

INTERACTIONS_WITH_REFERENCES: Final[LiteralString] = """
UNWIND $refs AS row
MATCH (m:Mention {referenceValue: row.value}) WHERE m.spanLabel = row.label
MATCH (o:Interaction)-[:HAS_MENTION]->(m)
RETURN DISTINCT o.interactionId AS interactionId
"""

INTERACTIONS_OF_CUSTOMERS: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (:Customer {customerId: customerId})-[:HAS_IDENTITY]->(:Identity)
      <-[:AUTHORED_BY]-(o:Interaction)
RETURN DISTINCT o.interactionId AS interactionId
"""

# Interactions a customer's inbound message may share a case with by concept: the same
# customer's other inbound messages about one of its concepts within the case window. Bounded
# by time, so a customer's long history is not read again for each new message.
CASE_WINDOW_NEIGHBOURS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (:Customer {customerId: row.customerId})-[:HAS_IDENTITY]->(:Identity)
      <-[:AUTHORED_BY]-(o:Interaction)
WHERE o.occurredAt >= row.since AND o.occurredAt <= row.until
  AND coalesce(o.direction, '') <> 'outbound'
  AND EXISTS { (o)-[:ABOUT_CONCEPT]->(k:Concept) WHERE k.conceptId IN row.concepts }
RETURN DISTINCT o.interactionId AS interactionId
"""

DELETE_THESE_EMPTY_CASES: Final[LiteralString] = """
UNWIND $cases AS caseId
MATCH (k:Case {caseId: caseId}) WHERE NOT ()-[:PART_OF_CASE]->(k)
DETACH DELETE k
"""

# What journeys and segments of these customers are made of.
CUSTOMER_ACTIVITY: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (c:Customer {customerId: customerId})
RETURN customerId,
       [(c)-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-(i:Interaction)
        WHERE i.occurredAt IS NOT NULL
        | {interactionId: i.interactionId, at: i.occurredAt, direction: i.direction,
           channelId: [(i)-[:VIA_CHANNEL]->(ch:Channel) | ch.channelId][0],
           replies: EXISTS { (i)-[:REPLY_TO]->(:Interaction) }}] AS interactions,
       [(j:Journey)-[:JOURNEY_OF]->(c) | j.journeyId] AS journeys
"""

DELETE_THESE_JOURNEYS: Final[LiteralString] = """
UNWIND $journeys AS journeyId
MATCH (j:Journey {journeyId: journeyId})
DETACH DELETE j
"""

CUSTOMERS_LAST_INBOUND_BETWEEN: Final[LiteralString] = """
MATCH (c:Customer) WHERE c.lastInboundAt >= $low AND c.lastInboundAt <= $high
RETURN c.customerId AS customerId
"""

# Customers whose last inbound message lies in [low, until): those the inactivity line passed
# when it moved forward from low to until.
CUSTOMERS_LAST_INBOUND_FROM_UNTIL: Final[LiteralString] = """
MATCH (c:Customer) WHERE c.lastInboundAt >= $low AND c.lastInboundAt < $until
RETURN c.customerId AS customerId
"""

# The newest interaction times, newest first, up to $rank: kg.derivation.clock.graph_now.
NEWEST_INTERACTION_TIMES: Final[LiteralString] = """
MATCH (i:Interaction) WHERE i.occurredAt IS NOT NULL
WITH i.occurredAt AS at ORDER BY at DESC LIMIT $rank
RETURN collect(at) AS times
"""

WRITE_LAST_INBOUND: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (c:Customer {customerId: row.customerId})
SET c.lastInboundAt = row.lastInboundAt
"""

# ---------------------------------------------------------------- identity resolution
READ_IDENTITIES: Final[LiteralString] = """
MATCH (x:Identity)
RETURN x.identityId AS identityId, x.displayName AS displayName, x.postcode AS postcode
"""

READ_IDENTITY_ASSIGNMENTS: Final[LiteralString] = """
MATCH (c:Customer)-[h:HAS_IDENTITY]->(x:Identity)
RETURN x.identityId AS identityId, c.customerId AS customerId, h.linkRule AS linkRule,
       h.linkScore AS linkScore
"""

# Person records for probabilistic linkage: identities with at least one blocking key.
READ_PERSON_IDENTITIES: Final[LiteralString] = """
MATCH (x:Identity)
WHERE x.blockOnName IS NOT NULL OR x.blockOnBirthDate IS NOT NULL
   OR x.blockOnPostcodeGivenName IS NOT NULL OR x.blockOnPostcodeFamilyName IS NOT NULL
   OR x.blockOnPostcodeStreet IS NOT NULL OR x.blockOnFamilyNameCity IS NOT NULL
RETURN x.identityId AS identityId, x.displayName AS displayName, x.givenName AS givenName,
       x.familyName AS familyName, x.birthDate AS birthDate, x.streetAddress AS streetAddress,
       x.addressLine2 AS addressLine2, x.addressLocality AS addressLocality,
       x.postcode AS postcode, x.addressRegion AS addressRegion,
       x.addressCountry AS addressCountry
"""

READ_PERSON_IDENTITIES_BY_ID: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (x:Identity {identityId: id})
RETURN x.identityId AS identityId, x.displayName AS displayName, x.givenName AS givenName,
       x.familyName AS familyName, x.birthDate AS birthDate, x.streetAddress AS streetAddress,
       x.addressLine2 AS addressLine2, x.addressLocality AS addressLocality,
       x.postcode AS postcode, x.addressRegion AS addressRegion,
       x.addressCountry AS addressCountry
"""

# Candidates of the incremental path: one index seek per blocking-key probe.
READ_BLOCKING_CANDIDATES: Final[LiteralString] = """
UNWIND $probes AS row
CALL (row) {
  MATCH (x:Identity {blockOnName: row.value}) WHERE row.key = 'blockOnName' RETURN x
  UNION
  MATCH (x:Identity {blockOnBirthDate: row.value}) WHERE row.key = 'blockOnBirthDate' RETURN x
  UNION
  MATCH (x:Identity {blockOnPostcodeGivenName: row.value})
  WHERE row.key = 'blockOnPostcodeGivenName' RETURN x
  UNION
  MATCH (x:Identity {blockOnPostcodeFamilyName: row.value})
  WHERE row.key = 'blockOnPostcodeFamilyName' RETURN x
  UNION
  MATCH (x:Identity {blockOnPostcodeStreet: row.value})
  WHERE row.key = 'blockOnPostcodeStreet' RETURN x
  UNION
  MATCH (x:Identity {blockOnFamilyNameCity: row.value})
  WHERE row.key = 'blockOnFamilyNameCity' RETURN x
}
WITH DISTINCT x
RETURN x.identityId AS identityId, x.displayName AS displayName, x.givenName AS givenName,
       x.familyName AS familyName, x.birthDate AS birthDate, x.streetAddress AS streetAddress,
       x.addressLine2 AS addressLine2, x.addressLocality AS addressLocality,
       x.postcode AS postcode, x.addressRegion AS addressRegion,
       x.addressCountry AS addressCountry
"""

# A probabilistic link keeps its probability (linkScore), total and per-attribute weights.
MERGE_SCORED_LINKS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (a:Identity {identityId: row.from})
MATCH (b:Identity {identityId: row.to})
MERGE (a)-[l:LINKED_WITH {linkRule: row.rule}]->(b)
SET l.linkScore = row.score, l.matchWeight = row.matchWeight, l.matchWeights = row.matchWeights
"""

DELETE_LINKS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (a:Identity {identityId: row.from})-[l:LINKED_WITH {linkRule: row.rule}]->
      (b:Identity {identityId: row.to})
DELETE l
"""

# The refresh path: the touched identities' scored links, connected component, its links and
# current customers, so only that component is resolved and rewritten.
READ_SCORED_LINKS_OF: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (:Identity {identityId: id})-[l:LINKED_WITH {linkRule: $rule}]-(:Identity)
WITH DISTINCT l
MATCH (a:Identity)-[l]->(b:Identity)
RETURN a.identityId AS a, b.identityId AS b
"""

# Merge suggestions: probabilistic links left between two customers that no analyst decided.
READ_SUGGESTIONS: Final[LiteralString] = """
MATCH (a:Identity)-[l:LINKED_WITH {linkRule: $rule}]->(b:Identity)
MATCH (ca:Customer)-[:HAS_IDENTITY]->(a)
MATCH (cb:Customer)-[:HAS_IDENTITY]->(b)
WHERE ca <> cb
  AND NOT EXISTS { (a)-[m:LINKED_WITH]-(b) WHERE m.linkRule IN $decided }
WITH a, b, l, ca, cb ORDER BY l.linkScore DESC, a.identityId, b.identityId
WITH collect({a: a.identityId, b: b.identityId, customerA: ca.customerId,
              customerB: cb.customerId, nameA: a.displayName, nameB: b.displayName,
              probability: l.linkScore, matchWeight: l.matchWeight,
              matchWeights: l.matchWeights}) AS found
RETURN size(found) AS total, found[$skip..$skip + $limit] AS items
"""

READ_SCORED_LINK: Final[LiteralString] = """
MATCH (a:Identity {identityId: $a})-[l:LINKED_WITH {linkRule: $rule}]->
      (b:Identity {identityId: $b})
RETURN l.linkScore AS probability
"""

COUNT_SCORED_LINKS: Final[LiteralString] = """
MATCH (:Identity)-[l:LINKED_WITH {linkRule: $rule}]->(:Identity) RETURN count(l) AS n
"""

READ_SCORED_LINKS: Final[LiteralString] = """
MATCH (a:Identity)-[l:LINKED_WITH {linkRule: $rule}]->(b:Identity)
RETURN a.identityId AS a, b.identityId AS b
"""

# Links not stored yet (the caller knows which): created without MERGE's existence check.
CREATE_SCORED_LINKS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (a:Identity {identityId: row.from})
MATCH (b:Identity {identityId: row.to})
CREATE (a)-[:LINKED_WITH {linkRule: row.rule, linkScore: row.score,
                          matchWeight: row.matchWeight, matchWeights: row.matchWeights}]->(b)
"""

# Moves each identity to its resolved customer; links to any other customer are removed.
ASSIGN_CUSTOMERS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (x:Identity {identityId: row.identityId})
MERGE (c:Customer {customerId: row.customerId})
MERGE (c)-[h:HAS_IDENTITY]->(x)
SET h.linkRule = row.linkRule, h.linkScore = row.linkScore
WITH x, c
OPTIONAL MATCH (other:Customer)-[stale:HAS_IDENTITY]->(x) WHERE other <> c
DELETE stale
"""

ASSIGN_CASES: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (i:Interaction {interactionId: row.interactionId})
MERGE (k:Case {caseId: row.caseId})
MERGE (i)-[:PART_OF_CASE]->(k)
WITH i, k
OPTIONAL MATCH (i)-[stale:PART_OF_CASE]->(other:Case) WHERE other <> k
DELETE stale
"""

DESCRIBE_CASES: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (k:Case {caseId: row.caseId})
SET k.caseStatus = row.caseStatus, k.openedAt = row.openedAt, k.closedAt = row.closedAt
WITH k, row
OPTIONAL MATCH (k)-[old:CASE_OF]->(:Customer)
DELETE old
WITH DISTINCT k, row
UNWIND row.customers AS customerId
MATCH (c:Customer {customerId: customerId})
MERGE (k)-[:CASE_OF]->(c)
"""

WRITE_JOURNEYS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (c:Customer {customerId: row.customerId})
MERGE (j:Journey {journeyId: row.journeyId})
MERGE (j)-[:JOURNEY_OF]->(c)
WITH j, row
OPTIONAL MATCH (j)-[old:HAS_STEP]->(:Interaction)
DELETE old
WITH DISTINCT j, row
UNWIND range(0, size(row.steps) - 1) AS n
MATCH (i:Interaction {interactionId: row.steps[n]})
MERGE (j)-[h:HAS_STEP]->(i)
SET h.position = n + 1
"""

READ_CUSTOMER_IDS: Final[LiteralString] = "MATCH (c:Customer) RETURN c.customerId AS customerId"

COUNT_CUSTOMERS: Final[LiteralString] = "MATCH (c:Customer) RETURN count(c) AS n"

ASSIGN_SEGMENTS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (c:Customer {customerId: row.customerId})
OPTIONAL MATCH (c)-[old:IN_SEGMENT]->(:Segment)
DELETE old
WITH DISTINCT c, row
MERGE (s:Segment {segmentId: row.segmentId})
MERGE (c)-[:IN_SEGMENT]->(s)
"""

# ---------------------------------------------------------------- customer summaries
# What a summary is derived from: the customer's interactions (channel, concepts, aspect
# opinions, entities, intents, emotions) and cases.
SUMMARY_FACTS: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (c:Customer {customerId: customerId})
RETURN customerId,
       [(c)-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-(i:Interaction) | {
          interactionId: i.interactionId, at: i.occurredAt,
          channel: [(i)-[:VIA_CHANNEL]->(ch:Channel) | ch.channelId][0],
          companyOwned: [(i)-[:VIA_CHANNEL]->(ch:Channel) | ch.companyOwned][0],
          concepts: [(i)-[:ABOUT_CONCEPT]->(k:Concept) | k.conceptId],
          aspects: [(i)-[:HAS_OPINION]->(o:Opinion)-[:ABOUT_ASPECT]->(k:Concept)
                    WHERE o.polarityScore IS NOT NULL | [k.conceptId, o.polarityScore]],
          entities: [(i)-[:MENTIONS_ENTITY]->(e:Entity) | e.entityId],
          intents: [(i)-[:HAS_INTENT]->(:Intent)-[:INTENT_CATEGORY]->(g:IntentCategory)
                    | g.categoryId],
          emotions: [(i)-[:HAS_EMOTION]->(:Emotion)-[:EMOTION_CATEGORY]->(g:EmotionCategory)
                     | g.categoryId]}] AS interactions,
       [(k:Case)-[:CASE_OF]->(c) | {
          caseId: k.caseId, status: k.caseStatus, openedAt: k.openedAt, closedAt: k.closedAt,
          interactionIds: [(m:Interaction)-[:PART_OF_CASE]->(k) | m.interactionId]}] AS cases,
       NOT """ + ANALYTICS_INCLUDED + """ AS excluded
"""

READ_SUMMARIES: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (s:CustomerSummary {summaryOf: customerId})
RETURN customerId, s.summaryView AS view, s.corpusContribution AS contribution,
       [(s)-[:IN_BUCKET]->(b:SimilarityBucket) | b.bucketId] AS buckets
"""

DELETE_SUMMARIES: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (s:CustomerSummary {summaryOf: customerId})
DETACH DELETE s
"""

WRITE_SUMMARIES: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (s:CustomerSummary {summaryOf: row.props.summaryOf})
SET s = row.props
"""

REMOVE_BUCKET_MEMBERSHIPS: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (:CustomerSummary {summaryOf: customerId})-[r:IN_BUCKET]->(:SimilarityBucket)
DELETE r
"""

ADD_BUCKET_MEMBERSHIPS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (s:CustomerSummary {summaryOf: row.customerId})
UNWIND row.buckets AS bucketId
MERGE (b:SimilarityBucket {bucketId: bucketId})
CREATE (s)-[:IN_BUCKET]->(b)
"""

DELETE_EMPTY_BUCKETS: Final[LiteralString] = """
UNWIND $buckets AS bucketId
MATCH (b:SimilarityBucket {bucketId: bucketId})
WHERE NOT EXISTS { (b)<-[:IN_BUCKET]-(:CustomerSummary) }
DELETE b
"""

# Corpus counts move by the difference of the contributions; a count back at 0 is removed, so
# the counts hold exactly what a from-scratch sum would.
ADJUST_CORPUS_COUNTS: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (n:CorpusCount {countId: row.countId})
SET n.countValue = coalesce(n.countValue, 0) + row.delta
WITH n WHERE n.countValue = 0
DELETE n
"""

# ---------------------------------------------------------------- tallies
# What each interaction adds to the concept and channel tallies (kg/derivation/tallies.py).
READ_TALLY_CONTRIBUTIONS: Final[LiteralString] = """
UNWIND $interactions AS interactionId
MATCH (i:Interaction {interactionId: interactionId})
RETURN [(i)-[:ABOUT_CONCEPT]->(k:Concept) | k.conceptId] AS concepts,
       [(i)-[:HAS_OPINION]->(o:Opinion {polarity: 'negative'})-[:ABOUT_ASPECT]->(k:Concept)
        | k.conceptId] AS negativeAspects,
       [(i)-[:VIA_CHANNEL]->(c:Channel) | c.channelId] AS channels,
       i.sentimentScore AS score
"""

ADJUST_CONCEPT_TALLIES: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (k:Concept {conceptId: row.key})
WITH k, coalesce(k.interactionCount, 0) + row.interactions AS interactions,
     coalesce(k.negativeOpinionCount, 0) + row.negativeOpinions AS negative
SET k.interactionCount = CASE interactions WHEN 0 THEN null ELSE interactions END,
    k.negativeOpinionCount = CASE negative WHEN 0 THEN null ELSE negative END
"""

ADJUST_CHANNEL_TALLIES: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (c:Channel {channelId: row.key})
WITH c, coalesce(c.scoredInteractionCount, 0) + row.scored AS scored,
     coalesce(c.sentimentPoints, 0) + row.points AS points
SET c.scoredInteractionCount = CASE scored WHEN 0 THEN null ELSE scored END,
    c.sentimentPoints = CASE scored WHEN 0 THEN null ELSE points END,
    c.meanSentimentScore = CASE scored WHEN 0 THEN null
                           ELSE toFloat(points) / 10000.0 / scored END
"""

# The tallies counted afresh from the facts, with what is stored now (kg derive --all, kg db init).
COUNT_CONCEPT_TALLIES: Final[LiteralString] = """
MATCH (k:Concept)
RETURN k.conceptId AS key,
       COUNT { (:Interaction)-[:ABOUT_CONCEPT]->(k) } - coalesce(k.interactionCount, 0)
         AS interactions,
       COUNT { (:Opinion {polarity: 'negative'})-[:ABOUT_ASPECT]->(k) }
         - coalesce(k.negativeOpinionCount, 0) AS negativeOpinions
"""

COUNT_CHANNEL_TALLIES: Final[LiteralString] = """
MATCH (c:Channel)
CALL (c) {
  OPTIONAL MATCH (i:Interaction)-[:VIA_CHANNEL]->(c) WHERE i.sentimentScore IS NOT NULL
  RETURN count(i) AS scored,
         coalesce(sum(toInteger(round(i.sentimentScore * 10000))), 0) AS points
}
RETURN c.channelId AS key, scored - coalesce(c.scoredInteractionCount, 0) AS scored,
       points - coalesce(c.sentimentPoints, 0) AS points
"""

# Whether the tallies were ever counted afresh on this graph (a graph written before they
# existed has none): kept on the feed head, which is bookkeeping, not a fact.
TALLIES_COUNTED: Final[LiteralString] = """
OPTIONAL MATCH (f:ChangeFeed {feedId: 'main'}) RETURN f.talliesCounted = true AS counted
"""

MARK_TALLIES_COUNTED: Final[LiteralString] = """
MERGE (f:ChangeFeed {feedId: 'main'}) SET f.talliesCounted = true
"""

# Customers whose stored open-case count differs from their cases (kg derive --check).
COUNT_OPEN_CASE_TALLIES: Final[LiteralString] = """
MATCH (c:Customer)
WITH c, COUNT { (:Case {caseStatus: 'open'})-[:CASE_OF]->(c) } - coalesce(c.openCaseCount, 0)
  AS delta
WHERE delta <> 0
RETURN c.customerId AS key, delta
"""

# A customer's open cases, counted again; returns the customers whose count changed.
REFRESH_OPEN_CASE_COUNTS: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (c:Customer {customerId: customerId})
WITH c, COUNT { (:Case {caseStatus: 'open'})-[:CASE_OF]->(c) } AS open
WHERE coalesce(c.openCaseCount, 0) <> open
SET c.openCaseCount = CASE open WHEN 0 THEN null ELSE open END
RETURN c.customerId AS customerId
"""

READ_SUMMARY_IDS: Final[LiteralString] = """
MATCH (s:CustomerSummary) RETURN s.summaryOf AS customerId
"""

READ_CORPUS_COUNTS: Final[LiteralString] = """
MATCH (n:CorpusCount) RETURN n.countId AS countId, n.countValue AS countValue
"""

# The repair path starts the read models afresh (run as an auto-commit transaction).
RESET_READ_MODELS: Final[LiteralString] = """
MATCH (n) WHERE n:CustomerSummary OR n:CorpusCount OR n:SimilarityBucket
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
"""

# ---------------------------------------------------------------- RDF mirror export
# $keyOf maps each keyed label to its key property (from the ontology mapping) and $keyed lists
# those labels: a list parameter, because ``keys($keyOf)`` is evaluated again for every row.
EXPORT_NODES: Final[LiteralString] = """
MATCH (n)
WITH n, [label IN labels(n) WHERE label IN $keyed] AS keyed
WHERE size(keyed) > 0
RETURN labels(n) AS labels, n[$keyOf[keyed[0]]] AS key, properties(n) AS props
"""

# Relationships grouped by their start node, so each node's edges are translated together.
EXPORT_RELATIONSHIPS_BY_START: Final[LiteralString] = """
MATCH (a)
WITH a, [label IN labels(a) WHERE label IN $keyed] AS keyedA
WHERE size(keyedA) > 0
MATCH (a)-[r]->(b)
WITH a, keyedA, r, b, [label IN labels(b) WHERE label IN $keyed] AS keyedB
WHERE size(keyedB) > 0
RETURN keyedA[0] AS startKeyLabel, labels(a) AS startLabels, a[$keyOf[keyedA[0]]] AS startKey,
       {type: type(r), props: properties(r), endLabels: labels(b),
        endKey: b[$keyOf[keyedB[0]]]} AS edge
"""

# The current state of some nodes, each found by its keyed label: labels, properties and
# outgoing relationships (with the end node's keyed labels and key), only those of ``row.type``
# when the row names one. One UNION branch per keyed label keeps every lookup on its uniqueness
# constraint; a unit test checks the branches cover every keyed label of the ontology. A node
# that no longer exists returns no row.
EXPORT_THESE_NODES: Final[LiteralString] = """
UNWIND $rows AS row
CALL (row) {
  WITH row WHERE row.label = 'Customer'
  MATCH (n:Customer {customerId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Identity'
  MATCH (n:Identity {identityId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Consent'
  MATCH (n:Consent {consentId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Segment'
  MATCH (n:Segment {segmentId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Channel'
  MATCH (n:Channel {channelId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Touchpoint'
  MATCH (n:Touchpoint {touchpointId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Interaction'
  MATCH (n:Interaction {interactionId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Case'
  MATCH (n:Case {caseId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Journey'
  MATCH (n:Journey {journeyId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'JourneyStage'
  MATCH (n:JourneyStage {stageId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'JourneyEvent'
  MATCH (n:JourneyEvent {journeyEventId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Concept'
  MATCH (n:Concept {conceptId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Entity'
  MATCH (n:Entity {entityId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Mention'
  MATCH (n:Mention {mentionId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Opinion'
  MATCH (n:Opinion {opinionId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Emotion'
  MATCH (n:Emotion {emotionId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'EmotionCategory'
  MATCH (n:EmotionCategory {categoryId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'IntentCategory'
  MATCH (n:IntentCategory {categoryId: row.key}) RETURN n
  UNION
  WITH row WHERE row.label = 'Intent'
  MATCH (n:Intent {intentId: row.key}) RETURN n
}
RETURN row.label AS label, row.key AS key, row.type AS type, labels(n) AS labels,
       properties(n) AS props,
       [(n)-[r]->(m) WHERE (row.type IS NULL OR type(r) = row.type)
                         AND any(l IN labels(m) WHERE l IN $keyed)
        | {type: type(r), props: properties(r), endLabels: labels(m),
           endKey: m[$keyOf[[l IN labels(m) WHERE l IN $keyed][0]]]}] AS edges
"""

# ---------------------------------------------------------------- customers (analysts)
READ_CUSTOMER_OF_IDENTITIES: Final[LiteralString] = """
MATCH (c:Customer)-[:HAS_IDENTITY]->(x:Identity)
RETURN x.identityId AS identityId, c.customerId AS customerId
"""

READ_IDENTITIES_OF_CUSTOMER: Final[LiteralString] = """
MATCH (c:Customer {customerId: $customerId})-[:HAS_IDENTITY]->(x:Identity)
RETURN x.identityId AS identityId ORDER BY identityId
"""

READ_CUSTOMERS_OF_IDENTITY_LIST: Final[LiteralString] = """
MATCH (c:Customer)-[:HAS_IDENTITY]->(x:Identity) WHERE x.identityId IN $identityIds
RETURN x.identityId AS identityId, c.customerId AS customerId
"""

# Removes everything in small transactions (relationships first, so no transaction holds a
# dense node's whole neighbourhood); each runs as an implicit (auto-commit) transaction.
DELETE_ALL_RELATIONSHIPS: Final[LiteralString] = """
MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS
"""

DELETE_ALL: Final[LiteralString] = """
MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
"""

# ---------------------------------------------------------------- API: customers
SEARCH_CUSTOMERS: Final[LiteralString] = """
MATCH (c:Customer)
WHERE c.customerId = $q OR toLower(coalesce(c.displayName, '')) CONTAINS $lower
   OR EXISTS { MATCH (c)-[:HAS_IDENTITY]->(x:Identity)
               WHERE x.identityId = $q OR x.identifierValue IN $normalised
                  OR x.identifierValue CONTAINS $lower }
WITH c ORDER BY c.customerId
WITH collect(c) AS found
RETURN size(found) AS total,
       [c IN found[$skip..$skip + $limit] | {customerId: c.customerId,
        displayName: c.displayName}] AS items
"""

CUSTOMER_PROFILE: Final[LiteralString] = """
MATCH (c:Customer {customerId: $customerId})
RETURN c.customerId AS customerId
"""

# The 360° view in one round trip (the paged journey aside): profile, identities with their
# evidence, segment, the stored summary, the corpus counts its pairs' lift needs, the names of
# its entities and concepts, and similar customers from the summary's similarity buckets (at
# most $bucketCap members read per bucket, ranked by exact Jaccard on the summaries' concepts).
# One step of a customer's journey, over ``i`` with its optional channel ``ch`` and case ``k``:
# the timeline and the 360° view's first page return the same fields.
JOURNEY_STEP: Final[LiteralString] = """{interactionId: i.interactionId, occurredAt: i.occurredAt,
  channel: ch.channelId, kind: [l IN labels(i) WHERE l <> 'Interaction'][0],
  direction: i.direction, text: i.text, sentiment: i.sentimentLabel,
  score: i.sentimentScore, caseId: k.caseId}"""

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


def similar_allowed_at_ranks(into: LiteralString) -> LiteralString:
    """Over ``ranked`` and a ``rank`` per row: the similar-customer candidates at those ranks
    whose customers may be counted in analytics, in rank order, collected as ``into``."""
    return ("""WITH ranked[rank] AS x, rank
    MATCH (oc:Customer {customerId: x.customerId}) WHERE """ + analytics_included("oc") + """
    WITH x ORDER BY rank
    RETURN collect(x) AS """ + into)


# The whole 360° view in one round trip: the stored summary with the names, corpus counts and
# similar customers it needs, the first page of the journey, and the permissions' inputs (every
# consent event and the newest pending suggestions); the policy decides in Python.
CUSTOMER_VIEW: Final[LiteralString] = """
MATCH (c:Customer {customerId: $customerId})
OPTIONAL MATCH (c)-[:IN_SEGMENT]->(seg:Segment)
OPTIONAL MATCH (s:CustomerSummary {summaryOf: $customerId})
CALL (s) {
  UNWIND coalesce(s.corpusCountKeys, []) AS key
  MATCH (n:CorpusCount {countId: key})
  RETURN collect([key, n.countValue]) AS counts
}
CALL (s) {
  UNWIND coalesce(s.summaryEntities, []) AS id
  MATCH (e:Entity {entityId: id})
  RETURN collect({entityId: id, name: e.entityName,
                  type: [l IN labels(e) WHERE l <> 'Entity'][0]}) AS entityNames
}
CALL (s) {
  UNWIND coalesce(s.summaryConcepts, []) AS id
  MATCH (k:Concept {conceptId: id})
  RETURN collect([id, k.prefLabel]) AS conceptLabels
}
CALL (s) {
  OPTIONAL MATCH (s)-[:IN_BUCKET]->(b:SimilarityBucket)
  CALL (b) {
    MATCH (b)<-[:IN_BUCKET]-(o)  // only summaries are in buckets: no label check per member
    RETURN o LIMIT $bucketCap
  }
  WITH DISTINCT s, o WHERE o <> s
  WITH o, [k IN o.summaryConcepts WHERE k IN s.summaryConcepts] AS shared,
       size(s.summaryConcepts) AS mine
  WHERE size(shared) > 0
  WITH o, shared, toFloat(size(shared)) / (mine + size(o.summaryConcepts) - size(shared))
       AS jaccard
  ORDER BY jaccard DESC, o.summaryOf
  WITH collect({customerId: o.summaryOf, sharedConcepts: shared, jaccard: jaccard}) AS ranked
  // Permission is looked up in rank order on the first $firstChecked candidates, and on the
  // rest only when too few of those pass. A permission that ran out since the last refresh
  // takes effect here at once. (An EXISTS per list element costs a nested plan each: about
  // ten times the two UNWINDs at 1M.)
  CALL (ranked) {
    UNWIND range(0, size(ranked[..$firstChecked]) - 1) AS rank
    """ + similar_allowed_at_ranks("first") + """
  }
  CALL (ranked, first) {
    WITH ranked, first WHERE size(first) < $similar AND size(ranked) > $firstChecked
    UNWIND range($firstChecked, size(ranked) - 1) AS rank
    """ + similar_allowed_at_ranks("rest") + """
  }
  RETURN (first + rest)[..$similar] AS similarCustomers
}
CALL (c) {
  MATCH (c)-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-(i:Interaction)
  OPTIONAL MATCH (i)-[:VIA_CHANNEL]->(ch:Channel)
  OPTIONAL MATCH (i)-[:PART_OF_CASE]->(k:Case)
  WITH i, ch, k ORDER BY i.occurredAt DESC, i.interactionId SKIP $skip LIMIT $limit
  RETURN collect(""" + JOURNEY_STEP + """) AS journey
}
CALL (c) {
  MATCH (c)-[:HAS_IDENTITY]->(x:Identity)<-[:AUTHORED_BY]-(i:Interaction)
        -[:HAS_INTENT]->(s:Intent)-[:INTENT_CATEGORY]->(:IntentCategory {categoryId: $category})
  WHERE NOT EXISTS { MATCH (e:Consent {evidenceInteractionId: i.interactionId}) }
  WITH c, x, i, s ORDER BY i.occurredAt DESC, i.interactionId LIMIT $suggestions
  RETURN collect(""" + CONSENT_SUGGESTION + """) AS consentSuggestions
}
RETURN c.customerId AS customerId, c.displayName AS displayName, seg.segmentId AS segment,
       [(c)-[h:HAS_IDENTITY]->(x:Identity) | {
          identityId: x.identityId, kind: x.identityKind, network: x.network,
          value: x.identifierValue, displayName: x.displayName,
          linkRule: h.linkRule, linkScore: h.linkScore,
          evidence: [(x)-[l:LINKED_WITH]-(y:Identity) | {rule: l.linkRule, score: l.linkScore,
                                                         with: y.identityId,
                                                         matchWeight: l.matchWeight,
                                                         matchWeights: l.matchWeights}]}]
         AS identities,
       s.summaryView AS summary, counts, entityNames, conceptLabels, similarCustomers,
       journey, """ + CONSENT_EVENTS + """ AS consentEvents, consentSuggestions
"""

CUSTOMER_INTERACTIONS: Final[LiteralString] = """
MATCH (c:Customer {customerId: $customerId})-[:HAS_IDENTITY]->(:Identity)
      <-[:AUTHORED_BY]-(i:Interaction)
OPTIONAL MATCH (i)-[:VIA_CHANNEL]->(ch:Channel)
OPTIONAL MATCH (i)-[:PART_OF_CASE]->(k:Case)
WITH i, ch, k ORDER BY i.occurredAt DESC, i.interactionId SKIP $skip LIMIT $limit
RETURN """ + JOURNEY_STEP + """ AS step
"""

CASE_DETAIL: Final[LiteralString] = """
MATCH (k:Case {caseId: $caseId})
RETURN k.caseId AS caseId, k.caseStatus AS status, k.openedAt AS openedAt,
       k.closedAt AS closedAt, [(k)-[:CASE_OF]->(c:Customer) | c.customerId] AS customers,
       [(i:Interaction)-[:PART_OF_CASE]->(k) | {interactionId: i.interactionId,
         occurredAt: i.occurredAt, direction: i.direction, text: i.text,
         channel: [(i)-[:VIA_CHANNEL]->(ch:Channel) | ch.channelId][0]}] AS interactions
"""

INTERACTION_DETAIL: Final[LiteralString] = """
MATCH (i:Interaction {interactionId: $interactionId})
RETURN i.interactionId AS interactionId, i.occurredAt AS occurredAt, i.direction AS direction,
       i.text AS text, i.language AS language, i.rating AS rating,
       [l IN labels(i) WHERE l <> 'Interaction'][0] AS kind,
       [(i)-[:VIA_CHANNEL]->(ch:Channel) | ch.channelId][0] AS channel,
       [(i)-[:AUTHORED_BY]->(x:Identity) | x.identityId][0] AS author,
       [(i)-[:AUTHORED_BY]->(:Identity)<-[:HAS_IDENTITY]-(c:Customer) | c.customerId][0]
         AS customerId,
       [(i)-[:PART_OF_CASE]->(k:Case) | k.caseId][0] AS caseId,
       [(i)-[:REPLY_TO]->(p:Interaction) | p.interactionId][0] AS replyTo,
       [(i)-[:HAS_MENTION]->(m:Mention) | {start: m.startOffset, end: m.endOffset,
         text: m.spanText, label: m.spanLabel, extractor: m.extractor,
         extractorVersion: m.extractorVersion, referenceValue: m.referenceValue,
         refersTo: [(m)-[:REFERS_TO]->(t) | coalesce(t.conceptId, t.entityId)][0]}] AS spans,
       [(i)-[:HAS_OPINION]->(o:Opinion) | {opinionId: o.opinionId, polarity: o.polarity,
         score: o.polarityScore,
         confidence: o.confidence, algorithm: o.algorithm,
         aspect: [(o)-[:ABOUT_ASPECT]->(k:Concept) | k.conceptId][0]}] AS opinions,
       [(i)-[:HAS_INTENT]->(s:Intent)-[:INTENT_CATEGORY]->(g) | {category: g.categoryId,
         confidence: s.confidence, evidence: s.evidence}] AS intents,
       [(i)-[:HAS_EMOTION]->(s:Emotion)-[:EMOTION_CATEGORY]->(g) | {category: g.categoryId,
         confidence: s.confidence, evidence: s.evidence}] AS emotions
"""

CONCEPT_TREE: Final[LiteralString] = """
MATCH (k:Concept)
OPTIONAL MATCH (k)-[:BROADER]->(b:Concept)
RETURN k.conceptId AS conceptId, k.prefLabel AS label, b.conceptId AS broader,
       COUNT { (k)<-[:ABOUT_CONCEPT]-(i:Interaction)
               WHERE """ + ANALYTICS_INCLUDED_INTERACTION + """ } AS interactions
ORDER BY conceptId
"""

# ---------------------------------------------------------------- consent
# Every consent event of these customers (through any of their identities), with its channel.
CONSENT_EVENTS_OF_CUSTOMERS: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (c:Customer {customerId: customerId})
RETURN customerId, c.analyticsExcluded AS excluded, c.analyticsAllowedUntil AS allowedUntil,
       """ + CONSENT_EVENTS + """ AS events
"""

CONSENT_EVENTS_OF_IDENTITIES: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (x:Identity {identityId: id})<-[:CONSENT_OF]-(e:Consent)
RETURN x.identityId AS identityId, e.consentId AS consentId, e.purpose AS purpose,
       e.consentStatus AS consentStatus, e.givenAt AS givenAt, e.expiresAt AS expiresAt,
       e.recordedAt AS recordedAt, e.consentSource AS consentSource,
       e.recordedBy AS recordedBy,
       [(e)-[:CONSENT_FOR_CHANNEL]->(ch:Channel) | ch.channelId][0] AS channel
"""

CUSTOMERS_OF_IDENTITIES: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (c:Customer)-[:HAS_IDENTITY]->(:Identity {identityId: id})
RETURN DISTINCT c.customerId AS customerId
"""

# What the enforcement predicate reads, maintained by the refresh path.
WRITE_CONSENT_FLAGS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (c:Customer {customerId: row.customerId})
SET c.analyticsExcluded = row.excluded, c.analyticsAllowedUntil = row.allowedUntil
"""

# Messages that asked to stop contact or delete data (the consent-withdrawal intent) that no
# consent event has confirmed yet: evidence for a person, never a change by itself.
CONSENT_SUGGESTIONS: Final[LiteralString] = """
MATCH (i:Interaction)-[:HAS_INTENT]->(s:Intent)-[:INTENT_CATEGORY]->
      (:IntentCategory {categoryId: $category})
MATCH (i)-[:AUTHORED_BY]->(x:Identity)<-[:HAS_IDENTITY]-(c:Customer)
WHERE ($customerId IS NULL OR c.customerId = $customerId)
  AND NOT EXISTS { MATCH (e:Consent {evidenceInteractionId: i.interactionId}) }
WITH c, x, i, s ORDER BY i.occurredAt DESC, i.interactionId
WITH collect(""" + CONSENT_SUGGESTION + """) AS found
RETURN size(found) AS total, found[$skip..$skip + $limit] AS items
"""

READ_INTERACTION_AUTHOR: Final[LiteralString] = """
MATCH (i:Interaction {interactionId: $interactionId})-[:AUTHORED_BY]->(x:Identity)
      <-[:HAS_IDENTITY]-(c:Customer)
RETURN x.identityId AS identityId, c.customerId AS customerId
"""

# A customer, their identities and every interaction erasure removes with them (what they
# wrote and the company's answers to it): read by the erasure's scope and its deletion.
CUSTOMER_FOOTPRINT: Final[LiteralString] = """
MATCH (c:Customer {customerId: $customerId})
OPTIONAL MATCH (c)-[:HAS_IDENTITY]->(x:Identity)
OPTIONAL MATCH (x)<-[:AUTHORED_BY]-(i:Interaction)
WITH c, collect(DISTINCT x) AS identities, collect(DISTINCT i) AS authored
CALL (authored) {
  UNWIND authored AS i
  MATCH (i)<-[:REPLY_TO]-(answer:Interaction {direction: 'outbound'})
  RETURN collect(DISTINCT answer) AS answers
}
WITH c, identities, authored + answers AS interactions
"""

# ---------------------------------------------------------------- erasure
# Everything that exists only because of this customer: identities, what they authored, the
# mentions, opinions, intents and emotions of it, the journey, and cases left without members.
ERASE_CUSTOMER: Final[LiteralString] = CUSTOMER_FOOTPRINT + """
CALL (interactions) {
  UNWIND interactions AS i
  MATCH (i)-[:HAS_MENTION|HAS_OPINION|HAS_INTENT|HAS_EMOTION]->(d)
  RETURN collect(DISTINCT d) AS derived
}
CALL (c) {
  OPTIONAL MATCH (j:Journey)-[:JOURNEY_OF]->(c)
  RETURN collect(j) AS journeys
}
CALL (c) {
  OPTIONAL MATCH (k:Case)-[:CASE_OF]->(c)
  RETURN collect(k) AS cases
}
CALL (identities) {
  UNWIND identities AS x
  MATCH (e:Consent)-[:CONSENT_OF]->(x)
  RETURN collect(DISTINCT e) AS consents
}
WITH c, identities, interactions, derived, journeys, cases, consents,
     [x IN identities | x.identityId] AS identityIds,
     [i IN interactions | i.interactionId] AS interactionIds
FOREACH (n IN consents | DETACH DELETE n)
FOREACH (n IN derived | DETACH DELETE n)
FOREACH (n IN interactions | DETACH DELETE n)
FOREACH (n IN identities | DETACH DELETE n)
FOREACH (n IN journeys | DETACH DELETE n)
DETACH DELETE c
RETURN identityIds, interactionIds, size(derived) AS derived, size(journeys) AS journeys,
       [k IN cases | k.caseId] AS caseIds, size(consents) AS consents
"""

# Before an erasure: every node it will delete or leave changed, for the change record.
ERASURE_SCOPE: Final[LiteralString] = CUSTOMER_FOOTPRINT + """
RETURN [x IN identities | x.identityId] AS identityIds,
       [i IN interactions | i.interactionId] AS interactionIds,
       reduce(all = [], i IN interactions | all +
         [(i)-[:HAS_MENTION|HAS_OPINION|HAS_INTENT|HAS_EMOTION]->(d) |
          [l IN labels(d) WHERE l IN ['Mention', 'Opinion', 'Intent', 'Emotion']][0] + ':' +
          coalesce(d.mentionId, d.opinionId, d.intentId, d.emotionId)]) AS derived,
       reduce(all = [], i IN interactions | all +
         [(i)-[:MENTIONS_ENTITY]->(e:Entity) | e.entityId]) AS entityIds,
       reduce(all = [], i IN interactions | all +
         [(i)-[:PART_OF_CASE]->(:Case)<-[:PART_OF_CASE]-(o:Interaction) | o.interactionId] +
         [(i)<-[:REPLY_TO]-(o:Interaction) | o.interactionId]) AS around,
       [(j:Journey)-[:JOURNEY_OF]->(c) | j.journeyId] AS journeyIds,
       reduce(all = [], x IN identities | all +
         [(x)<-[:CONSENT_OF]-(e:Consent) | e.consentId]) AS consentIds
"""

SUPPRESS: Final[LiteralString] = """
UNWIND $keys AS key
MERGE (s:Suppression {suppressionKey: key})
SET s.suppressedAt = datetime()
"""

SUPPRESSED_AMONG: Final[LiteralString] = """
UNWIND $keys AS key
MATCH (s:Suppression {suppressionKey: key})
RETURN s.suppressionKey AS key
"""

LIFT_SUPPRESSION: Final[LiteralString] = """
UNWIND $keys AS key
MATCH (s:Suppression {suppressionKey: key})
DELETE s
RETURN count(*) AS lifted
"""

# Query statistics keep recent queries with their parameters: an erased value must not stay.
# They cannot be cleared while collecting: stop, clear, and collect again if it was running.
QUERY_STATISTICS_STATUS: Final[LiteralString] = """
CALL db.stats.status() YIELD section, status
WHERE section = 'QUERIES' RETURN status
"""
STOP_QUERY_STATISTICS: Final[LiteralString] = "CALL db.stats.stop('QUERIES')"
CLEAR_QUERY_STATISTICS: Final[LiteralString] = "CALL db.stats.clear('QUERIES')"
COLLECT_QUERY_STATISTICS: Final[LiteralString] = "CALL db.stats.collect('QUERIES')"

# Entities no interaction mentions any more (after an erasure, those made from its texts).
DELETE_ORPHAN_ENTITIES: Final[LiteralString] = """
UNWIND $entityIds AS entityId
MATCH (e:Entity {entityId: entityId})
WHERE NOT ()-[:MENTIONS_ENTITY]->(e) AND NOT ()-[:REFERS_TO]->(e)
DETACH DELETE e
RETURN count(*) AS deleted
"""

DELETE_CASES_IF_EMPTY: Final[LiteralString] = """
UNWIND $caseIds AS caseId
MATCH (k:Case {caseId: caseId}) WHERE NOT ()-[:PART_OF_CASE]->(k)
DETACH DELETE k
RETURN count(*) AS deleted
"""

# ---------------------------------------------------------------- API: concepts and insights
# Interactions in scope: optional channel, time range and customer segment filters; every
# aggregate below leaves out the interactions of customers the consent policy excludes from
# analytics (kg/consent/policy.py).
#
# Concept correlations are counted over the corpus the stored corpus counts describe (every
# interaction a customer wrote, customers left out of analytics excluded): with no filter the
# route reads those counts (CONCEPT_CORPUS_CORRELATIONS); with a filter this counts it live.
CONCEPT_CORRELATIONS: Final[LiteralString] = """
MATCH (c:Customer)-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-(i:Interaction)
WHERE """ + ANALYTICS_INCLUDED + """
  AND ($channel IS NULL OR EXISTS { (i)-[:VIA_CHANNEL]->(:Channel {channelId: $channel}) })
  AND ($since IS NULL OR i.occurredAt >= $since) AND ($until IS NULL OR i.occurredAt < $until)
  AND ($segment IS NULL OR EXISTS { (c)-[:IN_SEGMENT]->(:Segment {segmentId: $segment}) })
WITH collect(i) AS scope
WITH scope, size(scope) AS total,
     [i IN scope WHERE EXISTS { (i)-[:ABOUT_CONCEPT]->(:Concept {conceptId: $conceptId}) }]
       AS focus
UNWIND (CASE WHEN size(focus) = 0 THEN [null] ELSE focus END) AS i
OPTIONAL MATCH (i)-[:ABOUT_CONCEPT]->(other:Concept) WHERE other.conceptId <> $conceptId
WITH scope, total, focus, other, count(i) AS together
WITH scope, total, focus,
     collect(CASE WHEN other IS NULL THEN null ELSE {conceptId: other.conceptId,
       together: together,
       withOther: size([s IN scope WHERE EXISTS { (s)-[:ABOUT_CONCEPT]->(other) }])} END)
       AS pairs
RETURN total, size(focus) AS volume, pairs,
       [i IN focus | i.interactionId][..10] AS sample
"""

# The same answer from the stored corpus counts the refresh path keeps (as the 360° view's lift):
# the interactions, the concept's count, and each pair with it beside the other concept's count.
CONCEPT_CORPUS_CORRELATIONS: Final[LiteralString] = """
OPTIONAL MATCH (t:CorpusCount {countId: 'interactions'})
OPTIONAL MATCH (v:CorpusCount {countId: 'concept:' + $conceptId})
CALL () {
  MATCH (p:CorpusCount)
  WHERE p.countId STARTS WITH 'pair:' + $conceptId + '|'
     OR (p.countId STARTS WITH 'pair:' AND p.countId ENDS WITH '|' + $conceptId)
  WITH p, [x IN split(substring(p.countId, 5), '|') WHERE x <> $conceptId][0] AS other
  MATCH (o:CorpusCount {countId: 'concept:' + other})
  RETURN collect({conceptId: other, together: p.countValue, withOther: o.countValue}) AS pairs
}
CALL () {
  MATCH (:Concept {conceptId: $conceptId})<-[:ABOUT_CONCEPT]-(i:Interaction)
        -[:AUTHORED_BY]->(:Identity)<-[:HAS_IDENTITY]-(c:Customer)
  WHERE """ + ANALYTICS_INCLUDED + """
  WITH i LIMIT 10
  RETURN collect(i.interactionId) AS sample
}
RETURN coalesce(t.countValue, 0) AS total, coalesce(v.countValue, 0) AS volume, pairs, sample
"""

CONCEPT_SENTIMENT_BY_CHANNEL: Final[LiteralString] = """
MATCH (i:Interaction)-[:ABOUT_CONCEPT]->(:Concept {conceptId: $conceptId}),
      (i)-[:VIA_CHANNEL]->(ch:Channel),
      (i)-[:HAS_OPINION]->(o:Opinion)-[:ABOUT_ASPECT]->(:Concept {conceptId: $conceptId})
WHERE """ + ANALYTICS_INCLUDED_INTERACTION + """
  AND ($channel IS NULL OR ch.channelId = $channel)
  AND ($since IS NULL OR i.occurredAt >= $since) AND ($until IS NULL OR i.occurredAt < $until)
RETURN ch.channelId AS channel, count(DISTINCT i) AS volume, avg(o.polarityScore) AS sentiment,
       i.occurredAt.year + '-' + right('0' + toString(i.occurredAt.month), 2) AS month
ORDER BY month, channel
"""

CONCEPT_TOP_ENTITIES: Final[LiteralString] = """
MATCH (i:Interaction)-[:ABOUT_CONCEPT]->(:Concept {conceptId: $conceptId}),
      (i)-[:MENTIONS_ENTITY]->(e:Entity)
WHERE """ + ANALYTICS_INCLUDED_INTERACTION + """
RETURN e.entityId AS entityId, e.entityName AS name, count(i) AS volume
ORDER BY volume DESC, entityId LIMIT 10
"""

PAIN_POINTS: Final[LiteralString] = """
MATCH (i:Interaction)-[:HAS_OPINION]->(o:Opinion)-[:ABOUT_ASPECT]->(k:Concept)
WHERE o.polarity = 'negative' AND """ + ANALYTICS_INCLUDED_INTERACTION + """
  AND ($since IS NULL OR i.occurredAt >= $since) AND ($until IS NULL OR i.occurredAt < $until)
WITH k, count(DISTINCT i) AS negative, avg(-o.polarityScore) AS intensity,
     count(DISTINCT CASE WHEN i.occurredAt >= $recentSince THEN i END) AS recent,
     collect(DISTINCT i.interactionId)[..10] AS sample
RETURN k.conceptId AS conceptId, k.prefLabel AS label, negative, intensity,
       negative * intensity AS score, recent, sample
ORDER BY score DESC, conceptId LIMIT $limit
"""

CHANNEL_INSIGHTS: Final[LiteralString] = """
MATCH (i:Interaction)-[:VIA_CHANNEL]->(ch:Channel)
WHERE """ + ANALYTICS_INCLUDED_INTERACTION + """
OPTIONAL MATCH (answer:Interaction {direction: 'outbound'})-[:REPLY_TO]->(i)
WHERE i.direction = 'inbound'
WITH ch, i, min(answer.occurredAt) AS answeredAt
RETURN ch.channelId AS channel, count(i) AS volume,
       count(CASE WHEN i.direction = 'inbound' THEN 1 END) AS inbound,
       avg(i.sentimentScore) AS sentiment,
       count(answeredAt) AS answered,
       avg(CASE WHEN answeredAt IS NULL THEN null
           ELSE duration.inSeconds(i.occurredAt, answeredAt).seconds END) AS meanResponseSeconds
ORDER BY volume DESC, channel
"""


# Whole-population resolution (kg.derivation.population): a few whole-graph streaming reads
# instead of one neighbourhood query per transaction group.
PENDING_IDENTITY_COUNT: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.derivationPending = true
RETURN sum(size(coalesce(r.pendingIdentities, []))) AS pending,
       max(r.sequenceNumber) AS upTo, min(r.sequenceNumber) AS first
"""

COUNT_IDENTITIES: Final[LiteralString] = """
MATCH (x:Identity) RETURN count(x) AS n
"""

READ_PENDING_UP_TO: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.derivationPending = true AND r.sequenceNumber <= $upTo
RETURN r.pendingIdentities AS identities, r.pendingCustomers AS customers
"""

# The customers the pending records up to a sequence concern now: those their identities and
# authored interactions belong to, and those they name.
CUSTOMERS_OF_PENDING_UP_TO: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.derivationPending = true AND r.sequenceNumber <= $upTo
UNWIND coalesce(r.pendingIdentities, []) AS id
MATCH (c:Customer)-[:HAS_IDENTITY]->(:Identity {identityId: id})
RETURN DISTINCT c.customerId AS customerId
UNION
MATCH (r:ChangeRecord) WHERE r.derivationPending = true AND r.sequenceNumber <= $upTo
UNWIND coalesce(r.pendingInteractions, []) AS id
MATCH (:Interaction {interactionId: id})-[:AUTHORED_BY]->(:Identity)
      <-[:HAS_IDENTITY]-(c:Customer)
RETURN DISTINCT c.customerId AS customerId
UNION
MATCH (r:ChangeRecord) WHERE r.derivationPending = true AND r.sequenceNumber <= $upTo
UNWIND coalesce(r.pendingCustomers, []) AS id
MATCH (c:Customer {customerId: id})
RETURN DISTINCT c.customerId AS customerId
"""

INTERACTION_COUNTS_OF_CUSTOMERS: Final[LiteralString] = """
UNWIND $customers AS customerId
MATCH (c:Customer {customerId: customerId})
RETURN customerId,
       COUNT { (c)-[:HAS_IDENTITY]->(:Identity)<-[:AUTHORED_BY]-(:Interaction) } AS interactions
"""

# Pending interactions no customer authored (a brand's replies): their cases are regrouped too.
UNAUTHORED_PENDING_INTERACTIONS_UP_TO: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.derivationPending = true AND r.sequenceNumber <= $upTo
UNWIND coalesce(r.pendingInteractions, []) AS id
MATCH (o:Interaction {interactionId: id})
WHERE NOT EXISTS { (o)-[:AUTHORED_BY]->(:Identity)<-[:HAS_IDENTITY]-(:Customer) }
RETURN DISTINCT o.interactionId AS interactionId
"""

# Summaries whose customer no longer exists (erased, merged away, emptied by resolution).
SUMMARIES_WITHOUT_CUSTOMER: Final[LiteralString] = """
MATCH (s:CustomerSummary)
WHERE NOT EXISTS { MATCH (:Customer {customerId: s.summaryOf}) }
RETURN s.summaryOf AS customerId
"""

PENDING_SEQUENCES_UP_TO: Final[LiteralString] = """
MATCH (r:ChangeRecord) WHERE r.derivationPending = true AND r.sequenceNumber <= $upTo
RETURN r.sequenceNumber AS sequence
"""

READ_ALL_ASSIGNMENTS: Final[LiteralString] = """
MATCH (x:Identity)
OPTIONAL MATCH (c:Customer)-[h:HAS_IDENTITY]->(x)
RETURN x.identityId AS identityId, c.customerId AS customerId, h.linkRule AS rule,
       h.linkScore AS score
"""

READ_LINKS_EXCEPT_RULE: Final[LiteralString] = """
MATCH (a:Identity)-[l:LINKED_WITH]->(b:Identity)
WHERE l.linkRule IS NULL OR l.linkRule <> $rule
RETURN a.identityId AS a, b.identityId AS b, l.linkRule AS rule, l.linkScore AS score
"""

READ_SCORED_LINK_VALUES: Final[LiteralString] = """
MATCH (a:Identity)-[l:LINKED_WITH {linkRule: $rule}]->(b:Identity)
RETURN a.identityId AS a, b.identityId AS b, l.linkScore AS score,
       l.matchWeight AS matchWeight, l.matchWeights AS matchWeights
"""
