"""Talking to Neo4j: the driver factory, named Cypher statements and the schema."""
