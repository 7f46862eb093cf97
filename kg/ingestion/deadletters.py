"""The dead-letter file: every record set aside, with where it came from and why."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import IO

import orjson

from kg.ingestion.adapters import Rejected


class DeadLetters:
    """JSON lines of ``{"file", "position", "field", "reason"}``, rewritten on every run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._handle: IO[bytes] | None = None

    def __enter__(self) -> DeadLetters:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = self.path.open("wb")
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._handle is not None:
            self._handle.close()

    def add(self, rejected: Rejected) -> None:
        assert self._handle is not None, "use DeadLetters as a context manager"
        self._handle.write(orjson.dumps({"file": rejected.ref.file,
                                         "position": rejected.ref.position,
                                         "field": rejected.field, "reason": rejected.reason}))
        self._handle.write(b"\n")
        self._handle.flush()
        self.count += 1
