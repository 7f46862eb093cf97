"""From an identity's stored person attributes to the normalised row the linkage model compares.

Normalising here (case, spacing, postcode spaces, date shape) rather than in the model keeps
one notion of "the same value" for scoring and for the blocking keys that fetch candidates.

Eligibility: a record takes part in probabilistic linkage only with a name (given or family)
and at least one more attribute (birth date, an address line, city or postcode). A name alone
never links two identities: many people share one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from kg.resolution.models import PersonRow

# Graph property key of each person attribute (the ontology's datatype properties).
GRAPH_KEYS: dict[str, str] = {
    "given_name": "givenName", "family_name": "familyName", "birth_date": "birthDate",
    "address_line1": "streetAddress", "address_line2": "addressLine2",
    "city": "addressLocality", "postcode": "postcode", "region": "addressRegion",
    "country": "addressCountry",
}
SECOND_ATTRIBUTES = ("birth_date", "address_line1", "address_line2", "city", "postcode")


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    text = re.sub(r"\s+", " ", text)
    return text or None


def split_display_name(name: str | None) -> tuple[str | None, str | None]:
    """A display name's first and last words as given and family name ("Ada M. Okafor")."""
    words = (name or "").split()
    if len(words) < 2:
        return None, None
    return words[0], words[-1]


def person_row(record_id: str, attributes: Mapping[str, object],
               display_name: str | None = None) -> PersonRow | None:
    """The comparable row of one identity, or None when it is not eligible for linkage.

    ``attributes`` is keyed by graph property key (``givenName``, ``postcode``, ...). When no
    given or family name is stored, they are taken from the display name.
    """
    values = {field: _text(attributes.get(key)) for field, key in GRAPH_KEYS.items()}
    if values["given_name"] is None and values["family_name"] is None:
        given, family = split_display_name(display_name)
        values["given_name"], values["family_name"] = _text(given), _text(family)
    if values["postcode"] is not None:
        values["postcode"] = values["postcode"].replace(" ", "").upper()
    if values["given_name"] is None and values["family_name"] is None:
        return None
    if not any(values[field] is not None for field in SECOND_ATTRIBUTES):
        return None
    return PersonRow(record_id=record_id, **values)
