"""Training the linkage model without labels, on generated records or on the graph's own.

The package ships ``model.json``, trained once by :func:`train_on_generated` (the default
arguments reproduce it: ``python -m kg.resolution.training``). Why a shipped model rather than
training at every resolution: the incremental path and the whole-population path must score a
pair the same way, whatever else is loaded and in whatever order, and a fixed model does that.
``kg customers train`` trains on the graph's own person records (still without labels) for a
population whose names and addresses differ from the generated ones; set
``KG_RESOLUTION_MODEL`` to the file it writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kg.resolution.persons import person_row
from kg.resolution.probabilistic import train
from kg.resolution.synthetic import people

SHIPPED_PATH = Path(__file__).with_name("model.json")


def train_on_generated(count: int = 20_000, seed: int = 11) -> dict[str, Any]:
    rows = [row for row in (person_row(p.record_id, p.attributes) for p in
                            people(count, seed=seed)) if row is not None]
    return train(rows)


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


if __name__ == "__main__":
    write_model(train_on_generated(), SHIPPED_PATH)
    print(f"wrote {SHIPPED_PATH}")
