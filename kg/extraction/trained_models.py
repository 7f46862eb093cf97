"""Where the trained models live and how they are loaded (once per process).

The artefacts ship in ``kg/extraction/trained/``; ``scripts/train_sentiment`` and
``scripts/train_topics`` rebuild them from ``../shared/data``, and ``scripts/setup`` runs them
when one is missing. Nothing is downloaded.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from kg.errors import ConfigError
from kg.extraction.linear_text_model import LinearTextModel

TRAINED = Path(__file__).with_name("trained")
SENTIMENT_MODEL = TRAINED / "sentiment.npz"
TOPIC_MODEL = TRAINED / "topics.npz"  # scripts/train_topics


@cache
def load_model(path: Path) -> LinearTextModel:
    if not path.is_file():
        raise ConfigError(f"trained model {path} is missing; run scripts/train_{path.stem} "
                          "(scripts/setup does when ../shared/data is present)")
    try:
        return LinearTextModel.load(path)
    except (OSError, ValueError, KeyError) as error:
        raise ConfigError(f"trained model {path} cannot be read ({error}); "
                          f"run scripts/train_{path.stem}") from error
