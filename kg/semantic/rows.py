"""Training rows on disk: the base model's rows ship with the package so a deployment can refit
on them plus its own labels. Features are stored as float16 and labels as plain strings (no
text: the source texts' licences stay where they are)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from kg.errors import ConfigError
from kg.semantic.fitting import TrainingRows


def save_rows(path: Path, rows: TrainingRows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    labels = {"sentiment": rows.sentiment, "area": rows.area,
              "concepts": [list(c) if c is not None else None for c in rows.concepts]}
    with path.open("wb") as handle:
        np.savez_compressed(
            handle, features=rows.features.astype(np.float16),
            weights=rows.weights.astype(np.float16),
            labels=np.frombuffer(json.dumps(labels).encode(), dtype=np.uint8))


def load_rows(path: Path) -> TrainingRows:
    try:
        with np.load(path, allow_pickle=False) as stored:
            labels = json.loads(bytes(stored["labels"]).decode())
            return TrainingRows(
                features=stored["features"].astype(np.float32),
                sentiment=list(labels["sentiment"]), area=list(labels["area"]),
                concepts=[tuple(c) if c is not None else None for c in labels["concepts"]],
                weights=stored["weights"].astype(np.float32))
    except (OSError, ValueError, KeyError) as error:
        raise ConfigError(f"{path}: not a training-rows file ({error})") from error
