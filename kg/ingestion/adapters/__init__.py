"""Source adapters, registered by name; importing this package registers them all."""

from kg.ingestion.adapters import (  # noqa: F401 - each import registers its adapter
    amazon_reviews,
    canonical_jsonl,
    cfpb,
    crm,
    csv_mapped,
    email,
    survey,
    transcript,
    twcs,
    twitter_care,
)
from kg.ingestion.adapters.base import ADAPTERS, AdapterOptions, Item, Loaded, Rejected, SourceRef

__all__ = ["ADAPTERS", "AdapterOptions", "Item", "Loaded", "Rejected", "SourceRef"]
