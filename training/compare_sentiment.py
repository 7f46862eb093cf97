"""``scripts/compare_sentiment``: spaCy's textcat against the linear n-gram model, on dev splits.

Both learn from the same rows (``training.sentiment_rows``, train split); both are scored on the
same dev splits (tweet-sentiment fold 0, GoEmotions dev, the real-message dev half) and timed
on the same texts. docs/choices.md and docs/figures.md record the outcome.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import spacy
from spacy.training import Example

from kg.extraction.components.learned_sentiment import score_texts
from kg.extraction.components.sentiment import label_of
from kg.extraction.linear_text_model import batches
from kg.extraction.trained_models import SENTIMENT_MODEL, load_model
from training.corpora import SENTIMENTS, LabelledText, real_message_texts
from training.extraction_eval import accuracy, macro_f1
from training.fitting import SOURCE_WEIGHTS, sentiment_rows
from training.real_gold import gold_keys, load_real_gold

ROOT = Path(__file__).resolve().parents[1]


def dev_sets(data: Path, rows: list[LabelledText]) -> dict[str, list[tuple[str, str]]]:
    texts = real_message_texts(data)
    sets: dict[str, list[tuple[str, str]]] = {
        "tweet-sentiment fold 0": [(r.text, r.label) for r in rows
                                   if r.source == "tweet_sentiment" and r.split == "dev"],
        "GoEmotions dev": [(r.text, r.label) for r in rows
                           if r.source == "goemotions" and r.split == "dev"],
        "real messages, dev half": [(texts[(g.dataset, g.record_id)], g.sentiment)
                                    for g in load_real_gold() if g.split == "dev"],
    }
    return sets


def train_textcat(rows: list[LabelledText], epochs: int, seed: int, architecture: str
                  ) -> spacy.language.Language:
    spacy.util.fix_random_seed(  # type: ignore[attr-defined]
        seed)
    nlp = spacy.blank("en")
    model = {"bow": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True,
                     "ngram_size": 2, "no_output_layer": False, "length": 262144},
             "cnn": {"@architectures": "spacy.TextCatReduce.v1", "exclusive_classes": True,
                     "use_reduce_first": False, "use_reduce_last": False,
                     "use_reduce_max": False, "use_reduce_mean": True,
                     "tok2vec": {"@architectures": "spacy.HashEmbedCNN.v2",
                                 "pretrained_vectors": None, "width": 64, "depth": 2,
                                 "embed_size": 2000, "window_size": 1, "maxout_pieces": 3,
                                 "subword_features": True}}}[architecture]
    textcat = nlp.add_pipe("textcat", config={"model": model})
    for label in SENTIMENTS:
        textcat.add_label(label)  # type: ignore[attr-defined]
    train = [r for r in rows if r.split == "train"]
    examples = [Example.from_dict(nlp.make_doc(r.text),
                                  {"cats": {c: float(c == r.label) for c in SENTIMENTS}})
                for r in train]
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(seed)  # noqa: S311 - seeded shuffling, not security
    for epoch in range(epochs):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in batches(examples, size=64):
            nlp.update(batch, sgd=optimizer, losses=losses)
        print(f"  textcat {architecture} epoch {epoch + 1}: loss {losses['textcat']:.1f}",
              flush=True)
    return nlp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--architecture", choices=("bow", "cnn"), default="bow")
    args = parser.parse_args()
    rows = [r for r in sentiment_rows(args.data, gold_keys()) if r.source in SOURCE_WEIGHTS]
    sets = dev_sets(args.data, rows)
    started = time.perf_counter()
    textcat = train_textcat(rows, args.epochs, args.seed, args.architecture)
    print(f"textcat ({args.architecture}) trained in {time.perf_counter() - started:.0f} s")
    linear = load_model(SENTIMENT_MODEL)
    print(f"{'dev set':<28}{'linear n-grams + lexicon':>26}{'spaCy textcat':>18}")
    for name, pairs in sets.items():
        texts = [t for t, _ in pairs]
        gold = [g for _, g in pairs]
        ours = [label_of(s) for s in score_texts(linear, texts)]
        theirs = [max(doc.cats, key=doc.cats.__getitem__) for doc in textcat.pipe(texts)]
        print(f"{name:<28}{accuracy(gold, ours):>13.3f} / {macro_f1(gold, ours):.3f}"
              f"{accuracy(gold, theirs):>11.3f} / {macro_f1(gold, theirs):.3f}")
    texts = [t for t, _ in sets["tweet-sentiment fold 0"]]
    for name, run in (("linear", lambda: score_texts(linear, texts)),
                      ("textcat", lambda: list(textcat.pipe(texts)))):
        started = time.perf_counter()
        run()
        print(f"{name}: {len(texts) / (time.perf_counter() - started):,.0f} texts/s")


if __name__ == "__main__":
    main()
