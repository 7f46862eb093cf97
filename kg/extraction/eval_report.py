"""``scripts/eval_extraction``: prints the evaluation tables."""

from __future__ import annotations

import argparse
from pathlib import Path

from kg.extraction.evaluation import evaluate_gold, evaluate_unlabelled, load_gold
from kg.extraction.pipeline import build_pipeline
from kg.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gold", type=Path, default=ROOT / "tests" / "data" /
                        "extraction_gold.tsv")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--limit", type=int, default=None, help="messages per data set")
    args = parser.parse_args()
    settings = load_settings()
    nlp = build_pipeline(settings)

    report = evaluate_gold(nlp, load_gold(args.gold), settings)
    print(f"Gold set: {report['messages']} messages ({args.gold})")
    print(f"{'component':<16}{'precision':>10}{'recall':>10}{'F1':>8}")
    for name, counts in report["components"].items():  # type: ignore[attr-defined]
        print(f"{name:<16}{counts.precision:>10.3f}{counts.recall:>10.3f}{counts.f1:>8.3f}")
    print("intents, one by one:")
    for name, counts in report["per_intent"].items():  # type: ignore[attr-defined]
        print(f"  {name:<14}{counts.precision:>10.3f}{counts.recall:>10.3f}{counts.f1:>8.3f}")
    print(f"{'sentiment':<16}{'accuracy':>10}{'macro-F1':>10}")
    for name, (acc, f1) in report["sentiment"].items():  # type: ignore[attr-defined]
        print(f"  {name:<14}{acc:>10.3f}{f1:>10.3f}")

    if not args.data.is_dir():
        print(f"\n{args.data} not found: unlabelled evaluation skipped")
        return
    print(f"\nUnlabelled, over {args.data}:")
    for dataset, line in evaluate_unlabelled(nlp, args.data, settings, args.limit).items():
        shown = ", ".join(f"{k} {v:.0f}" if k in ("messages", "weak labelled") else f"{k} {v:.3f}"
                          for k, v in line.items())
        print(f"  {dataset}: {shown}")


if __name__ == "__main__":
    main()
