"""The Cypher of one batch: every statement a load or an ingest runs inside the batch's single
transaction, by name, in the order they run (:data:`BATCH_STATEMENTS`). Values only ever arrive
as parameters; the consent service and an analyst's merge and split reuse single statements."""

from __future__ import annotations

from typing import Final, LiteralString

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


