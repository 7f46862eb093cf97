"""`scripts/eval_adaptation`: how fast the graph learns a new deployment's domain.

    python -m training.semantic_adaptation [--data DIR] [--sizes 0,100,300,1000]

Each labelled real source in turn plays "the new customer's domain":
1. a base model is fitted without any of that source's messages (the other sources' train and
   dev parts and the generic rows, as ``training/semantic_base.py`` builds the shipped one);
2. n of the source's own train/dev labels (a fixed hash order) are written to a label CSV,
   read by the same parser as ``kg labels import`` and trained through the same function as
   ``kg model train`` (a fifth held back, the rest weighed in with the base rows);
3. the version is measured on the source's test part, which nothing above has seen.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import tempfile
import time
from pathlib import Path

from kg.semantic.encoder import shared_encoder
from kg.semantic.fitting import TrainingRows, fit_heads
from kg.semantic.heads import SemanticHeads
from kg.semantic.labels import read_label_file
from kg.semantic.versions import base_version, load_heads
from kg.services.adaptation import Embeddings, LabelledText, figures_of, train_model
from training.semantic_base import generic_rows, message_rows
from training.semantic_data import DEFAULT_DATA, SOURCES, LabelledMessage, labelled_messages


def write_label_csv(path: Path, messages: list[LabelledMessage]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "sentiment", "area", "concept"])
        for m in messages:
            writer.writerow([m.text, m.sentiment, m.area, "|".join(m.concepts)])


def as_labels(messages: list[LabelledMessage]) -> list[LabelledText]:
    return [LabelledText(m.text, m.sentiment, m.area, m.concepts) for m in messages]


def learning_curve(source: str, messages: list[LabelledMessage], generic: TrainingRows,
                   sizes: list[int], folder: Path) -> list[tuple[int, float, float]]:
    labels = load_heads(base_version()).labels
    others = [m for m in messages if m.trainable and m.dataset != source
              and m.split in ("train", "dev")]
    base_rows = TrainingRows.joined([message_rows(others, labels), generic])
    base_heads: SemanticHeads = fit_heads(base_rows, labels, meta={})
    pool = sorted((m for m in messages if m.dataset == source and m.split in ("train", "dev")),
                  key=lambda m: hashlib.sha256(f"curve:{m.record_id}".encode()).hexdigest())
    test = [m for m in messages if m.dataset == source and m.split == "test"]
    test_labels = as_labels(test)
    embeddings = Embeddings([m.text for m in test])
    curve = []
    for size in sizes:
        chosen = pool[:size]
        if size and len(chosen) < size:
            print(f"  {source}: only {len(chosen)} labels for n={size}", file=sys.stderr)
        if not chosen:
            heads = base_heads
        else:
            label_file = folder / f"{source}-{size}.csv"
            write_label_csv(label_file, chosen)
            read, rejected = read_label_file(label_file)
            if rejected:
                raise ValueError(f"{label_file}: {rejected[:3]}")
            model_dir = folder / f"{source}-{size}"
            outcome = train_model(
                model_dir, [LabelledText(r.text or "", r.sentiment, r.area, r.concepts)
                            for r in read],
                force=True, base_rows=base_rows, base_heads=base_heads)
            heads = load_heads(outcome.version)
        figures = figures_of(heads, test_labels, embeddings)
        curve.append((len(chosen), figures.sentiment_accuracy or 0.0,
                      figures.sentiment_macro_f1 or 0.0))
    return curve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sizes", default="0,100,300,1000")
    parser.add_argument("--sources", nargs="*", default=[], help="only these sources")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    started = time.perf_counter()
    messages = labelled_messages(args.data)
    labels = load_heads(base_version()).labels
    excluded = {m.record_id for m in messages if m.dataset == "tweet_sentiment_extraction"}
    generic = generic_rows(args.data, labels, excluded)
    print(f"# Adaptation: sentiment on each source's test part ({shared_encoder().version})\n")
    print("| source left out of the base | labels used (n) | test messages | accuracy | "
          "macro-F1 |")
    print("|---|---:|---:|---:|---:|")
    without_tweets = generic_rows(args.data, labels, excluded, tweets_too=False)
    with tempfile.TemporaryDirectory() as folder:
        for source in [s for s in SOURCES if not args.sources or s in args.sources]:
            test_size = sum(1 for m in messages if m.dataset == source and m.split == "test")
            # a source left out is left out of the generic rows too
            rows = without_tweets if source == "tweet_sentiment_extraction" else generic
            for n, accuracy, f1 in learning_curve(source, messages, rows, sizes, Path(folder)):
                print(f"| {source} | {n} | {test_size} | {accuracy:.3f} | {f1:.3f} |",
                      flush=True)
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
