"""Fixtures every test module shares: the settings from the environment (``scripts/test`` points
them at the test Neo4j) and the extraction pipeline, built once per run (building it takes
seconds; no test changes it)."""

from __future__ import annotations

import pytest
from spacy.language import Language

from kg.extraction.pipeline import build_pipeline
from kg.settings import Settings, load_settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def nlp(settings: Settings) -> Language:
    return build_pipeline(settings)
