"""A process that serves reads (``kg serve`` until its first ingestion) does not load the
extraction stack: spaCy, its models and scikit-learn are imported when a pipeline is built."""

import subprocess
import sys

EXTRACTION_STACK = ("spacy", "thinc", "sklearn", "scipy")


def test_the_api_and_the_cli_import_without_the_extraction_stack() -> None:
    probe = ("import sys, kg.cli, kg_api.main; "
             f"print(','.join(m for m in {EXTRACTION_STACK!r} if m in sys.modules))")
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert found == ""


def test_building_a_pipeline_still_imports_it() -> None:
    probe = ("import sys; from kg_api.main import _pipeline; "
             "from kg.extraction.pipeline import build_pipeline; "
             f"print(','.join(m for m in {EXTRACTION_STACK!r} if m in sys.modules))")
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert found.split(",") == list(EXTRACTION_STACK)


def test_the_start_up_rehearsal_builds_its_batch_without_the_extraction_stack() -> None:
    """``kg serve`` rehearses a write when it starts; its extraction result is fixed, so a
    server that never ingests still never loads spaCy."""
    probe = ("import sys; from kg.services.warm_up import conversation; "
             "from kg.ontology.mapping import load_mapping; from kg.settings import Settings; "
             "batch = conversation(Settings(), load_mapping()); assert batch.records == 2; "
             f"print(','.join(m for m in {EXTRACTION_STACK!r} if m in sys.modules))")
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert found == ""
