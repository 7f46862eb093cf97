from kg_api.deps import Graph
from kg_api.stats import build


class FakeRows(Graph):
    """Rows as the corpus query returns them; the statistics are pure arithmetic over them."""

    def __init__(self, rows: list[dict[str, object]]) -> None:
        self._rows = rows

    def rows(self, query: str, **parameters: object) -> list[dict[str, object]]:  # type: ignore[override]
        return self._rows


def test_lift_and_similarity_from_base_rates() -> None:
    stats = build(FakeRows([
        {"customerId": "a", "concepts": ["refund", "delay"]},
        {"customerId": "a", "concepts": ["refund"]},
        {"customerId": "b", "concepts": ["refund", "delay"]},
        {"customerId": "c", "concepts": ["app-crash"]},
        {"customerId": None, "concepts": []},
    ]), sequence=7)
    assert stats.interactions == 5
    assert stats.concept_counts["refund"] == 3
    # P(refund, delay) = 2/5, P(refund) = 3/5, P(delay) = 2/5 → lift = 0.4 / 0.24
    assert abs(stats.lift("refund", "delay") - (2 / 5) / ((3 / 5) * (2 / 5))) < 1e-12
    assert stats.lift("refund", "app-crash") == 0.0
    assert stats.similar("a", 5) == [("b", ["delay", "refund"], 1.0)]
    assert stats.similar("c", 5) == []
    assert stats.sequence == 7
