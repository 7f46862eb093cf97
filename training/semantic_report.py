"""`scripts/eval_extraction`: every figure of the reading, side by side, from one run.

    python -m training.semantic_report [--data DIR] [--part test|dev] [--limit N]

For each labelled real-message source (``training/labels`` and the real-message gold set;
test parts only unless ``--part dev``) and for all of them together: the current pipeline
(sentence encoder and heads, the active model), the previous pipeline (hashed n-gram models)
and plain VADER. Then TweetEval's test split (sentiment only; measured, never trained on).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from kg.extraction.pipeline import build_pipeline
from kg.settings import load_settings
from training.semantic_data import DEFAULT_DATA, labelled_messages
from training.semantic_eval import previous_pipeline, score_messages, table, tweeteval_test

LICENCES = {
    "twitter_customer_care": "Apache-2.0", "cfpb": "US public domain",
    "banking77": "CC BY 4.0", "tweet_sentiment_extraction": "CC BY 4.0",
    "twcs": "CC BY-NC-SA 4.0, measured only", "amazon_reviews": "measured only",
    "tweeteval": "research use, measured only",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--part", choices=("test", "dev"), default="test")
    parser.add_argument("--limit", type=int, default=0,
                        help="at most this many TweetEval tweets (0: all 12,284)")
    args = parser.parse_args(argv)
    settings = load_settings()
    started = time.perf_counter()
    current, previous = build_pipeline(settings), previous_pipeline(settings)
    messages = [m for m in labelled_messages(args.data) if m.split == args.part]
    print(f"# Reading quality on the {args.part} parts ({len(messages)} real messages)\n")
    print(f"model: {current.meta.get('ckg_semantic_model')} (sentence encoder and heads); "
          "previous: hashed n-gram models; vader: plain VADER (sentiment only)\n")
    systems = {"current": score_messages(current, messages, settings),
               "previous": score_messages(previous, messages, settings),
               "vader": score_messages(None, messages, settings)}
    print("\n".join(table(systems)))
    print("\nLicences: " + "; ".join(f"{name}: {text}" for name, text in LICENCES.items()))
    tweets = tweeteval_test(args.data)
    if args.limit:
        tweets = tweets[:args.limit]
    print(f"\n# TweetEval test ({len(tweets)} tweets, sentiment only)\n")
    systems = {"current": score_messages(current, tweets, settings),
               "previous": score_messages(previous, tweets, settings),
               "vader": score_messages(None, tweets, settings)}
    print("\n".join(table(systems, concepts=False)))
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
