"""The typed values passed between the stages of identity resolution."""

from __future__ import annotations

from dataclasses import dataclass

# Attributes compared, in the order of the model's comparisons.
PERSON_FIELDS: tuple[str, ...] = ("given_name", "family_name", "birth_date", "address_line1",
                                  "address_line2", "city", "postcode", "region", "country")
# Blocking keys, by the indexed graph property that holds each key's normalised value: a pair
# is scored only when the two records agree on at least one key. Together they keep the number
# of compared pairs near linear in the population; each is an exact value, so the incremental
# path fetches a touched record's candidates through one index lookup per key.
BLOCKING_KEYS: dict[str, tuple[str, ...]] = {
    "blockOnName": ("family_name", "given_name"),
    "blockOnBirthDate": ("birth_date",),
    "blockOnPostcodeGivenName": ("postcode", "given_name"),
    "blockOnPostcodeFamilyName": ("postcode", "family_name"),
    "blockOnPostcodeStreet": ("postcode", "address_line1"),
    "blockOnFamilyNameCity": ("family_name", "city"),
}
# Keys whose values are sorted before joining: given and family name swapped by a source
# still meet in one block.
UNORDERED_KEYS = frozenset({"blockOnName"})

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

    def blocking_key(self, name: str) -> str | None:
        """One blocking key's value (its fields joined by "|"), or None if any is unknown."""
        values = [self.value(field) for field in BLOCKING_KEYS[name]]
        if any(v is None for v in values):
            return None
        return "|".join(sorted(map(str, values)) if name in UNORDERED_KEYS else map(str, values))

    def blocking_keys(self) -> dict[str, str]:
        """Every known blocking key, by its graph property."""
        keys = {name: self.blocking_key(name) for name in BLOCKING_KEYS}
        return {name: key for name, key in keys.items() if key is not None}


@dataclass(frozen=True)
class ScoredPair:
    """A scored comparison: the match probability and each attribute's match weight (log2)."""

    a: str
    b: str
    probability: float
    match_weight: float
    field_weights: dict[str, float]
