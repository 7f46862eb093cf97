"""The RDF mirror of the graph, served by SPARQL."""
