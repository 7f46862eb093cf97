"""The ontology: loading, the graph mapping derived from it, reasoning, shapes and docs."""
