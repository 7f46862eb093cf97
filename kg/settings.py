"""Runtime settings: environment variables prefixed ``KG_`` and an optional ``.env`` file.

Settings are built on demand by :func:`load_settings`, never at import time, so tests and
commands can change the environment first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from platformdirs import user_cache_dir
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_BOLT_PORT = 7687


def _default_cache() -> Path:
    return Path(user_cache_dir("customer-kg"))


ConsentPurposeName = Literal["marketing", "service", "analytics", "identity_linking"]


def _default_consent_policy() -> dict[ConsentPurposeName, Literal["granted", "denied"]]:
    return {"marketing": "denied", "service": "granted", "analytics": "granted",
            "identity_linking": "granted"}


class Settings(BaseSettings):
    """Where the graph is and how the local server is provisioned."""

    model_config = SettingsConfigDict(
        env_prefix="KG_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    neo4j_uri: str = Field(
        default=f"bolt://127.0.0.1:{DEFAULT_BOLT_PORT}",
        description="bolt://, bolt+s://, neo4j:// or neo4j+s:// URI of any Neo4j 5 server.",
    )
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = Field(
        default=None,
        description="Unset: the password the local install generated (in its home) is used.",
    )
    neo4j_database: str = "neo4j"
    neo4j_retry_seconds: float = Field(
        default=30.0, gt=0, description="how long the driver retries a transaction itself")

    # The project-managed local server.
    neo4j_home: Path = Field(default_factory=lambda: _default_cache() / "neo4j")
    maven_repo: Path = Field(default_factory=lambda: _default_cache() / "m2")
    neo4j_version: str = Field(default="[5.26.0,5.27.0)", description="Maven version or range.")
    apoc_version: str = Field(default="[5.26.0,5.27.0)", description="Maven version or range.")
    neo4j_bolt_port: int = Field(default=DEFAULT_BOLT_PORT, ge=1, le=65535)
    neo4j_heap: str = "1g"
    neo4j_pagecache: str = "512m"
    neo4j_start_timeout: float = Field(default=120.0, gt=0)
    neo4j_stop_timeout: float = Field(default=60.0, gt=0)

    id_secret: SecretStr | None = Field(
        default=None,
        description="key of the keyed hash behind customer ids and the suppression list; unset: "
                    "generated once and kept (mode 0600) in id_secret_file")
    id_secret_file: Path = Field(default_factory=lambda: _default_cache() / "id-secret")

    mirror_sink: Literal["oxigraph", "fuseki"] = Field(
        default="oxigraph",
        description="where `kg rdf sync` writes the mirror: the embedded store, or a SPARQL 1.1 "
                    "Update / Graph Store Protocol server at KG_SPARQL_STORE_URL")
    sparql_store_url: str = Field(
        default="http://127.0.0.1:3030/mirror",
        description="base URL of a dataset with /query, /update and /data endpoints (Fuseki)")
    fuseki_home: Path = Field(default_factory=lambda: _default_cache() / "fuseki")
    fuseki_port: int = Field(default=3030, ge=1, le=65535)
    fuseki_version: str = "5.6.0"

    ontology_dir: Path | None = Field(
        default=None, description="folder of the ontology's Turtle files (a working copy to try "
                                  "edits on); unset: the files the package carries, "
                                  "kg/ontology/data")
    rdf_store: Path = Field(default_factory=lambda: _default_cache() / "rdf",
                            description="folder of the on-disk Oxigraph store (the RDF mirror)")

    # Identity resolution (probabilistic linkage).
    resolution_link_probability: float = Field(
        default=0.99, gt=0, le=1,
        description="match probability at which two person records are linked automatically "
                    "(unless they hold different CRM ids: then it is a merge suggestion)")
    resolution_suggest_probability: float = Field(
        default=0.9, gt=0, le=1,
        description="match probability from which a pair is kept as evidence and, when not "
                    "linked automatically, offered as a merge suggestion")
    resolution_model: Path | None = Field(
        default=None, description="trained linkage model (Splink JSON, `kg customers train`); "
                                  "unset: the model shipped with the package")
    resolution_population_share: float = Field(
        default=0.3, ge=0,
        description="share of all identities that must be pending for the refresh to resolve "
                    "the whole population at once (one read, one scoring run, bulk writes) "
                    "instead of around each transaction group; above 1: never")
    resolution_population_min_identities: int = Field(
        default=10_000, ge=1,
        description="pending identities below which the refresh always resolves "
                    "incrementally (a small graph gains nothing from the whole-population run)")

    # API.
    api_keys: dict[str, Literal["reader", "analyst", "writer", "admin"]] = Field(
        default_factory=dict,
        description='JSON object of API key → role, e.g. {"k1": "reader", "k2": "admin"}')
    api_dev_mode: bool = Field(
        default=False, description="development only: the key 'dev' is accepted as admin")
    api_cors_origins: list[str] = Field(default_factory=list)
    api_max_body_bytes: int = Field(default=5_000_000, ge=1024)
    api_warm_up: bool = Field(
        default=True,
        description="plan the write and erasure statements when the server starts (a "
                    "rehearsal rolled back), so that the first write does not wait for it")
    api_graph_wait_seconds: float = Field(
        default=5.0, gt=0,
        description="how long an API request waits for Neo4j (connecting, and the driver's "
                    "own retries) before it answers 503 with Retry-After")
    query_timeout_seconds: float = Field(default=10.0, gt=0)
    query_concurrent_per_key: int = Field(
        default=2, ge=1,
        description="Cypher queries one API key may have running at once; one more is a 429, "
                    "so that one analyst cannot hold every API thread and Neo4j core")
    query_max_rows: int = Field(default=10_000, ge=1)
    api_max_response_bytes: int = Field(
        default=20_000_000, ge=1024,
        description="byte cap of a Cypher or SPARQL result, besides the row cap")
    sparql_workers: int = Field(default=2, ge=1,
                                description="SPARQL queries that may run at once")
    sparql_worker_max_memory: str = Field(
        default="3g",
        description="memory (heap and anonymous mappings: RLIMIT_DATA) one SPARQL worker "
                    "process may take, e.g. 512m or 2g; a query that needs more stops its "
                    "worker and gets a 400")
    sparql_federation_endpoints: list[str] = Field(
        default_factory=list,
        description="SPARQL SERVICE endpoints queries may call; empty: federation is off")

    # Consent policy (kg/consent/policy.py): what holds for a purpose with no consent event.
    consent_defaults: dict[ConsentPurposeName, Literal["granted", "denied"]] = Field(
        default_factory=_default_consent_policy,
        description="per purpose, the permission assumed when a customer has no consent event: "
                    "marketing is opt-in, service, analytics and identity linking opt-out")
    consent_linking_required: bool = Field(
        default=False,
        description="when true, identities of different channels are linked only where the "
                    "identity_linking permission of their consent events (or its default) "
                    "allows it")

    # Time: which interaction times the graph accepts (kg/ingestion/time_window.py).
    earliest_occurred_at: datetime = Field(
        default=datetime(1990, 1, 1, tzinfo=UTC),
        description="interactions dated before this are set aside (a year 0001 or an epoch-zero "
                    "placeholder is a source's missing value, not a time); set it earlier to "
                    "load older archives")
    max_future_skew_seconds: float = Field(
        default=3600.0, ge=0,
        description="how far past the server's clock an interaction may be dated (clocks and "
                    "time zones differ a little); later ones are set aside")

    # Extraction.
    spacy_model: str = Field(
        default="en_core_web_sm",
        description="spaCy pipeline package; en_core_web_md/lg/trf work when installed.",
    )
    extraction_batch_size: int = Field(default=256, ge=1)
    model_dir: Path = Field(
        default_factory=lambda: _default_cache() / "models",
        description="where the deployment's trained semantic models and their active-version "
                    "marker live (`kg model train`); never inside the installed package")
    extraction_processes: int = Field(default=1, ge=1)
    extraction_max_chars: int = Field(default=100_000, ge=1)
    redact_pii: bool = Field(default=False, description="store text with emails/phones masked")
    gazetteers: list[Path] = Field(default_factory=list,
                                   description="CSV/JSONL files of products, brands, ...")
    brand_accounts: list[str] = Field(
        default_factory=list,
        description="social handles of brand accounts, beside the shipped list, e.g. "
                    '["@AcmeHelp", "AcmeStore"]: a handle in a message becomes a BRAND entity')
    ner_organisations: bool = Field(
        default=False,
        description="keep ORG entities of the statistical NER (imprecise on social text and "
                    "reviews); brands come from accounts, names and gazetteers either way")

    @field_validator("neo4j_uri")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        schemes = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in schemes:
            raise ValueError(
                f"KG_NEO4J_URI={value!r} must start with one of "
                + ", ".join(f"{s}://" for s in schemes)
            )
        return value

    @field_validator("neo4j_heap", "neo4j_pagecache", "sparql_worker_max_memory")
    @classmethod
    def _memory_size(cls, value: str) -> str:
        number, unit = value[:-1], value[-1:].lower()
        if not number.isdigit() or unit not in "kmg":
            raise ValueError(f"{value!r} is not a memory size such as 512m or 1g")
        return value


def memory_bytes(size: str) -> int:
    """A checked memory size (``512m``, ``2g``) in bytes."""
    multiplier = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[size[-1].lower()]
    return int(size[:-1]) * multiplier


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, ``.env`` and explicit overrides."""
    return Settings(**overrides)  # type: ignore[arg-type]
