"""Person attributes from CSV columns, shared by the adapters whose sources have them.

Accepted column names (case-insensitive), first non-empty wins: given name ``given_name``,
``first_name``; family name ``family_name``, ``last_name``, ``surname``; ``birth_date``,
``date_of_birth``, ``dob``; ``address_line1``, ``address``, ``street``; ``address_line2``;
``city``, ``town``, ``suburb``; ``region``, ``state``, ``county``; ``country``.
"""

from __future__ import annotations

COLUMNS: dict[str, tuple[str, ...]] = {
    "given_name": ("given_name", "first_name"),
    "family_name": ("family_name", "last_name", "surname"),
    "birth_date": ("birth_date", "date_of_birth", "dob"),
    "address_line1": ("address_line1", "address", "street"),
    "address_line2": ("address_line2",),
    "city": ("city", "town", "suburb"),
    "region": ("region", "state", "county"),
    "country": ("country",),
}


def person_from_row(row: dict[str, str], prefix: str = "") -> dict[str, str] | None:
    """The person attributes a row has (keys of :class:`PersonAttributes`), or None."""
    found: dict[str, str] = {}
    for field, names in COLUMNS.items():
        for name in names:
            if row.get(prefix + name):
                found[field] = row[prefix + name]
                break
    return found or None


def full_name(person: dict[str, str] | None) -> str | None:
    """A display name made of the given and family name, when a row has no name column."""
    if not person:
        return None
    return " ".join(p for p in (person.get("given_name"), person.get("family_name")) if p) or None
