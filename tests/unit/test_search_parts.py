"""The pure parts of message search: rank fusion, safe Lucene queries, stems and snippets; and
that an embedding never reaches the RDF mirror."""

from __future__ import annotations

from kg.graph.search_indexes import EMBEDDING_DIMENSIONS
from kg.ontology.mapping import load_mapping
from kg.rdf.mirror import node_quads
from kg.search.fusion import fuse
from kg.search.snippets import snippet
from kg.search.terms import MAX_TERMS, lucene_query, stems
from kg.semantic.encoder import DIMENSIONS


def test_an_item_both_rankings_place_well_comes_first() -> None:
    fused = fuse([["a", "b", "c"], ["b", "d", "e"]])
    assert [item for item, _ in fused] == ["b", "a", "d", "c", "e"]
    assert fused[0][1] == 1 / 62 + 1 / 61


def test_ties_keep_the_first_rankings_order() -> None:
    assert [item for item, _ in fuse([["x", "y"], ["y", "x"]])] == ["x", "y"]
    assert fuse([]) == []


def test_query_syntax_is_read_as_words() -> None:
    assert lucene_query('AND OR "( title:[* TO *] \\') == "and or title to"
    assert lucene_query("!!! ???") == ""
    assert len(lucene_query(" ".join(f"w{n}" for n in range(100))).split()) == MAX_TERMS


def test_stems_find_inflections_and_skip_stop_words() -> None:
    assert stems("The refunds were charged") == ["refun", "were", "charg"]


def test_a_snippet_marks_the_words_and_cuts_long_texts_around_the_first() -> None:
    short = snippet("I was charged twice", ["charg", "twic"])
    assert short.text == "I was charged twice"
    assert [short.text[s:e] for s, e in short.highlights] == ["charged", "twice"]
    long_text = "word " * 100 + "my refund never came " + "tail " * 100
    cut = snippet(long_text, ["refun"])
    assert cut.text.startswith("…") and cut.text.endswith("…")
    assert [cut.text[s:e] for s, e in cut.highlights] == ["refund"]
    assert len(cut.text) <= 222
    none = snippet("nothing matches here", ["zzz"])
    assert none.text == "nothing matches here" and none.highlights == []


def test_the_vector_index_is_as_wide_as_the_encoder() -> None:
    assert DIMENSIONS == EMBEDDING_DIMENSIONS == 384


def test_an_embedding_is_not_a_fact_of_the_mirror() -> None:
    mapping = load_mapping()
    assert "embedding" in mapping.property_keys and "embedding" in mapping.graph_only
    quads = list(node_quads(mapping, ["Interaction"], "i1",
                            {"text": "hello", "embedding": [0.1] * 384}, []))
    predicates = {quad.predicate.value for quad in quads}
    assert any(p.endswith("text") for p in predicates)
    assert not any(p.endswith("embedding") for p in predicates)
