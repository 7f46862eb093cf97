"""Extraction work grows linearly with the number of tokens, hashtags and emoji.

Work is counted, not timed: the number of Python and Cython function calls (spaCy's Cython is
compiled with profiling hooks) while extracting a text, for a text and one twice as long.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest
from spacy.language import Language
from spacy.tokens import Doc

from kg.extraction.models import ExtractionResult
from kg.extraction.pipeline import extract
from kg.extraction.spans import DisjointSpans, FixedSpans
from kg.extraction.tokenizer import LONG_RUN, BoundedTokenizer
from kg.settings import Settings


def calls_to_extract(nlp: Language, settings: Settings, text: str) -> int:
    count = 0

    def tally(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    list(extract(nlp, [("warm-up", text[:50])], settings))
    sys.setprofile(tally)
    try:
        [result] = list(extract(nlp, [("r", text)], settings))
    finally:
        sys.setprofile(None)
    assert isinstance(result, ExtractionResult)
    assert result.text_length == len(text)
    return count


def hashtags(n: int) -> str:
    return " ".join("#LostLuggage" if i % 2 else f"#refund{i}" for i in range(n))


def emoji(n: int) -> str:
    return " ".join("\U0001F621" for _ in range(n))


def mixed(n: int) -> str:
    return " ".join(f"@user{i} ORDER #A{i}9 still waiting. but fine \U0001F621 http://x.io/{i}"
                    for i in range(n // 8))


@pytest.mark.parametrize("make", [hashtags, emoji, mixed], ids=["hashtags", "emoji", "mixed"])
def test_work_grows_linearly(nlp: Language, settings: Settings,
                             make: Callable[[int], str]) -> None:
    small = calls_to_extract(nlp, settings, make(400))
    large = calls_to_extract(nlp, settings, make(800))
    assert large / small < 2.3, (small, large)


def test_long_runs_reach_the_tokenizer_in_bounded_pieces(nlp: Language) -> None:
    seen: list[str] = []
    model_tokenizer = nlp.tokenizer.tokenizer  # type: ignore[attr-defined]

    def recording(text: str) -> Doc:
        seen.append(text)
        return model_tokenizer(text)  # type: ignore[no-any-return]

    text = "angry " + "\U0001F621" * 5000 + "!!!" + " and " + "x" * 150 + " end"
    doc = BoundedTokenizer(recording)(text)
    assert doc.text == text
    assert max(len(run) for piece in seen for run in re.findall(r"\S+", piece)) <= LONG_RUN
    assert [t.text for t in doc][:1] == ["angry"] and doc[-1].text == "end"
    assert "x" * 150 in [t.text for t in doc]  # ordinary runs keep spaCy's own tokens


def test_span_indexes_agree_with_a_full_scan() -> None:
    rng = random.Random(7)
    for _ in range(200):
        spans = [(s, s + rng.randint(1, 8)) for s in rng.sample(range(60), rng.randint(0, 12))]
        fixed = FixedSpans(spans)
        for start in range(70):
            for end in range(start + 1, start + 6):
                assert fixed.overlaps(start, end) == any(start < e and s < end
                                                         for s, e in spans)
            assert fixed.covers(start) == any(s <= start < e for s, e in spans)
        disjoint, kept = DisjointSpans(), []
        for start, end in spans:
            if disjoint.overlapping(start, end) is None:
                disjoint.add(start, end)
                kept.append((start, end))
        for start in range(70):
            for end in range(start + 1, start + 6):
                expected = [k for k in kept if start < k[1] and k[0] < end]
                got = disjoint.overlapping(start, end)
                assert got in expected if expected else got is None
