"""The indexes message search and question grouping read: Neo4j's vector index over each
interaction's sentence embedding (HNSW, cosine), its full-text index (Lucene) over the message
text, and a vector index over question groups' centroids.

They are physical indexes, not facts of the ontology: nothing in the mirror corresponds to
them, and they are created beside the ontology's constraints by :func:`kg.graph.schema.init_schema`
(both ``IF NOT EXISTS``, so running it again creates nothing).
"""

from __future__ import annotations

from typing import Final, LiteralString

# all-MiniLM-L6-v2's width; kg.semantic.encoder.DIMENSIONS must equal it (a unit test checks)
EMBEDDING_DIMENSIONS: Final = 384
VECTOR_INDEX: Final = "interaction_embedding"
TEXT_INDEX: Final = "interaction_text"
GROUP_INDEX: Final = "question_group_centroid"

CREATE_VECTOR_INDEX: Final[LiteralString] = """
CREATE VECTOR INDEX interaction_embedding IF NOT EXISTS
FOR (i:Interaction) ON i.embedding
OPTIONS {indexConfig: {`vector.dimensions`: 384, `vector.similarity_function`: 'cosine'}}
"""

# The standard analyser (lower case, word tokens, English stop words kept out).
CREATE_TEXT_INDEX: Final[LiteralString] = """
CREATE FULLTEXT INDEX interaction_text IF NOT EXISTS
FOR (i:Interaction) ON EACH [i.text]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}
"""

# Question groups' centroids: the group closest to a new message (kg.derivation.question_groups).
CREATE_GROUP_INDEX: Final[LiteralString] = """
CREATE VECTOR INDEX question_group_centroid IF NOT EXISTS
FOR (g:QuestionGroup) ON g.centroid
OPTIONS {indexConfig: {`vector.dimensions`: 384, `vector.similarity_function`: 'cosine'}}
"""

SEARCH_INDEX_STATEMENTS: Final[tuple[LiteralString, ...]] = (
    CREATE_VECTOR_INDEX, CREATE_TEXT_INDEX, CREATE_GROUP_INDEX)
