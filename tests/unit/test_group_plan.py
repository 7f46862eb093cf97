"""How the server's one writer groups queued writes: pure planning, no graph."""

from kg.ingestion.group_commit import _BatchJob, _ExclusiveJob, combined, plan_groups
from kg.ingestion.rows import GraphBatch


def _batch(*interactions: str, channel: str = "chat") -> GraphBatch:
    batch = GraphBatch()
    for iid in interactions:
        batch.add_once("channels", channel, {"channelId": channel})
        batch.add("interactions", {"interactionId": iid, "channelId": channel})
        batch.records += 1
    return batch


def test_consecutive_batches_share_a_group_until_an_exclusive_write() -> None:
    a, b = _BatchJob(_batch("x:1")), _BatchJob(_batch("x:2", "x:3"))
    erase = _ExclusiveJob(lambda: None)
    c = _BatchJob(_batch("x:4"))
    assert plan_groups([a, b, erase, c]) == [[a, b], [erase], [c]]


def test_a_batch_writing_an_interaction_already_in_the_group_starts_the_next() -> None:
    a, b, c = (_BatchJob(_batch("x:1")), _BatchJob(_batch("x:2")),
               _BatchJob(_batch("x:1", "x:5")))
    assert plan_groups([a, b, c]) == [[a, b], [c]]


def test_a_group_stops_at_its_record_limit() -> None:
    jobs: list[_BatchJob | _ExclusiveJob] = [_BatchJob(_batch(f"x:{n}", f"y:{n}"))
                                            for n in range(5)]
    assert plan_groups(jobs, max_records=4) == [jobs[0:2], jobs[2:4], jobs[4:5]]
    big = _BatchJob(_batch(*(f"z:{n}" for n in range(9))))
    assert plan_groups([big, jobs[0]], max_records=4) == [[big], [jobs[0]]]


def test_combined_keeps_every_row_in_order_and_shared_nodes_once() -> None:
    group = combined([_batch("x:1"), _batch("x:2", channel="email"), _batch("x:3")])
    assert [r["interactionId"] for r in group.rows["interactions"]] == ["x:1", "x:2", "x:3"]
    assert [r["channelId"] for r in group.rows["channels"]] == ["chat", "email"]
    assert group.records == 3
