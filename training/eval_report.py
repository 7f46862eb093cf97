"""``scripts/eval_extraction``: every quality figure, side by side, in one run.

Columns: the pipeline (learned sentiment and topic models, social-text entities), the previous
rule-based layer (SKOS matcher, VADER with service cues, spaCy NER as it comes), and plain
VADER for sentiment. Reported sets were never trained or tuned on; dev sets are marked.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kg.extraction.pipeline import build_pipeline
from kg.settings import load_settings
from training.corpora import LabelledText, goemotions, tweet_sentiment, tweeteval
from training.extraction_eval import (
    Counts,
    GoldMessage,
    evaluate_gold,
    evaluate_unlabelled,
    load_gold,
)
from training.extraction_eval_real import (
    RealGoldReport,
    build_previous,
    evaluate_real_gold,
    sentiment_scores,
)
from training.real_gold import GOLD, load_real_gold

ROOT = Path(__file__).resolve().parents[1]
SYSTEMS = ("model", "rules", "vader")
HEADERS = {"model": "pipeline", "rules": "previous rules", "vader": "plain VADER"}


def _pair(scores: tuple[float, float]) -> str:
    return f"{scores[0]:.3f} / {scores[1]:.3f}"


def _prf(counts: Counts) -> str:
    return f"{counts.precision:.2f}/{counts.recall:.2f}/{counts.f1:.2f}"


def sentiment_line(name: str, scores: dict[str, tuple[float, float]], messages: int) -> None:
    cells = "".join(f"{_pair(scores[s]):>18}" for s in SYSTEMS)
    print(f"  {name + f' ({messages})':<52}{cells}")


def gold_sentiment(messages: list[GoldMessage], report: dict[str, object],
                   previous: dict[str, object]) -> dict[str, tuple[float, float]]:
    ours = report["sentiment"]
    rules = previous["sentiment"]
    return {"model": ours["ours"], "rules": rules["ours"],  # type: ignore[index]
            "vader": ours["vader"]}  # type: ignore[index]


def real_sentiment(reports: dict[str, dict[str, RealGoldReport]], dataset: str
                   ) -> dict[str, tuple[float, float]]:
    model, rules = reports["model"][dataset], reports["rules"][dataset]
    return {"model": model.sentiment_scores("system"), "rules": rules.sentiment_scores("system"),
            "vader": model.sentiment_scores("vader")}


def real_table(reports: dict[str, dict[str, RealGoldReport]], half: str) -> None:
    print(f"\nReal messages, {half} half: concepts, areas, entities (pipeline | previous rules)")
    print(f"  {'data set':<28}{'concept macro-F1':>16}{'concept P/R/F1':>26}"
          f"{'area macro-F1':>16}{'no concept':>14}{'entity P/R/F1':>28}")
    for dataset in sorted(reports["model"], key=lambda d: (d == "all", d)):
        model, rules = reports["model"][dataset], reports["rules"][dataset]
        macro = RealGoldReport.macro
        print(f"  {dataset + f' ({model.messages})':<28}"
              f"{macro(model.concepts):>7.3f} | {macro(rules.concepts):.3f}"
              f"{_prf(model.concepts_all):>17} | {_prf(rules.concepts_all)}"
              f"{macro(model.areas):>9.3f} | {macro(rules.areas):.3f}"
              f"{model.no_concept_share:>8.2f} | {rules.no_concept_share:.2f}"
              f"{_prf(model.entities):>17} | {_prf(rules.entities)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gold", type=Path, default=ROOT / "tests" / "data" /
                        "extraction_gold.tsv")
    parser.add_argument("--real-gold", type=Path, default=GOLD)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--limit", type=int, default=None,
                        help="texts per large set (TweetEval, GoEmotions, unlabelled)")
    parser.add_argument("--dev", action="store_true",
                        help="also print the dev figures (what the choices were tuned on)")
    parser.add_argument("--components-only", action="store_true",
                        help="only the project gold set (sentiment and per-component P/R/F1); "
                             "the real-message figures come from training.semantic_report")
    args = parser.parse_args()
    settings = load_settings()
    current = build_pipeline(settings)
    previous = build_previous(settings)

    print(f"{'Sentiment, accuracy / macro-F1':<48}"
          + "".join(f"{HEADERS[s]:>18}" for s in SYSTEMS))
    gold = load_gold(args.gold)
    report = evaluate_gold(current, gold, settings)
    previous_report = evaluate_gold(previous, gold, settings)
    sentiment_line("project gold set", gold_sentiment(gold, report, previous_report), len(gold))

    have_data = args.data.is_dir() and not args.components_only
    real = load_real_gold(args.real_gold) if have_data else []
    halves = ("test", "dev") if args.dev else ("test",)
    real_reports = {half: evaluate_real_gold(current, previous,
                                             [r for r in real if r.split == half], args.data,
                                             settings)
                    for half in halves if any(r.split == half for r in real)}
    for half, reports in real_reports.items():
        for dataset in sorted(reports["model"], key=lambda d: (d != "all", d)):
            sentiment_line(f"real messages, {half} half: {dataset}",
                           real_sentiment(reports, dataset), reports["model"][dataset].messages)
    if have_data:
        sets: list[tuple[str, list[LabelledText]]] = [
            ("TweetEval test", list(tweeteval(args.data, "test"))),
            ("GoEmotions test", [r for r in goemotions(args.data) if r.split == "test"]),
        ]
        if args.dev:
            sets += [("dev: tweet-sentiment fold 0",
                      [r for r in tweet_sentiment(args.data) if r.split == "dev"]),
                     ("dev: GoEmotions dev", [r for r in goemotions(args.data)
                                              if r.split == "dev"]),
                     ("dev: TweetEval validation", list(tweeteval(args.data, "val")))]
        for name, rows in sets:
            rows = rows[:args.limit] if args.limit else rows
            scores = sentiment_scores(current, previous, rows, settings)
            sentiment_line(name, scores.scores, scores.messages)
    elif not args.components_only:
        print(f"  {args.data} not found: TweetEval, GoEmotions and real messages skipped")

    for half, reports in real_reports.items():
        real_table(reports, half)

    print(f"\nProject gold set ({len(gold)} messages, {args.gold.name}): precision/recall/F1, "
          "pipeline | previous rules")
    for name, counts in report["components"].items():  # type: ignore[attr-defined]
        before = previous_report["components"][name]  # type: ignore[index]
        print(f"  {name:<16}{_prf(counts):>16} | {_prf(before)}")

    if have_data:
        print(f"\nUnlabelled, over {args.data} (pipeline):")
        for dataset, line in evaluate_unlabelled(current, args.data, settings,
                                                 args.limit).items():
            shown = ", ".join(f"{k} {v:.0f}" if k in ("messages", "weak labelled")
                              else f"{k} {v:.3f}" for k, v in line.items())
            print(f"  {dataset}: {shown}")


if __name__ == "__main__":
    main()
