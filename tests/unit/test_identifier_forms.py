"""Identifiers are compared in one spelling: invisible characters, compatibility forms and
digits of other scripts do not make a second person; letters of other scripts still do."""

import pytest

from kg.extraction.components.identifiers import find_identifiers
from kg.ingestion.identities import identity_id, normalise
from kg.ingestion.records import IdentityRef


@pytest.mark.parametrize("spelling", [
    "ada.kim193\u200b@example.com",   # zero-width space
    "ada.kim193@example.com\u2060",   # word joiner
    "\ufeffada.kim193@example.com",   # byte-order mark
    "ada.kim\u00ad193@example.com",   # soft hyphen
    "ada.kim193\uff20example.com",    # fullwidth commercial at
    "\uff41da.kim193@example.com",    # fullwidth a
    "ADA.KIM193@Example.COM",
])
def test_spellings_of_one_email_are_one_identity(spelling: str) -> None:
    assert normalise("email", spelling) == "ada.kim193@example.com"


def test_composed_and_decomposed_accents_are_one_identity() -> None:
    composed, decomposed = "jos\u00e9@example.com", "jose\u0301@example.com"
    assert composed != decomposed
    assert normalise("email", composed) == normalise("email", decomposed) == composed


@pytest.mark.parametrize("spelling", [
    "+44 7700 900123",
    "\uff0b\uff14\uff14 \uff17\uff17\uff10\uff10 \uff19\uff10\uff10\uff11\uff12\uff13",  # fullwidth
    "+\u0664\u0664 \u0667\u0667\u0660\u0660 \u0669\u0660\u0660\u0661\u0662\u0663",  # Arabic-Indic
    "+\u06f4\u06f4 \u06f7\u06f7\u06f0\u06f0 \u06f9\u06f0\u06f0\u06f1\u06f2\u06f3",  # Persian
])
def test_digits_of_any_script_are_one_phone(spelling: str) -> None:
    assert normalise("phone", spelling) == "+447700900123"


def test_look_alike_letters_of_other_scripts_stay_apart() -> None:
    latin, cyrillic = "jane@example.com", "j\u0430ne@example.com"
    assert normalise("email", latin) != normalise("email", cyrillic)
    assert normalise("handle", "@paypal") != normalise("handle", "@p\u0430ypal")


def test_the_identity_key_and_text_extraction_agree() -> None:
    ref = IdentityRef(kind="handle", network="\uff54witter", value="@Ada\u200bKim")
    assert identity_id(ref) == "handle:twitter:adakim"
    found = [(kind, value) for kind, _, _, value in find_identifiers(
        "write to \uff21da.kim193@example.com or call \u0660\u0667\u0667\u0660\u0660 900123")]
    assert ("email", "ada.kim193@example.com") in found
    assert ("phone", "07700900123") in found
