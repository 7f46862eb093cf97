"""The typed values passed between the stages of identity resolution."""

from __future__ import annotations

from dataclasses import dataclass

# Attributes compared, in the order of the model's comparisons.
PERSON_FIELDS: tuple[str, ...] = ("given_name", "family_name", "birth_date", "address_line1",
                                  "address_line2", "city", "postcode", "region", "country")

@dataclass(frozen=True)
class PersonRow:
    """One identity's person attributes, normalised for comparison (None when unknown)."""

    record_id: str
    given_name: str | None = None
    family_name: str | None = None
    birth_date: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    postcode: str | None = None
    region: str | None = None
    country: str | None = None

    def value(self, field: str) -> str | None:
        value: str | None = getattr(self, field)
        return value

    def blocking_values(self, key: tuple[str, ...]) -> tuple[str, ...] | None:
        """The values of one blocking key, or None when any of them is unknown."""
        values = tuple(self.value(field) for field in key)
        return None if any(v is None for v in values) else tuple(str(v) for v in values)


@dataclass(frozen=True)
class ScoredPair:
    """A scored comparison: the match probability and each attribute's match weight (log2)."""

    a: str
    b: str
    probability: float
    match_weight: float
    field_weights: dict[str, float]
