"""Trains the shipped base semantic model (``kg/semantic/base/``) from the in-domain labels.

    python -m training.semantic_base [--data DIR] [--check]

What it is trained on (all licences allow shipping a model trained on them):
- the train and dev parts of ``training/labels`` (twitter_customer_care Apache-2.0, CFPB
  public domain, banking77 CC BY 4.0, tweet_sentiment_extraction CC BY 4.0) and the gold
  set's dev half of those sources: in-domain sentiment, areas and concepts;
- generic sentiment rows at half the weight (tweet_sentiment_extraction tweets outside
  the label set, CC BY 4.0; GoEmotions train, Apache-2.0; single-sentiment rows only): on the
  dev parts they raised sentiment accuracy from 0.83 to 0.85 (mostly praise, rare in
  complaint channels); half the weight rather than a fifth kept that and raised TweetEval
  validation macro-F1 from 0.575 to 0.591.

Test parts are never read here. The rows (features and labels, no text) ship beside the heads
in ``rows.npz`` so that ``kg model train`` refits on the base data plus a deployment's labels.
Deterministic: fixed data, fixed hash-based sampling, and a deterministic solver.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kg.extraction.service_features import cue_rows
from kg.semantic.encoder import shared_encoder
from kg.semantic.features import LabelSpace, build_label_space, feature_rows
from kg.semantic.fitting import TrainingRows, fit_heads
from kg.semantic.rows import save_rows
from kg.semantic.versions import BASE_HEADS, BASE_ROWS
from training.semantic_data import DEFAULT_DATA, LabelledMessage, labelled_messages

GENERIC_WEIGHT = 0.5
GENERIC_TWEETS = 3000
GENERIC_COMMENTS = 1000
GOEMOTIONS_SENTIMENT = {"1": "negative", "2": "neutral", "3": "positive"}


def message_rows(messages: Sequence[LabelledMessage], labels: LabelSpace) -> TrainingRows:
    texts = [m.text for m in messages]
    features = feature_rows(shared_encoder().embed(texts), cue_rows(texts), labels)
    return TrainingRows(features=features, sentiment=[m.sentiment for m in messages],
                        area=[m.area for m in messages],
                        concepts=[m.concepts for m in messages])


def _stable_order(key: str) -> str:
    return hashlib.sha256(f"semantic-generic:{key}".encode()).hexdigest()


def generic_rows(data: Path, labels: LabelSpace, excluded: set[str], *, tweets_too: bool = True
                 ) -> TrainingRows:
    """Generic sentiment rows: people's labels, but not about a company's service
    (``tweets_too=False``: GoEmotions only, for a curve that leaves tweet_sentiment_extraction
    out of everything)."""
    tweets = []
    path = data / "tweet_sentiment_extraction" / "train_10fold.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["text"].strip() and row["textID"] not in excluded:
                tweets.append((row["textID"], row["text"].strip(), row["sentiment"]))
    comments = []
    with (data / "goemotions" / "train.tsv").open(encoding="utf-8") as handle:
        for line in handle:
            text, ids, comment_id = [*line.rstrip("\n").split("\t"), "", ""][:3]
            if ids in GOEMOTIONS_SENTIMENT and text.strip():
                comments.append((comment_id, text.strip(), GOEMOTIONS_SENTIMENT[ids]))
    if not tweets_too:
        tweets = []
    chosen = sorted(tweets, key=lambda r: _stable_order(r[0]))[:GENERIC_TWEETS] + sorted(
        comments, key=lambda r: _stable_order(r[0]))[:GENERIC_COMMENTS]
    texts = [text for _, text, _ in chosen]
    features = feature_rows(shared_encoder().embed(texts), cue_rows(texts), labels)
    return TrainingRows(features=features, sentiment=[s for _, _, s in chosen],
                        area=[""] * len(chosen), concepts=[None] * len(chosen),
                        weights=np.full(len(chosen), GENERIC_WEIGHT, np.float32))


def base_training_rows(messages: Sequence[LabelledMessage], data: Path, labels: LabelSpace
                       ) -> TrainingRows:
    """The base model's rows: trainable train+dev messages and the generic rows."""
    chosen = [m for m in messages if m.trainable and m.split in ("train", "dev")]
    excluded = {m.record_id for m in messages if m.dataset == "tweet_sentiment_extraction"}
    return TrainingRows.joined([message_rows(chosen, labels),
                                generic_rows(data, labels, excluded)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    labels = build_label_space(shared_encoder())
    messages = labelled_messages(args.data)
    rows = base_training_rows(messages, args.data, labels)
    heads = fit_heads(rows, labels, meta={
        "trained_on": "training/labels train+dev, gold dev half (trainable sources), "
                      "generic sentiment rows at weight 0.5",
        "rows": len(rows), "encoder": shared_encoder().version})
    heads.save(BASE_HEADS)
    save_rows(BASE_ROWS, rows)
    print(f"base model: {len(rows)} rows → {BASE_HEADS} and {BASE_ROWS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
