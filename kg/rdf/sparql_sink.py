"""A mirror sink on any SPARQL 1.1 server: Query, Update and the Graph Store Protocol.

Each change is one SPARQL Update request, which servers such as Fuseki (TDB2) apply in one
transaction; a refill replaces the data graph through the Graph Store Protocol. Tested against a
real Fuseki that the tests start.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import httpx
import pyoxigraph as ox

from kg.ontology.files import OntologyFiles, default_ontology_dir
from kg.rdf.mirror import APPLIED_SEQUENCE, DATA_GRAPH, FEED_GRAPH, ONTOLOGY_GRAPH
from kg.rdf.sink import watermark_update

CHUNK = 20_000


class SparqlStoreSink:
    """``url`` is a dataset's base: ``url/query``, ``url/update``, ``url/data``."""

    def __init__(self, url: str, *, timeout: float = 300.0) -> None:
        self.url = url.rstrip("/")
        self.client = httpx.Client(timeout=timeout)

    def close(self) -> None:
        self.client.close()

    def applied_sequence(self) -> int:
        query = (f"SELECT ?n WHERE {{ GRAPH {FEED_GRAPH} {{ {DATA_GRAPH} {APPLIED_SEQUENCE} "
                 f"?n }} }}")
        response = self.client.post(f"{self.url}/query", data={"query": query},
                                    headers={"Accept": "application/sparql-results+json"})
        response.raise_for_status()
        bindings = response.json()["results"]["bindings"]
        return int(bindings[0]["n"]["value"]) if bindings else 0

    def update(self, request: str) -> None:
        self.client.post(f"{self.url}/update", data={"update": request}).raise_for_status()

    def _graph(self, method: str, graph: ox.NamedNode, body: bytes, media: str) -> None:
        self.client.request(method, f"{self.url}/data", params={"graph": graph.value},
                            content=body, headers={"Content-Type": media}).raise_for_status()

    def replace_all(self, quads: Iterable[ox.Quad], sequence: int) -> int:
        count, method, chunk = 0, "PUT", []
        for quad in quads:
            chunk.append(f"{quad.subject} {quad.predicate} {quad.object} .")
            if len(chunk) >= CHUNK:
                self._graph(method, DATA_GRAPH, "\n".join(chunk).encode(),
                            "application/n-triples")
                count, method, chunk = count + len(chunk), "POST", []
        self._graph(method, DATA_GRAPH, "\n".join(chunk).encode(), "application/n-triples")
        count += len(chunk)
        for number, path in enumerate(OntologyFiles(default_ontology_dir()).vocabulary()):
            self._graph("PUT" if number == 0 else "POST", ONTOLOGY_GRAPH, path.read_bytes(),
                        "text/turtle")
        self.update(watermark_update(sequence))
        return count

    def data_triples(self) -> Iterator[ox.Triple]:
        response = self.client.get(f"{self.url}/data", params={"graph": DATA_GRAPH.value},
                                   headers={"Accept": "application/n-triples"})
        if response.status_code == 404:
            return iter(())
        response.raise_for_status()
        return iter(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
