"""``kg serve`` runs with few malloc arenas: one per thread let its memory climb under load."""

import sys
from typing import Any

import pytest

from kg.cli import serve


def test_the_server_starts_again_with_two_arenas(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, list[str], dict[str, str]]] = []
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setattr(sys, "argv", ["kg", "serve", "--port", "8123"])
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(serve.os, "execve", lambda *args: calls.append(args))
    serve._with_few_malloc_arenas()
    [(program, argv, env)] = calls
    assert program == sys.executable
    assert argv == [sys.executable, "-m", "kg", "serve", "--port", "8123"]
    assert env["MALLOC_ARENA_MAX"] == "2"


def test_a_setting_of_the_operators_own_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    monkeypatch.setattr(serve.os, "execve", lambda *args: calls.append(args))
    serve._with_few_malloc_arenas()
    assert calls == []
