"""The customer-by-customer pass splits the concerned customers into bounded transactions."""

from kg.derivation.by_customer import customer_chunks


def test_every_customer_once_in_id_order_and_each_chunk_within_its_weight() -> None:
    counts = {f"c{n:03d}": (n * 7) % 13 for n in range(200)}
    chunks = list(customer_chunks(counts, 30))
    assert [c for chunk in chunks for c in chunk] == sorted(counts)
    assert len(chunks) > 1
    for chunk in chunks:
        assert sum(1 + counts[c] for c in chunk) <= 30


def test_customers_without_interactions_are_bounded_too() -> None:
    chunks = list(customer_chunks({f"c{n}": 0 for n in range(100)}, 10))
    assert [len(chunk) for chunk in chunks] == [10] * 10


def test_a_customer_heavier_than_the_limit_is_a_chunk_of_its_own() -> None:
    chunks = list(customer_chunks({"a": 1, "b": 500, "c": 1}, 10))
    assert chunks == [["a"], ["b"], ["c"]]
