"""The graph's "now": the NOW_RANK-th newest interaction time, never past the clock."""

from datetime import UTC, datetime, timedelta

from kg.derivation.clock import NOW_RANK, graph_now, shifted

CLOCK = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
HISTORY = [datetime(2024, 12, 26, tzinfo=UTC) - timedelta(hours=n) for n in range(50)]


def test_one_record_ahead_of_the_rest_does_not_move_now() -> None:
    ahead = [CLOCK + timedelta(hours=20), *HISTORY]
    assert graph_now(HISTORY, CLOCK) == HISTORY[NOW_RANK - 1]
    assert graph_now(ahead, CLOCK) == HISTORY[NOW_RANK - 2]  # one rank, inside the history


def test_nine_records_ahead_still_do_not_leave_the_history() -> None:
    ahead = [CLOCK - timedelta(minutes=n) for n in range(NOW_RANK - 1)] + HISTORY
    assert graph_now(ahead, CLOCK) == HISTORY[0]


def test_a_live_stream_moves_now_but_never_past_the_clock() -> None:
    live = [CLOCK + timedelta(minutes=30)] * NOW_RANK + HISTORY
    assert graph_now(live, CLOCK) == CLOCK


def test_few_interactions_and_none() -> None:
    assert graph_now(HISTORY[:3], CLOCK) == HISTORY[2]
    assert graph_now([], CLOCK) is None


def test_shifting_near_the_calendars_edges_stays_inside_it() -> None:
    early = datetime(1, 1, 1, tzinfo=UTC)
    late = datetime(9999, 12, 31, tzinfo=UTC)
    assert shifted(early, -timedelta(days=180)) == datetime.min.replace(tzinfo=UTC)
    assert shifted(late, timedelta(days=7)) == datetime.max.replace(tzinfo=UTC)
    assert shifted(CLOCK, timedelta(days=1)) == CLOCK + timedelta(days=1)
