"""The HTTP query API over the knowledge graph (FastAPI)."""
