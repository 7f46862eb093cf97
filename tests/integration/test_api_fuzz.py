"""Schemathesis generates requests from the OpenAPI schema; none may cause a server error.

The suite's run is short and derandomised (the same requests every time); ``scripts/fuzz``
runs the long one: many examples per operation, positive and negative data, every role and
no key at all.
"""

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis import GenerationMode

from kg.settings import Settings
from kg_api.main import create_app
from tests.integration.fuzzing import KEYS_BY_ROLE, fuzz
from tests.integration.support import serving

pytestmark = pytest.mark.integration
LONG_RUN_EXAMPLES = os.environ.get("KG_FUZZ_EXAMPLES")


@pytest.fixture(scope="module")
def api_schema(api_settings: Settings) -> Iterator[Any]:
    with serving(create_app(api_settings)) as base:
        yield schemathesis.openapi.from_url(f"{base}/openapi.json")


def test_no_operation_gives_a_server_error(api_schema: Any) -> None:
    """Every operation in the OpenAPI schema, fed generated requests with an admin key."""
    assert len(list(api_schema.get_all_operations())) >= 12
    report = fuzz(api_schema, examples=10, roles=["admin"])
    assert report.requests >= 12
    assert report.server_errors == []


@pytest.mark.skipif(not LONG_RUN_EXAMPLES, reason="the long fuzz run is scripts/fuzz")
def test_long_fuzz_run(api_schema: Any) -> None:
    report = fuzz(api_schema, examples=int(LONG_RUN_EXAMPLES or 0), roles=list(KEYS_BY_ROLE),
                  modes=list(GenerationMode))
    print(f"\nfuzz: {report.summary()}")
    for error in report.server_errors[:50]:
        print(f"  {error}")
    assert report.server_errors == []
