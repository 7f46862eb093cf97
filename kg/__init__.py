"""Semantic customer knowledge graph: ontology, extraction, Neo4j graph, RDF mirror, query API."""

__version__ = "0.1.0"
