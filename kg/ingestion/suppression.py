"""The suppression list: identities erased on request stay out of later loads.

An erasure removes a customer everywhere, but the source files they came from are outside the
product: loading them again would bring the customer back. Erasure therefore records each
erased identity as a keyed hash (never the identifier itself); a record naming a suppressed
identity is set aside with its reason, until an operator lifts the suppression
(``kg suppression lift IDENTIFIER``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, LiteralString

import neo4j

from kg.errors import KgError
from kg.feed.ids import installation_key, keyed
from kg.graph.driver import run_query
from kg.settings import Settings

SUPPRESSED_AMONG: Final[LiteralString] = """
UNWIND $keys AS key
MATCH (s:Suppression {suppressionKey: key})
RETURN s.suppressionKey AS key
"""

LIFT_SUPPRESSION: Final[LiteralString] = """
UNWIND $keys AS key
MATCH (s:Suppression {suppressionKey: key})
DELETE s
RETURN count(*) AS lifted
"""


def suppression_key(key: bytes, identity_id: str) -> str:
    return "sup-" + keyed(key, identity_id, length=32)


class SuppressedMeanwhile(KgError):
    """Identities of a batch were erased (and suppressed) after the batch was prepared."""

    def __init__(self, identities: set[str]) -> None:
        super().__init__(
            f"{len(identities)} identities of this batch were erased while it was prepared; "
            "nothing of the batch was written. Prepared again (or the same load run again), "
            "their records are set aside as suppressed")
        self.identities = identities


def suppressed(driver: neo4j.Driver, settings: Settings, identity_ids: Iterable[str]
               ) -> set[str]:
    """The identity ids among these that are suppressed."""
    key = installation_key(settings)
    by_key = {suppression_key(key, identity): identity for identity in set(identity_ids)}
    if not by_key:
        return set()
    rows = run_query(driver, settings, SUPPRESSED_AMONG, {"keys": sorted(by_key)})
    return {by_key[row["key"]] for row in rows}


def refuse_suppressed(tx: neo4j.ManagedTransaction, key: bytes, identity_ids: Iterable[str]
                      ) -> None:
    """Inside a write that holds the feed lock (so no erasure can commit meanwhile): raise
    :class:`SuppressedMeanwhile` when any of these identities is suppressed. A batch is checked
    when it is prepared, but an erasure, in this process or another, may commit between that
    check and the write."""
    by_key = {suppression_key(key, identity): identity for identity in set(identity_ids)}
    if not by_key:
        return
    found = {by_key[row["key"]] for row in tx.run(SUPPRESSED_AMONG,
                                                   keys=sorted(by_key))}
    if found:
        raise SuppressedMeanwhile(found)


def lift(driver: neo4j.Driver, settings: Settings, identity_ids: Iterable[str]) -> int:
    key = installation_key(settings)
    rows = run_query(driver, settings, LIFT_SUPPRESSION,
                     {"keys": sorted(suppression_key(key, i) for i in identity_ids)},
                     write=True)
    return int(rows[0]["lifted"]) if rows else 0
