"""Training the shipped linkage model without labels, on generated records.

The package ships ``model.json``, trained once by :func:`train_on_generated` (the default
arguments reproduce it: ``python -m training.linkage_model``). Why a shipped model rather than
training at every resolution: the incremental path and the whole-population path must score a
pair the same way, whatever else is loaded and in whatever order, and a fixed model does that.
``kg customers train`` trains on the graph's own person records (still without labels) for a
population whose names and addresses differ from the generated ones; set
``KG_RESOLUTION_MODEL`` to the file it writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kg.resolution import probabilistic
from kg.resolution.persons import person_row
from kg.resolution.probabilistic import SHIPPED_MODEL, train, write_model
from training.synthetic_people import people

SHIPPED_PATH = Path(probabilistic.__file__).with_name(SHIPPED_MODEL)  # in the source tree


def train_on_generated(count: int = 20_000, seed: int = 11) -> dict[str, Any]:
    rows = [row for row in (person_row(p.record_id, p.attributes) for p in
                            people(count, seed=seed)) if row is not None]
    return train(rows)


if __name__ == "__main__":
    write_model(train_on_generated(), SHIPPED_PATH)
    print(f"wrote {SHIPPED_PATH}")
