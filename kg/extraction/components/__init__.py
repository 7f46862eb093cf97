"""spaCy components of the extraction pipeline, each registered by name with a factory."""
