"""The sentence encoder, the heads over it, label files and model versions (no Neo4j)."""

from __future__ import annotations

import dataclasses
import multiprocessing
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from kg.errors import ConfigError
from kg.semantic.encoder import WINDOW, shared_encoder
from kg.semantic.fitting import TrainingRows, fit_heads
from kg.semantic.heads import LinearHead, SemanticHeads
from kg.semantic.labels import parse_labels, read_label_file
from kg.semantic.versions import (
    activate,
    active_name,
    base_version,
    find_version,
    load_heads,
    trained_versions,
)
from kg.semantic.weights import check_sha256, verified_files
from kg.services.adaptation import LabelledText, held_back, train_model


def test_a_weight_file_that_is_not_the_pinned_one_is_refused(tmp_path: Path) -> None:
    forged = tmp_path / "model.onnx"
    forged.write_bytes(b"not the model")
    with pytest.raises(ConfigError, match=r"model\.onnx: sha256 is .* expected 8199be6f"):
        check_sha256(forged, "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6")


def test_the_installed_weights_are_the_pinned_ones() -> None:
    files = verified_files()
    assert files.model.name == "model.onnx" and files.tokenizer.name == "tokenizer.json"
    assert files.version.startswith("all-MiniLM-L6-v2-int8@8199be6f")


def test_embeddings_are_unit_length_deterministic_and_close_by_meaning() -> None:
    encoder = shared_encoder()
    texts = ["my parcel is lost", "where is my package? it never arrived",
             "I love this phone, the battery is great"]
    first, again = encoder.embed(texts), encoder.embed(list(reversed(texts)))[::-1]
    assert first.shape == (3, 384)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.allclose(first, again, atol=1e-5)  # batch order and padding change nothing
    lost, missing, praise = first
    assert float(lost @ missing) > float(lost @ praise) + 0.2


def test_a_long_text_is_read_whole_in_windows() -> None:
    """A complaint longer than one window is pooled over all of it, not cut at its start."""
    head = "I am writing about my account. " * 40
    tail_complaint = head + "They charged me twice and never refunded the money."
    [reading] = shared_encoder().read([tail_complaint])
    assert len(reading.token_vectors) > WINDOW  # more word pieces than one window holds
    assert reading.token_starts[-1] > len(head)  # the last tokens read are the complaint's
    clause = reading.span_embedding(len(head), len(tail_complaint))
    assert clause.shape == (384,) and not np.allclose(clause, reading.embedding)


def test_a_span_without_tokens_falls_back_to_the_message() -> None:
    [reading] = shared_encoder().read(["late again"])
    assert np.allclose(reading.span_embedding(100, 120), reading.embedding)


def test_a_two_class_head_matches_scikit_learn(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    features = rng.normal(size=(60, 5)).astype(np.float32)
    targets = ["yes" if row[0] + row[1] > 0 else "no" for row in features]
    reference = LogisticRegression().fit(features, targets)
    coef, bias = reference.coef_[0], reference.intercept_[0]
    head = LinearHead(("no", "yes"), np.vstack([-coef / 2, coef / 2]).astype(np.float32),
                      np.array([-bias / 2, bias / 2], np.float32))
    assert np.allclose(head.probabilities(features), reference.predict_proba(features),
                       atol=1e-4)


def small_rows(count: int = 120) -> TrainingRows:
    """Rows that separate by their first feature columns, with every label kind."""
    rng = np.random.default_rng(3)
    width = 384 + 4 + len(load_heads(base_version()).labels.areas)  # embedding, cues, areas
    features = rng.normal(size=(count, width)).astype(np.float32)
    sentiment = ["negative" if f[0] < -0.3 else "positive" if f[0] > 0.3 else "neutral"
                 for f in features]
    area = ["billing-pricing" if f[1] > 0 else "delivery-logistics" for f in features]
    concepts: list[tuple[str, ...] | None] = [
        ("overcharge",) if f[2] > 0 else ("lost-package",) for f in features]
    return TrainingRows(features=features, sentiment=sentiment, area=area, concepts=concepts)


def test_heads_round_trip_through_their_file(tmp_path: Path) -> None:
    labels = load_heads(base_version()).labels
    heads = fit_heads(small_rows(), labels, meta={"note": "test"})
    heads.save(tmp_path / "heads.npz")
    loaded = SemanticHeads.load(tmp_path / "heads.npz")
    rows = small_rows(10).features
    for name in ("sentiment", "area", "concepts"):
        assert getattr(loaded, name).classes == getattr(heads, name).classes
        assert np.allclose(getattr(loaded, name).probabilities(rows),
                           getattr(heads, name).probabilities(rows), atol=1e-5)
    assert loaded.meta == {"note": "test"} and loaded.labels.owners == labels.owners
    assert set(heads.concepts.classes) == {"overcharge", "lost-package"}


def test_a_head_with_one_class_is_refused() -> None:
    rows = small_rows()
    rows.sentiment = ["negative"] * len(rows)
    with pytest.raises(ValueError, match="sentiment labels hold fewer than two classes"):
        fit_heads(rows, load_heads(base_version()).labels, meta={})


def test_a_label_file_sets_bad_rows_aside_with_line_field_and_reason() -> None:
    labels, rejected = parse_labels([
        "interaction_id,text,sentiment,area,concept\n",
        ",my parcel is lost,negative,delivery-logistics,lost-package\n",
        "i-42,,Positive,,\n",
        ",,negative,,\n",
        ",fine,angry,,\n",
        ",fine,,somewhere,\n",
        ",fine,,,lost-package|teleportation\n",
        ",nothing judged,,,\n",
        ",charged twice,,none,overcharge|refund\n",
        ",hello there,,,none\n",
    ])
    assert [(r.line, r.field) for r in rejected] == [
        (4, "interaction_id"), (5, "sentiment"), (6, "area"), (7, "concept"), (8, "sentiment")]
    assert "teleportation" in rejected[3].reason and "'angry'" in rejected[1].reason
    assert [(label.text, label.interaction_id, label.sentiment, label.area, label.concepts)
            for label in labels] == [
        ("my parcel is lost", None, "negative", "delivery-logistics", ("lost-package",)),
        (None, "i-42", "positive", None, None),
        ("charged twice", None, None, "none", ("overcharge", "refund")),
        ("hello there", None, None, None, ())]  # "none": judged about no concept


def test_a_label_file_without_a_usable_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("message,feeling\nhello,positive\n", encoding="utf-8")
    labels, rejected = read_label_file(path)
    assert labels == [] and rejected[0].field == "header"


def test_versions_activate_roll_back_and_name_unknown_ones(tmp_path: Path) -> None:
    assert active_name(tmp_path) == "base"
    with pytest.raises(ConfigError, match="no trained version yet"):
        find_version(tmp_path, "latest")
    with pytest.raises(ConfigError, match="'v0009' does not exist"):
        activate(tmp_path, "v0009")
    assert activate(tmp_path, "base").name == "base"


def deployment_labels(flip_trained: bool) -> list[LabelledText]:
    """Short service messages; with ``flip_trained`` the labels that are trained on (not held
    back) say the opposite of what the text says, the held-back ones stay true."""
    complaints = [f"my order {n} never arrived and nobody answers" for n in range(60)]
    praise = [f"thanks, order {n} came early and the support was great" for n in range(60)]
    labels = []
    for texts, truth, opposite in ((complaints, "negative", "positive"),
                                   (praise, "positive", "negative")):
        for text in texts:
            flipped = flip_trained and not held_back(text)
            labels.append(LabelledText(text, opposite if flipped else truth))
    return labels


def test_training_records_versions_and_refuses_a_worse_one_unless_forced(
        tmp_path: Path) -> None:
    base = load_heads(base_version())
    rows = small_rows()
    # a small base keeps the test fast; the held-back labels judge each version
    small_base = dataclasses.replace(fit_heads(rows, base.labels, meta={}))
    good = train_model(tmp_path, deployment_labels(flip_trained=False), base_rows=rows,
                       base_heads=small_base)
    assert good.activated and good.version.name == "v0001" and active_name(tmp_path) == "v0001"
    assert good.figures.messages == sum(held_back(label.text)
                                        for label in deployment_labels(False)) > 0
    assert good.figures.sentiment_accuracy == 1.0
    worse = train_model(tmp_path, deployment_labels(flip_trained=True), base_rows=rows,
                        base_heads=small_base)
    assert not worse.activated and "worse than the active version v0001" in worse.reason
    assert active_name(tmp_path) == "v0001"
    assert [v.name for v in trained_versions(tmp_path)] == ["v0001", "v0002"]
    forced = train_model(tmp_path, deployment_labels(flip_trained=True), base_rows=rows,
                         base_heads=small_base, force=True)
    assert forced.activated and active_name(tmp_path) == "v0003"
    assert activate(tmp_path, "v0001").name == "v0001" and active_name(tmp_path) == "v0001"
    info = find_version(tmp_path, "v0002").info
    assert info["compared_with"] == "v0001" and info["labels"] == 120


def _embed_in_child(text: str) -> list[float]:
    return [float(x) for x in shared_encoder().embed([text])[0]]


def test_a_forked_worker_reads_with_the_pipelines_encoder() -> None:
    """spaCy's n_process forks workers after the pipeline's encoder has run in the parent;
    the worker must read, not wait forever (it did with two intra-op threads)."""
    text = "my order never arrived and nobody answers"
    in_parent = shared_encoder().embed([text])[0]
    with multiprocessing.get_context("fork").Pool(1) as pool:
        in_child = pool.apply_async(_embed_in_child, (text,)).get(timeout=120)
    assert np.allclose(in_child, in_parent, atol=1e-5)
