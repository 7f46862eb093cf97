"""``scripts/bench_extraction``: words per second of the full pipeline against bare spaCy.

Each configuration runs in a fresh interpreter so its peak memory is its own: the parent's
peak RSS, and with ``n_process=2`` the largest worker's.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from kg.extraction.pipeline import build_pipeline, extract, load_base_model
from kg.settings import load_settings
from training.extraction_eval import shared_texts
from training.semantic_eval import PREVIOUS_COMPONENTS

ROOT = Path(__file__).resolve().parents[1]
CONFIGURATIONS = (("bare", 1), ("previous", 1), ("full", 1), ("bare", 2), ("full", 2))
SOCIAL = ("twcs (customer tweets)", "twitter customer care (customer turns)")


def texts(data: Path, count: int, social: bool = False) -> list[str]:
    """Real customer text, repeated to reach ``count`` messages (``social``: only short social
    messages, the customers' tweets)."""
    pool = [text for name, text, _ in shared_texts(data) if not social or name in SOCIAL]
    if not pool:
        raise SystemExit(f"no texts found under {data}")
    return [pool[i % len(pool)] for i in range(count)]


def run_one(kind: str, processes: int, data: Path, count: int, batch_size: int,
            social: bool = False) -> dict[str, float]:
    corpus = texts(data, count, social)
    settings = load_settings(extraction_processes=processes, extraction_batch_size=batch_size,
                             extraction_max_chars=10**7)
    # Loading is left out of the timing: it happens once per process, not per message.
    if kind == "bare":
        nlp = load_base_model(settings.spacy_model)
        started = time.perf_counter()
        for _ in nlp.pipe(corpus, batch_size=batch_size, n_process=processes):
            pass
    else:
        # "previous": the pipeline before the sentence encoder (hashed n-gram models)
        nlp = build_pipeline(settings, PREVIOUS_COMPONENTS if kind == "previous" else None)
        records: Iterator[tuple[str, object]] = ((str(i), t) for i, t in enumerate(corpus))
        started = time.perf_counter()
        for _ in extract(nlp, records, settings):
            pass
    seconds = time.perf_counter() - started
    words = sum(len(text.split()) for text in corpus)
    return {
        "words_per_second": words / seconds,
        "messages_per_second": len(corpus) / seconds,
        "seconds": seconds,
        "words": float(words),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_worker_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def adversarial_texts(scale: int) -> dict[str, str]:
    """Texts that were once quadratic: many hashtags, one long run of emoji, many emoji."""
    return {
        "hashtags": " ".join("#LostLuggage" if i % 2 else f"#refund{i}" for i in range(scale)),
        "emoji run": "\U0001F621" * scale,
        "emoji words": " ".join("\U0001F621" for _ in range(scale)),
    }


def adversarial(scales: list[int]) -> None:
    """Seconds per text at growing sizes: linear work doubles when the size doubles."""
    settings = load_settings(extraction_max_chars=10**7)
    nlp = build_pipeline(settings)
    list(extract(nlp, [("warm-up", "warm up")], settings))
    print(f"{'adversarial text':<16}{'tokens':>8}{'chars':>9}{'seconds':>9}")
    for scale in scales:
        for name, text in adversarial_texts(scale).items():
            started = time.perf_counter()
            list(extract(nlp, [(name, text)], settings))
            print(f"{name:<16}{scale:>8}{len(text):>9}{time.perf_counter() - started:>9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--adversarial", type=int, nargs="*", metavar="TOKENS",
                        help="only time adversarial texts of these sizes (default 4000 8000 "
                             "16000 32000)")
    parser.add_argument("--social", action="store_true",
                        help="only short social messages (customers' tweets)")
    parser.add_argument("--one", nargs=2, metavar=("KIND", "PROCESSES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.adversarial is not None:
        adversarial(args.adversarial or [4000, 8000, 16000, 32000])
        return
    if args.one:
        result = run_one(args.one[0], int(args.one[1]), args.data, args.messages, args.batch_size,
                         args.social)
        print(json.dumps(result))
        return
    results = {}
    for kind, processes in CONFIGURATIONS:
        output = subprocess.run(
            [sys.executable, "-m", "bench.extraction", "--one", kind, str(processes),
             "--data", str(args.data), "--messages", str(args.messages),
             "--batch-size", str(args.batch_size), *(["--social"] if args.social else [])],
            capture_output=True, text=True, check=True)
        results[(kind, processes)] = json.loads(output.stdout.strip().splitlines()[-1])
    what = "short social messages" if args.social else "messages"
    print(f"{args.messages} {what} from {args.data}, batch size {args.batch_size}")
    print(f"{'configuration':<24}{'messages/s':>11}{'words/s':>10}{'seconds':>9}"
          f"{'peak RSS MiB':>14}{'worker RSS MiB':>16}")
    for (kind, processes), r in results.items():
        worker = f"{r['peak_worker_rss_mib']:.0f}" if processes > 1 else "-"
        print(f"{kind + ' n_process=' + str(processes):<24}{r['messages_per_second']:>11.0f}"
              f"{r['words_per_second']:>10.0f}{r['seconds']:>9.1f}{r['peak_rss_mib']:>14.0f}"
              f"{worker:>16}")
    full1, bare1 = results[("full", 1)], results[("bare", 1)]
    full2 = results[("full", 2)]
    print(f"full / bare, one process: {full1['words_per_second'] / bare1['words_per_second']:.2f}x"
          " (goal >= 0.8x)")
    print(f"full, two processes / one: {full2['words_per_second'] / full1['words_per_second']:.2f}x"
          " (goal >= 1.5x)")
    adversarial([4000, 8000, 16000, 32000])


if __name__ == "__main__":
    main()
