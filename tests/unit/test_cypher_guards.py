"""What analysts' Cypher may not do because Neo4j could not stop or bound it, and the server
configuration that loads only what the product and analysts use (issue 30, items 3 and 4)."""

import threading
import time
from pathlib import Path

import pytest

from kg.neo4j_local.allowlist import ANALYST_FUNCTIONS, ANALYST_PROCEDURES, PRODUCT
from kg.neo4j_local.config import render_conf
from kg.settings import load_settings
from kg_api.cypher_policy import PROCEDURES, Refused, check_text
from kg_api.query_slots import PerKeySlots, TooMany

UNBOUNDED = (
    "RETURN size(reduce(s='xxxxxxxx', i IN range(1,27) | s + s))",
    "RETURN REDUCE (t = 0, x IN [1, 2] | t + x) AS total",
    "RETURN size(apoc.text.lpad('',1500000000,'x'))",
    "RETURN apoc.text.repeat('x', 1000000000) AS s",
    "RETURN apoc.coll.fill('x', 1000000000) AS l",
    "RETURN apoc.coll.combinations(range(1, 60), 30) AS c",
    "RETURN apoc.text.regreplace('aaaa', '(a+)+b', '') AS s",
)
REGEX = (
    "RETURN reduce(s='',i IN range(1,44)|s+'a') =~ '(.*a){10}b'",
    "MATCH (i:Interaction) WHERE i.text =~ '(.*a){15}b' RETURN count(*)",
    "MATCH (i:Interaction) WHERE i.text=~$pattern RETURN i",
    "MATCH (i) WHERE i.text = /* hidden */~ 'x' RETURN i",
)
ALLOWED = (
    "MATCH (i:Interaction) WHERE i.text CONTAINS '=~' RETURN count(*)",
    'RETURN "reduce(s = 0, x IN [1] | s)" AS text, \'it\\\'s =~\' AS quoted',
    "RETURN apoc.text.join(['a', 'b'], '-') AS j, apoc.coll.sum([1, 2]) AS s",
    "MATCH (c:Customer) RETURN apoc.node.degree(c) AS d, date.truncate('month', date()) AS m",
    "// a comment with =~ and reduce( in it\nRETURN 1",
)


@pytest.mark.parametrize("query", UNBOUNDED + REGEX)
def test_what_neo4j_cannot_stop_or_bound_is_refused_by_name(query: str) -> None:
    with pytest.raises(Refused) as refused:
        check_text(query)
    reason = str(refused.value)
    assert any(name in reason for name in ("=~", "reduce()", "apoc.text.", "apoc.coll.")), reason


@pytest.mark.parametrize("query", ALLOWED)
def test_the_same_words_in_literals_and_comments_and_bounded_functions_pass(query: str) -> None:
    check_text(query)


def test_the_server_loads_only_what_the_product_and_analysts_call(tmp_path: Path) -> None:
    conf = render_conf(load_settings(neo4j_home=tmp_path, neo4j_heap="2g"))
    settings = dict(line.split("=", 1) for line in conf.splitlines() if "=" in line)
    loaded = set(settings["dbms.security.procedures.allowlist"].split(","))
    assert loaded == PRODUCT | ANALYST_PROCEDURES | ANALYST_FUNCTIONS
    assert {"apoc.lock.nodes", "apoc.path.expand", "apoc.text.join"} <= loaded
    assert not {"apoc.text.lpad", "apoc.text.regreplace", "apoc.util.sleep",
                "apoc.cypher.run", "apoc.load.json"} & loaded
    assert ANALYST_PROCEDURES <= PROCEDURES
    assert settings["db.memory.transaction.max"] == "512m"
    assert settings["db.memory.transaction.total.max"] == "1024m"


def test_a_key_holds_at_most_its_limit_and_gets_its_slots_back() -> None:
    slots = PerKeySlots(2)
    with slots.hold("a"), slots.hold("a"):
        with pytest.raises(TooMany, match="KG_QUERY_CONCURRENT_PER_KEY"), slots.hold("a"):
            pass
        with slots.hold("b"):
            assert slots.running == {"a": 2, "b": 1}
    assert slots.running == {}
    with slots.hold("a"):  # released on the way out
        assert slots.running == {"a": 1}


def test_slots_are_counted_exactly_under_contention() -> None:
    slots = PerKeySlots(3)
    inside: list[int] = []
    refused: list[int] = []
    barrier = threading.Barrier(8)
    release = threading.Event()

    def take() -> None:
        barrier.wait()
        try:
            with slots.hold("k"):
                inside.append(1)
                release.wait(timeout=30)
        except TooMany:
            refused.append(1)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(inside) + len(refused) < 8 and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert (len(inside), len(refused)) == (3, 5)
    assert slots.running == {}
