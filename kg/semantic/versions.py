"""Model versions: the base model the package ships, and the ones a deployment trains.

A deployment's models live in its data home (``KG_MODEL_DIR``), never inside the installed
package:

    KG_MODEL_DIR/
      active                  the active version's name (absent: the shipped base model)
      versions/v0001/heads.npz
      versions/v0001/version.json   figures, label counts, when, from which labels

Every process that reads text builds its pipeline with the active version, and every fact it
writes names that version, so re-reading after an activation knows what is stale.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kg.errors import ConfigError
from kg.semantic.heads import SemanticHeads

BASE_DIR = Path(__file__).with_name("base")
BASE_HEADS = BASE_DIR / "heads.npz"
BASE_ROWS = BASE_DIR / "rows.npz"  # the base model's training rows (features and labels only)
BASE_NAME = "base"
VERSION_NAME = re.compile(r"^v\d{4}$")


@dataclass(frozen=True)
class ModelVersion:
    name: str
    path: Path  # its heads.npz
    info: dict[str, object]


def versions_dir(model_dir: Path) -> Path:
    return model_dir / "versions"


def base_version() -> ModelVersion:
    if not BASE_HEADS.is_file():
        raise ConfigError(f"{BASE_HEADS}: the shipped base model is missing; run "
                          "scripts/train_semantic (scripts/setup does when ../shared/data "
                          "is present)")
    return ModelVersion(BASE_NAME, BASE_HEADS, {"name": BASE_NAME, "base": True})


def trained_versions(model_dir: Path) -> list[ModelVersion]:
    """The deployment's versions, oldest first."""
    folder = versions_dir(model_dir)
    found = []
    if folder.is_dir():
        for entry in sorted(folder.iterdir()):
            heads = entry / "heads.npz"
            if VERSION_NAME.match(entry.name) and heads.is_file():
                info_file = entry / "version.json"
                info = json.loads(info_file.read_text(encoding="utf-8")) \
                    if info_file.is_file() else {}
                found.append(ModelVersion(entry.name, heads, info))
    return found


def active_name(model_dir: Path) -> str:
    marker = model_dir / "active"
    if marker.is_file():
        name = marker.read_text(encoding="utf-8").strip()
        if name:
            return name
    return BASE_NAME


def find_version(model_dir: Path, name: str) -> ModelVersion:
    if name == BASE_NAME:
        return base_version()
    versions = trained_versions(model_dir)
    if name == "latest":
        if not versions:
            raise ConfigError(f"{model_dir}: no trained version yet; run `kg model train`")
        return versions[-1]
    for version in versions:
        if version.name == name:
            return version
    known = ", ".join([BASE_NAME] + [v.name for v in versions])
    raise ConfigError(f"model version {name!r} does not exist in {model_dir} (known: {known})")


def active_version(model_dir: Path) -> ModelVersion:
    return find_version(model_dir, active_name(model_dir))


def load_heads(version: ModelVersion) -> SemanticHeads:
    return SemanticHeads.load(version.path)


def next_name(model_dir: Path) -> str:
    versions = trained_versions(model_dir)
    number = int(versions[-1].name[1:]) + 1 if versions else 1
    return f"v{number:04d}"


@contextmanager
def model_lock(model_dir: Path) -> Iterator[None]:
    """Held while versions are numbered, compared and activated: two `kg model train` or
    `activate` runs at once take turns instead of mixing their files or their decisions."""
    model_dir.mkdir(parents=True, exist_ok=True)
    with (model_dir / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def save_version(model_dir: Path, heads: SemanticHeads, info: dict[str, object]
                 ) -> ModelVersion:
    """Writes a new version (not yet active); written to a temporary folder and renamed, so a
    killed run leaves no half-written version. Call it holding :func:`model_lock`."""
    name = next_name(model_dir)
    folder = versions_dir(model_dir)
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=folder))
    heads.save(staging / "heads.npz")
    info = {**info, "name": name, "created_at": datetime.now(UTC).isoformat()}
    (staging / "version.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    staging.rename(folder / name)
    return ModelVersion(name, folder / name / "heads.npz", info)


def activate(model_dir: Path, name: str) -> ModelVersion:
    """Makes ``name`` (a version, ``latest`` or ``base``) the active version, atomically."""
    with model_lock(model_dir):
        return activate_locked(model_dir, name)


def activate_locked(model_dir: Path, name: str) -> ModelVersion:
    """:func:`activate` for a caller that holds :func:`model_lock`."""
    version = find_version(model_dir, name)
    descriptor, temporary = tempfile.mkstemp(prefix=".active.", dir=model_dir)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(version.name + "\n")
    os.replace(temporary, model_dir / "active")
    return version
