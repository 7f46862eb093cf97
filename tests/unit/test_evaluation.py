from pathlib import Path

from kg.ontology.concept_labels import concept_labels, top_concepts
from kg.ontology.files import OntologyFiles, default_ontology_dir, parse_turtle
from kg.ontology.namespaces import CKG
from training.extraction_eval import Counts, accuracy, load_gold, macro_f1

GOLD = Path(__file__).parents[1] / "data" / "extraction_gold.tsv"


def _categories(kind: str) -> set[str]:
    graph = parse_turtle(OntologyFiles(default_ontology_dir()).categories)
    cls = CKG[kind]
    return {str(graph.value(s, CKG.categoryId)) for s in graph.subjects(None, cls)}


def test_gold_set_is_large_varied_and_uses_ontology_vocabulary() -> None:
    gold = load_gold(GOLD)
    assert len(gold) == 303
    assert len({m.id for m in gold}) == len(gold)
    assert {m.style for m in gold} == {"social", "email", "chat", "call", "survey", "review"}
    assert len({m.industry for m in gold}) == 16
    concepts = set(concept_labels())
    intents, emotions = _categories("IntentCategory"), _categories("EmotionCategory")
    for message in gold:
        assert message.sentiment in {"negative", "neutral", "positive"}, message.id
        assert message.concepts <= concepts, message.id
        assert message.intents <= intents, message.id
        assert message.emotions <= emotions, message.id
        for text, _ in message.entities:
            assert text in message.text.lower(), message.id


def test_every_concept_has_a_top_level_area() -> None:
    tops = top_concepts()
    assert tops["lost-package"] == "delivery-logistics"
    assert tops["delivery-logistics"] == "delivery-logistics"
    assert set(tops) == set(concept_labels())


def test_precision_recall_f1() -> None:
    counts = Counts()
    counts.add(frozenset({"a", "b", "c"}), frozenset({"b", "c", "d"}))
    counts.add(frozenset({"x"}), frozenset())
    assert (counts.tp, counts.fp, counts.fn) == (2, 1, 2)
    assert counts.precision == 2 / 3
    assert counts.recall == 0.5
    assert abs(counts.f1 - 4 / 7) < 1e-12
    assert Counts().f1 == 0.0


def test_sentiment_accuracy_and_macro_f1() -> None:
    gold = ["negative", "negative", "neutral", "positive"]
    predicted = ["negative", "neutral", "neutral", "positive"]
    assert accuracy(gold, predicted) == 0.75
    # negative: P=1 R=.5 F=2/3; neutral: P=.5 R=1 F=2/3; positive: F=1
    assert abs(macro_f1(gold, predicted) - (2 / 3 + 2 / 3 + 1) / 3) < 1e-12
