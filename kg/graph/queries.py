"""Every Cypher statement the product runs, by name. Values only ever arrive as parameters.

Labels, relationship types and property keys here must exist in the ontology; a unit test
parses this module and fails on any name the ontology does not define.
"""

from __future__ import annotations

from typing import Final, LiteralString

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
