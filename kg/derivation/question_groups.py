"""Question groups: customers' questions and complaints that mean the same thing.

A customer's message with an embedding is written with ``awaitingGrouping`` set (the queue,
read through its index). :func:`group_waiting` takes the waiting messages in time order
(``occurredAt``, then id) and, when a message asks or complains (a question, complaint or
request intent, a negative sentiment, or a question mark) and opens a conversation, puts it in
the closest group whose centroid is at least :data:`JOIN_SIMILARITY` alike by cosine, or
founds a group with it. Only openers count: a reply (a customer's "done, please check" to the
brand, another customer's answer in a forum) belongs to someone else's question, and the
report reads it there, as an answer. The closest group is found by a vector index over the
groups' centroids (committed groups) and among the groups this page changed; a group's
centroid is the normalised mean of its members' embeddings, moved as each one joins. Nothing
is random: the same messages in the same order give the same groups. Arriving in another order
can give other groups (a message may found a group that, read later, would have joined
another), so :func:`regroup_everything` (``kg questions regroup``) groups every message again
in time order, the reference result.

Each page is one transaction under the feed's lock, with a change record naming the groups
and members it changed, so the RDF mirror follows. An erasure recomputes the groups the erased
messages were in (:func:`recompute_groups`), and deletes those left empty, so no centroid keeps
an erased person's message in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, LiteralString

import neo4j
import numpy as np
from numpy.typing import NDArray

from kg.feed.changes import Change, append_change, lock_feed
from kg.graph.driver import graph_errors, native, write_rows
from kg.graph.search_indexes import GROUP_INDEX
from kg.settings import Settings

# Cosine to a group's centroid for a message to join it. At 0.62 people agreed with 31 of 50
# sampled members (broad groups drifted); at 0.72 with 47 of another 50 (docs/figures.md).
JOIN_SIMILARITY: Final = 0.72
PAGE: Final = 200
# Asked of the centroid index: its beam is the number asked for, and 5 missed the nearest group
# for some messages; the closest of these is taken.
NEAREST_GROUPS: Final = 50
ASKING_INTENTS: Final = ("question", "complaint", "request")

WAITING: Final[LiteralString] = """
MATCH (i:Interaction {awaitingGrouping: true})
RETURN i.interactionId AS id, i.occurredAt AS at
"""

# Inside the page's transaction, after the lock: the messages of the page still waiting, with
# whether they ask, whether they are grouped already (a reload), and the nearest groups.
READ_PAGE: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (i:Interaction {interactionId: id}) WHERE i.awaitingGrouping = true
WITH i,
     i.embedding IS NOT NULL AND i.direction = 'inbound'
     AND NOT EXISTS { (i)-[:REPLY_TO]->(:Interaction) } AND (
       i.sentimentLabel = 'negative' OR i.text CONTAINS '?'
       OR EXISTS { (i)-[:HAS_INTENT]->(:Intent)-[:INTENT_CATEGORY]->(c:IntentCategory)
                   WHERE c.categoryId IN $asking }) AS asking,
     EXISTS { (i)-[:IN_QUESTION_GROUP]->(:QuestionGroup) } AS grouped
CALL (i, asking, grouped) {
  WITH i WHERE asking AND NOT grouped
  CALL db.index.vector.queryNodes('""" + GROUP_INDEX + """', $nearest, i.embedding)
  YIELD node AS g
  RETURN collect({groupId: g.groupId, centroid: g.centroid, memberCount: g.memberCount,
                  firstSeenAt: g.firstSeenAt, lastSeenAt: g.lastSeenAt}) AS near
}
RETURN i.interactionId AS id, i.occurredAt AS at, asking, grouped,
       CASE WHEN asking AND NOT grouped THEN i.embedding END AS embedding, near
"""

WRITE_GROUPS: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (g:QuestionGroup {groupId: row.groupId})
SET g.centroid = row.centroid, g.memberCount = row.memberCount,
    g.firstSeenAt = row.firstSeenAt, g.lastSeenAt = row.lastSeenAt
"""

WRITE_MEMBERS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (i:Interaction {interactionId: row.interactionId})
MATCH (g:QuestionGroup {groupId: row.groupId})
MERGE (i)-[:IN_QUESTION_GROUP]->(g)
"""

DONE_WAITING: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (i:Interaction {interactionId: id})
REMOVE i.awaitingGrouping
"""

GROUP_MEMBERS: Final[LiteralString] = """
UNWIND $groupIds AS groupId
MATCH (g:QuestionGroup {groupId: groupId})
RETURN groupId, [(g)<-[:IN_QUESTION_GROUP]-(i:Interaction) WHERE i.embedding IS NOT NULL
                 | {embedding: i.embedding, at: i.occurredAt}] AS members
"""

DELETE_GROUPS: Final[LiteralString] = """
UNWIND $groupIds AS groupId
MATCH (g:QuestionGroup {groupId: groupId})
DETACH DELETE g
"""

SOME_GROUPS: Final[LiteralString] = """
MATCH (g:QuestionGroup)
WITH g LIMIT $limit
RETURN g.groupId AS groupId, [(g)<-[:IN_QUESTION_GROUP]-(i:Interaction) | i.interactionId]
  AS members
"""

# Every customer message with an embedding waits again (a page at a time).
WAIT_AGAIN: Final[LiteralString] = """
MATCH (i:Interaction)
WHERE i.direction = 'inbound' AND i.embedding IS NOT NULL AND i.awaitingGrouping IS NULL
WITH i LIMIT $limit
SET i.awaitingGrouping = true
RETURN count(i) AS marked
"""


@dataclass
class Group:
    group_id: str
    centroid: NDArray[np.float64]
    members: int
    first: datetime | None
    last: datetime | None

    def join(self, vector: NDArray[np.float64], at: datetime | None) -> None:
        total = self.centroid * self.members + vector
        self.centroid = total / (np.linalg.norm(total) or 1.0)
        self.members += 1
        if at is not None:
            self.first = at if self.first is None else min(self.first, at)
            self.last = at if self.last is None else max(self.last, at)

    def row(self) -> dict[str, Any]:
        return {"groupId": self.group_id, "centroid": np.round(self.centroid, 5).tolist(),
                "memberCount": self.members, "firstSeenAt": self.first,
                "lastSeenAt": self.last}


@dataclass
class GroupingSummary:
    read: int = 0
    grouped: int = 0
    founded: int = 0
    groups_changed: set[str] = field(default_factory=set)


def group_waiting(driver: neo4j.Driver, settings: Settings) -> GroupingSummary:
    """Group the messages waiting, a page per transaction; what was done."""
    summary = GroupingSummary()
    with graph_errors(settings.neo4j_uri), driver.session(
            database=settings.neo4j_database) as session:
        waiting = session.run(WAITING).data()
        waiting.sort(key=lambda row: (native(row["at"]) is None, native(row["at"]), row["id"]))
        for start in range(0, len(waiting), PAGE):
            ids = [row["id"] for row in waiting[start:start + PAGE]]
            session.execute_write(_group_page, ids, summary)
    return summary


def _group_page(tx: neo4j.ManagedTransaction, ids: list[str], summary: GroupingSummary
                ) -> None:
    lock_feed(tx)
    rows = tx.run(READ_PAGE, ids=ids, asking=list(ASKING_INTENTS),
                  nearest=NEAREST_GROUPS).data()
    order = {item: position for position, item in enumerate(ids)}
    rows.sort(key=lambda row: order[row["id"]])
    changed: dict[str, Group] = {}
    members: list[dict[str, str]] = []
    for row in rows:
        summary.read += 1
        if row["embedding"] is None:
            continue  # not a question or complaint, or grouped already
        vector = np.asarray(row["embedding"], np.float64)
        at = native(row["at"])
        candidates = {g["groupId"]: _group(g) for g in row["near"]} | changed
        best, similarity = _closest(vector, candidates)
        if best is not None and similarity >= JOIN_SIMILARITY:
            group = changed.setdefault(best, candidates[best])
            group.join(vector, at)
        else:
            group = Group(f"qg-{row['id']}", vector / (np.linalg.norm(vector) or 1.0), 1,
                          at, at)
            changed[group.group_id] = group
            summary.founded += 1
        members.append({"interactionId": row["id"], "groupId": group.group_id})
        summary.grouped += 1
    write_rows(tx, WRITE_GROUPS, rows=[group.row() for group in changed.values()])
    write_rows(tx, WRITE_MEMBERS, rows=members)
    write_rows(tx, DONE_WAITING, ids=[row["id"] for row in rows])
    if changed or members:
        change = Change()
        change.touch("QuestionGroup", changed)
        change.touch("Interaction", (m["interactionId"] for m in members))
        append_change(tx, change, pending=False)
    summary.groups_changed.update(changed)


def _group(row: dict[str, Any]) -> Group:
    return Group(row["groupId"], np.asarray(row["centroid"], np.float64),
                 int(row["memberCount"] or 0), native(row["firstSeenAt"]),
                 native(row["lastSeenAt"]))


def _closest(vector: NDArray[np.float64], groups: dict[str, Group]
             ) -> tuple[str | None, float]:
    """The group whose centroid is most similar (ties: the smaller id), and the cosine."""
    best, similarity = None, -2.0
    for group_id in sorted(groups):
        score = float(groups[group_id].centroid @ vector)
        if score > similarity:
            best, similarity = group_id, score
    return best, similarity


def recompute_groups(tx: neo4j.ManagedTransaction, group_ids: list[str], change: Change
                     ) -> None:
    """Centroid, count and times of each group from the members it has now; a group left
    without members is deleted (an erasure took its last one)."""
    if not group_ids:
        return
    rows, empty = [], []
    for record in tx.run(GROUP_MEMBERS, groupIds=sorted(set(group_ids))):
        found = record["members"]
        if not found:
            empty.append(record["groupId"])
            continue
        total = np.sum([np.asarray(m["embedding"], np.float64) for m in found], axis=0)
        times = [native(m["at"]) for m in found if m["at"] is not None]
        rows.append(Group(record["groupId"], total / (np.linalg.norm(total) or 1.0),
                          len(found), min(times, default=None), max(times, default=None)).row())
    write_rows(tx, WRITE_GROUPS, rows=rows)
    write_rows(tx, DELETE_GROUPS, groupIds=empty)
    change.touch("QuestionGroup", group_ids)


def regroup_everything(driver: neo4j.Driver, settings: Settings) -> GroupingSummary:
    """Delete every group, mark every customer message with an embedding as waiting, and
    group them all again in time order."""
    with graph_errors(settings.neo4j_uri), driver.session(
            database=settings.neo4j_database) as session:
        while session.execute_write(_delete_some_groups):
            pass
        while session.execute_write(_wait_again):
            pass
    return group_waiting(driver, settings)


def _delete_some_groups(tx: neo4j.ManagedTransaction) -> int:
    lock_feed(tx)
    rows = tx.run(SOME_GROUPS, limit=PAGE).data()
    if not rows:
        return 0
    change = Change()
    change.touch("QuestionGroup", (row["groupId"] for row in rows))
    change.touch("Interaction", (m for row in rows for m in row["members"]))
    write_rows(tx, DELETE_GROUPS, groupIds=[row["groupId"] for row in rows])
    append_change(tx, change, pending=False)
    return len(rows)


def _wait_again(tx: neo4j.ManagedTransaction) -> int:
    record = tx.run(WAIT_AGAIN, limit=10_000).single()
    return int(record["marked"]) if record else 0
