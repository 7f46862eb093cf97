"""Customer ids and suppression keys do not expose the identifiers they come from."""

import hashlib
from pathlib import Path

from kg.derivation.linkage import customer_id_for
from kg.feed.ids import installation_key
from kg.ingestion.suppression import suppression_key
from kg.settings import Settings


def test_customer_ids_need_the_installation_secret() -> None:
    identity = "email:email:ada@example.org"
    unsalted = "cust-" + hashlib.sha1(identity.encode()).hexdigest()[:16]  # noqa: S324
    mine, theirs = customer_id_for(identity, b"one secret"), customer_id_for(identity, b"other")
    assert mine == customer_id_for(identity, b"one secret")  # stable for one installation
    assert mine != theirs and unsalted not in (mine, theirs)
    assert "ada" not in mine and "ada" not in suppression_key(b"one secret", identity)


def test_the_generated_secret_is_private_and_kept(tmp_path: Path) -> None:
    settings = Settings(id_secret_file=tmp_path / "id-secret")
    first = installation_key(settings)
    assert len(first) >= 32 and installation_key(settings) == first
    assert (tmp_path / "id-secret").stat().st_mode & 0o777 == 0o600
    assert installation_key(Settings(id_secret="set-by-the-operator")) == b"set-by-the-operator"
