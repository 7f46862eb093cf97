"""Do people agree with the question groups? A seeded sample of grouped messages, each shown
with other messages of its group, for a person to say whether it asks or complains about the
same thing; the share they agree with.

The graph is whatever ``KG_NEO4J_URI`` points at (``scripts/eval_grouping`` loads the real
twcs and Twitter customer-care threads and regroups them). Steps:

- ``sample OUT``: :data:`SAMPLE` members drawn at random (seeded) from groups of two or more,
  each with up to :data:`SHOWN` other members (the closest to the group's meaning). ``OUT``
  holds message text: keep it outside the repository.
- ``score JUDGMENTS``: the share of "same" verdicts; a line is ``{"source", "sourceId",
  "verdict": "same" | "related" | "different"}``, "related" counting as disagreement.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Final, LiteralString

import orjson

from kg.graph.driver import create_driver, run_query
from kg.settings import load_settings

SAMPLE: Final = 50
SHOWN: Final = 4
SEED: Final = 2028  # 2026: the sample that chose the join similarity; 2027: one judged when
# the centroid index was asked for 5 neighbours (now 50)

GROUPED_MEMBERS: Final[LiteralString] = """
MATCH (i:Interaction)-[:IN_QUESTION_GROUP]->(g:QuestionGroup) WHERE g.memberCount >= 2
RETURN i.interactionId AS id, g.groupId AS groupId ORDER BY id
"""

MEMBER_AND_GROUP: Final[LiteralString] = """
MATCH (i:Interaction {interactionId: $id})-[:IN_QUESTION_GROUP]->(g:QuestionGroup)
CALL (i, g) {
  MATCH (g)<-[:IN_QUESTION_GROUP]-(o:Interaction) WHERE o <> i
  WITH o ORDER BY vector.similarity.cosine(o.embedding, g.centroid) DESC, o.interactionId
  LIMIT $shown
  RETURN collect(o.text) AS others
}
RETURN i.sourceSystem AS source, i.sourceRecordId AS sourceId, i.text AS text,
       g.groupId AS groupId, g.memberCount AS members, others
"""


def _drawn(size: int, seed: int) -> tuple[list[dict[str, object]], int]:
    """The sampled members (seeded), and how many grouped members there are."""
    settings = load_settings()
    with create_driver(settings) as driver:
        members = run_query(driver, settings, GROUPED_MEMBERS)
    chosen = random.Random(seed).sample(members, min(size, len(members)))  # noqa: S311
    return chosen, len(members)


def sample(out: Path, size: int = SAMPLE, seed: int = SEED) -> None:
    chosen, members_count = _drawn(size, seed)
    settings = load_settings()
    with create_driver(settings) as driver, out.open("wb") as handle:
        for member in chosen:
            [row] = run_query(driver, settings, MEMBER_AND_GROUP,
                              {"id": member["id"], "shown": SHOWN})
            handle.write(orjson.dumps(row) + b"\n")
    print(f"sampled {len(chosen)} of {members_count:,} grouped messages into {out}")


SOURCE_OF: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (i:Interaction {interactionId: id})
RETURN i.sourceSystem + ':' + i.sourceRecordId AS key
"""


def score(judgments: Path, seed: int = SEED) -> None:
    """The share judged "same", after checking that the graph's grouping still draws the
    judged sample (else the verdicts are about other groups: judge a new sample)."""
    lines = [orjson.loads(line) for line in judgments.read_bytes().splitlines() if line.strip()]
    chosen, _ = _drawn(len(lines), seed)
    settings = load_settings()
    with create_driver(settings) as driver:
        drawn = {row["key"] for row in run_query(driver, settings, SOURCE_OF,
                                                 {"ids": [m["id"] for m in chosen]})}
    judged = {f"{line['source']}:{line['sourceId']}" for line in lines}
    if drawn != judged:
        raise SystemExit(f"{len(judged - drawn)} judged messages are not in today's sample "
                         f"(seed {seed}): the grouping changed; judge a new sample")
    verdicts = Counter(str(line["verdict"]) for line in lines)
    total = sum(verdicts.values())
    print(f"{total} judged: {dict(verdicts)}; agreement {verdicts['same'] / total:.2f}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sampling = commands.add_parser("sample")
    sampling.add_argument("out", type=Path)
    sampling.add_argument("--seed", type=int, default=SEED)
    scoring = commands.add_parser("score")
    scoring.add_argument("judgments", type=Path)
    scoring.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.command == "sample":
        sample(args.out, seed=args.seed)
    else:
        score(args.judgments, seed=args.seed)


if __name__ == "__main__":
    main()
