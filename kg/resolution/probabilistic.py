"""The probabilistic linkage model: Splink (Fellegi-Sunter) on DuckDB over person attributes.

This module owns everything Splink-specific: the comparisons per attribute, the blocking rules,
unsupervised training (random-sampling u, expectation-maximisation m, no labels), and scoring
record pairs. Callers hand in :class:`PersonRow` values and get :class:`ScoredPair` values back;
no Splink or pandas type leaves this module.

Why no term-frequency adjustments: the incremental path scores a handful of touched records
against their candidates, where frequencies computed from that small frame would differ from
frequencies over the whole population, so the same pair would score differently by path.
Without them a pair's score depends only on the two records and the model, whichever path
scored it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from kg.resolution.models import BLOCKING_KEYS, PERSON_FIELDS, PersonRow, ScoredPair

SHIPPED_MODEL = "model.json"


def comparisons() -> list[Any]:
    """One Splink comparison per attribute, each with a null level (unknown is neutral)."""
    return [
        cl.JaroWinklerAtThresholds("given_name", [0.92, 0.88, 0.7]),
        cl.JaroWinklerAtThresholds("family_name", [0.92, 0.88, 0.7]),
        cl.DateOfBirthComparison("birth_date", input_is_string=True,
                                 datetime_format="%Y-%m-%d"),
        cl.JaroWinklerAtThresholds("address_line1", [0.95, 0.85]),
        cl.JaroWinklerAtThresholds("address_line2", [0.95, 0.85]),
        cl.JaroWinklerAtThresholds("city", [0.95, 0.85]),
        cl.LevenshteinAtThresholds("postcode", [1]),
        cl.ExactMatch("region"),
        cl.ExactMatch("country"),
    ]


def settings_creator() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=[block_on(name) for name in BLOCKING_KEYS],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
    )


def _frame(rows: Sequence[PersonRow]) -> pd.DataFrame:
    """The attributes, plus each blocking key as a column: Splink blocks on exactly the
    values the graph indexes, so both paths find the same candidate pairs."""
    return pd.DataFrame({"record_id": [r.record_id for r in rows],
                         **{f: [r.value(f) for r in rows] for f in PERSON_FIELDS},
                         **{k: [r.blocking_key(k) for r in rows] for k in BLOCKING_KEYS}},
                        dtype="object")


def _linker(rows: Sequence[PersonRow], model: SettingsCreator | dict[str, Any]) -> Linker:
    api = DuckDBAPI()
    return Linker(api.register(_frame(rows)), model, log_level=logging.ERROR)


def train(rows: Sequence[PersonRow], *, seed: int = 1, max_pairs: float = 2e6,
          recall: float = 0.7) -> dict[str, Any]:
    """Train the model without labels and return it as a Splink settings dictionary.

    The prior (probability that two random records match) comes from deterministic rules
    with an assumed recall; u probabilities from random pairs (almost all non-matches); m
    probabilities by expectation maximisation, in two sessions whose blocking rules leave out
    different attributes, so every attribute is estimated once.
    """
    if len(rows) < 50:
        raise ValueError(f"training needs at least 50 person records, got {len(rows)}")
    linker = _linker(rows, settings_creator())
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "birth_date"),
         block_on("given_name", "family_name", "postcode")], recall=recall)
    training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    training.estimate_parameters_using_expectation_maximisation(
        block_on("birth_date"), record_sample_proportion=1.0)
    training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode", "given_name"), record_sample_proportion=1.0)
    model: dict[str, Any] = linker.misc.save_model_to_json()
    return model


def load_model(path: Path | None = None) -> dict[str, Any]:
    """A trained model: the file at ``path``, or the one shipped with the package."""
    if path is not None:
        text = path.read_text(encoding="utf-8")
    else:
        text = resources.files("kg.resolution").joinpath(SHIPPED_MODEL).read_text("utf-8")
    model: dict[str, Any] = json.loads(text)
    return model


def _rounded(value: Any) -> Any:
    """Floats to 9 significant digits: DuckDB's parallel sums differ in the last bits."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return value


def write_model(model: dict[str, Any], path: Path) -> None:
    """Write a model without Splink's random per-run id, so retraining is reproducible."""
    model = {key: value for key, value in model.items() if key != "linker_uid"}
    path.write_text(json.dumps(_rounded(model), indent=1, sort_keys=True) + "\n",
                    encoding="utf-8")


def score(rows: Sequence[PersonRow], model: dict[str, Any], *, min_probability: float,
          involving: Iterable[str] | None = None) -> list[ScoredPair]:
    """Score every blocked pair among ``rows`` at or above ``min_probability``.

    With ``involving``, only pairs with at least one of those record ids are kept (the
    incremental path: touched records against their candidates).
    """
    unique = list({row.record_id: row for row in rows}.values())
    if len(unique) < 2:
        return []
    linker = _linker(unique, model)
    predictions = linker.inference.predict(threshold_match_probability=min_probability)
    frame = predictions.as_pandas_dataframe()  # type: ignore[no-untyped-call]
    keep = set(involving) if involving is not None else None
    weight_columns = [c for c in frame.columns
                      if c.startswith("mw_") and not c.startswith("mw_tf_adj_")]
    pairs: list[ScoredPair] = []
    for record in frame.to_dict("records"):
        a, b = sorted((str(record["record_id_l"]), str(record["record_id_r"])))
        if keep is not None and a not in keep and b not in keep:
            continue
        weights = {column.removeprefix("mw_"): round(float(record[column]), 3)
                   for column in weight_columns}
        pairs.append(ScoredPair(a, b, round(float(record["match_probability"]), 6),
                                round(float(record["match_weight"]), 3), weights))
    pairs.sort(key=lambda p: (p.a, p.b))
    return pairs
