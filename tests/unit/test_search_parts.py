"""The pure parts of message search: score fusion, safe Lucene queries, stems and snippets; and
that an embedding never reaches the RDF mirror."""

from __future__ import annotations

import pytest

from kg.graph.search_indexes import EMBEDDING_DIMENSIONS
from kg.ontology.mapping import load_mapping
from kg.rdf.mirror import node_quads
from kg.search.fusion import fuse
from kg.search.snippets import snippet
from kg.search.terms import MAX_TERMS, lucene_query, stems
from kg.semantic.encoder import DIMENSIONS


def test_scores_are_scaled_within_each_list_then_weighted() -> None:
    meaning = [("a", 0.9), ("b", 0.8), ("c", 0.7)]
    words = [("c", 12.0), ("d", 2.0)]
    fused = dict(fuse(meaning, words, meaning_weight=0.7))
    assert fused == pytest.approx({"a": 0.7, "b": 0.35, "c": 0.3, "d": 0.0})
    assert [item for item, _ in fuse(meaning, words, meaning_weight=0.7)] == \
        ["a", "b", "c", "d"]
    # words weigh more: the item both lists hold comes first
    assert fuse(meaning, words, meaning_weight=0.3)[0][0] == "c"


def test_one_list_alone_keeps_its_order_and_ties_follow_meaning() -> None:
    assert [i for i, _ in fuse([], [("x", 3.0), ("y", 1.0)])] == ["x", "y"]
    assert [i for i, _ in fuse([("q", 0.5), ("p", 0.5)], [])] == ["q", "p"]
    assert fuse([], []) == []


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
