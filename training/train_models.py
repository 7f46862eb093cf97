"""``scripts/train_sentiment`` and ``scripts/train_topics``: fit and save the linear models.

Seeded and deterministic: the same data and seed give the same arrays. Prints the dev-split
figures the choices were made on (never TweetEval test, GoEmotions test or the real-message
test half; those are for ``scripts/eval_extraction``).
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from pathlib import Path

from kg.extraction.linear_text_model import LinearTextModel
from kg.extraction.trained_models import SENTIMENT_MODEL, TOPIC_MODEL
from kg.ontology.concept_labels import top_concepts
from training.corpora import LabelledText, tweet_sentiment
from training.extraction_eval import accuracy, macro_f1
from training.fitting import (
    Original,
    SentimentSettings,
    TopicSettings,
    fit_topics,
    label_counts,
    sentiment_original,
    sentiment_rows,
    softmax_model,
    topic_model,
    topic_original,
)
from training.model_parity import (
    reference_path,
    sentiment_dev,
    topic_dev_texts,
    write_reference,
)
from training.real_gold import gold_keys, load_real_gold
from training.topic_corpora import (
    TopicText,
    banking_topics,
    cfpb_topics,
    gold_topics,
    matched_care_topics,
)

ROOT = Path(__file__).resolve().parents[1]
# Real-message sources a shipped model may learn from (Apache-2.0, public domain).
TRAINABLE = frozenset({"twitter_customer_care", "cfpb"})
BACKGROUND_TEXTS = 3000


def train_sentiment(data: Path, out: Path, seed: int) -> None:
    rows = sentiment_rows(data, gold_keys())
    for name, counts in sorted(label_counts(rows).items()):
        print(f"  {name:<28}{dict(sorted(counts.items()))}")
    started = time.perf_counter()
    original = sentiment_original(rows, SentimentSettings(seed=seed))
    model = softmax_model(original)
    print(f"fitted in {time.perf_counter() - started:.0f} s")
    model.save(out)
    print(f"saved {out} ({out.stat().st_size / 1e6:.1f} MB)")
    _record_parity("sentiment", original, model, sentiment_dev(rows), out)
    dev: dict[str, list[LabelledText]] = {}
    for row in rows:
        if row.split == "dev" and not row.weak:
            dev.setdefault(row.source, []).append(row)
    from kg.extraction.components.learned_sentiment import score_texts
    from kg.extraction.components.sentiment import label_of

    for source, chosen in sorted(dev.items()):
        predicted = [label_of(s) for s in score_texts(model, [r.text for r in chosen])]
        gold = [r.label for r in chosen]
        print(f"  dev {source:<20} accuracy {accuracy(gold, predicted):.3f}  "
              f"macro-F1 {macro_f1(gold, predicted):.3f}  ({len(chosen)} texts)")


def weak_topics(data: Path) -> list[TopicText]:
    """Texts labelled by rules: Banking77 intents, CFPB product and issue, and customer-care
    turns by the matcher's specific wording (gold records of either half left out)."""
    from kg.extraction.pipeline import load_base_model
    from kg.settings import load_settings

    gold = gold_keys()
    matcher = load_base_model(load_settings().spacy_model)
    for component in ("ckg_language", "ckg_social", "ckg_concepts"):
        matcher.add_pipe(component)
    return [*banking_topics(data),
            *cfpb_topics(data, frozenset(r for source, r in gold if source == "cfpb")),
            *matched_care_topics(data, matcher, frozenset(
                r for source, r in gold if source == "twitter_customer_care"))]


def background_texts(data: Path, seed: int) -> list[str]:
    """General tweets about none of the concepts, half of them addressed to an account.

    The labelled tweets are all written to a brand's account, so without addressed chatter the
    classifier learns the handle placeholder itself as evidence of a topic and gives "@brand
    again" an app problem.
    """
    texts = [r.text.strip() for r in tweet_sentiment(data) if r.split == "train"]
    random.Random(seed).shuffle(  # noqa: S311 - seeded shuffling, not security
        texts)
    return [f"@user {text}" if position % 2 else text
            for position, text in enumerate(texts[:BACKGROUND_TEXTS])]


def train_topics(data: Path, out: Path, seed: int) -> None:
    # people's labels on the dev half, for texts whose licence allows training a shipped model
    dev_half = [r for r in load_real_gold() if r.split == "dev" and r.dataset in TRAINABLE]
    items = [*weak_topics(data), *gold_topics(data, dev_half)]
    background = background_texts(data, seed)
    started = time.perf_counter()
    settings = TopicSettings(seed=seed)
    original = topic_original(items, background, top_concepts(), settings)
    model = topic_model(original, settings)
    print(f"{len(items)} labelled texts, {BACKGROUND_TEXTS} background; {len(model.classes)} "
          f"classes; fitted in {time.perf_counter() - started:.0f} s")
    model.save(out)
    print(f"saved {out} ({out.stat().st_size / 1e6:.1f} MB)")
    _record_parity("topics", original, model, topic_dev_texts(data), out)


def _record_parity(name: str, original: Original, model: LinearTextModel, dev_texts: list[str],
                   out: Path) -> None:
    """The original's dev-split probabilities, for the parity test of the shipped model (only
    when the shipped model itself was written: another file has no test)."""
    if out.resolve() != {"sentiment": SENTIMENT_MODEL, "topics": TOPIC_MODEL}[name].resolve():
        return
    path = reference_path(name)
    write_reference(path, original, model, dev_texts, out)
    print(f"saved {path} (the scikit-learn original on {len(dev_texts)} dev texts)")


def tune_topics(data: Path, seed: int, folds: int = 3) -> None:
    """Cross-validates the thresholds of ``ckg_topics`` on the real-message dev half only."""
    from kg.extraction.components.topics import Thresholds, combine
    from kg.extraction.pipeline import load_base_model
    from kg.settings import load_settings
    from training.corpora import real_message_texts
    from training.extraction_eval import Counts

    tops = top_concepts()
    texts = real_message_texts(data)
    dev_half = [r for r in load_real_gold() if r.split == "dev"]
    dev_texts = [texts[(r.dataset, r.record_id)] for r in dev_half]
    nlp = load_base_model(load_settings().spacy_model)
    for component in ("ckg_language", "ckg_social", "ckg_concepts"):
        nlp.add_pipe(component)
    matched = [list(doc._.concepts or []) for doc in nlp.pipe(dev_texts)]
    weak = weak_topics(data)
    background = background_texts(data, seed)
    order = list(range(len(dev_half)))
    random.Random(seed).shuffle(  # noqa: S311 - seeded shuffling, not security
        order)
    fold_of = {index: position % folds for position, index in enumerate(order)}
    probabilities: list[dict[str, float]] = [{} for _ in dev_half]
    for fold in range(folds):
        train = [r for i, r in enumerate(dev_half) if fold_of[i] != fold and r.dataset in TRAINABLE]
        model = fit_topics([*weak, *gold_topics(data, train)], background,
                           tops, TopicSettings(seed=seed))
        held = [i for i in range(len(dev_half)) if fold_of[i] == fold]
        for index, row in zip(held, model.probabilities([dev_texts[i] for i in held]),
                              strict=True):
            probabilities[index] = dict(zip(model.classes, map(float, row), strict=True))
        print(f"fold {fold} fitted", flush=True)

    def macro(table: dict[str, Counts]) -> float:
        present = [c for c in table.values() if c.tp + c.fp + c.fn]
        return sum(c.f1 for c in present) / len(present) if present else 0.0

    results = []
    grid = itertools.product((0.0, 0.05, 0.1, 0.2, 0.3, 1.01), (0.0, 0.1, 0.2, 0.3, 0.5, 0.8),
                             (0.2, 0.3, 0.4, 0.5, 0.6, 1.01), (0.4, 0.5, 0.6, 0.8, 1.01))
    for keep, area_keep, add, area in grid:
        thresholds = Thresholds(keep, area_keep, add, area)
        concepts: dict[str, Counts] = {}
        areas: dict[str, Counts] = {}
        for record, found, probs in zip(dev_half, matched, probabilities, strict=True):
            kept, inferred = combine(found, probs, tops, thresholds)
            predicted = {c for _, _, c, _ in kept} | {c for c, _ in inferred}
            for table, gold, got in (
                    (concepts, set(record.concepts), predicted),
                    (areas, {tops.get(c, c) for c in record.concepts},
                     {tops.get(c, c) for c in predicted})):
                for key in gold | got:
                    table.setdefault(key, Counts()).add(gold & {key}, got & {key})
        results.append((macro(concepts) + macro(areas), macro(concepts), macro(areas),
                        thresholds))
    results.sort(key=lambda result: -result[0])
    print("keep  area-keep  add  area   concept macro-F1  area macro-F1  (dev half, out-of-fold)")
    for _, concept_f1, area_f1, t in results[:10]:
        print(f"{t.keep:>4} {t.area_keep:>10} {t.add:>4} {t.area:>5}   {concept_f1:>16.3f} "
              f"{area_f1:>14.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", choices=("sentiment", "topics"))
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--tune", action="store_true",
                        help="topics: cross-validate the thresholds on the dev half")
    args = parser.parse_args()
    if not args.data.is_dir():
        raise SystemExit(f"{args.data} not found: the models are trained from ../shared/data")
    if args.model == "sentiment":
        train_sentiment(args.data, args.out or SENTIMENT_MODEL, args.seed)
    elif args.tune:
        tune_topics(args.data, args.seed)
    else:
        train_topics(args.data, args.out or TOPIC_MODEL, args.seed)


if __name__ == "__main__":
    main()
