"""Version ranges are resolved once, from maven-metadata.xml, into exact versions."""

from pathlib import Path

import pytest

from kg.errors import InstallError
from kg.neo4j_local.install import _bytes
from kg.neo4j_local.versions import newest_in, parse_range, resolve

METADATA = b"""<?xml version="1.0" encoding="UTF-8"?>
<metadata><groupId>org.neo4j</groupId><artifactId>neo4j</artifactId><versioning>
<versions><version>5.25.1</version><version>5.26.0</version><version>5.26.9</version>
<version>5.26.30</version><version>5.26.31-SNAPSHOT</version><version>5.27.0</version>
<version>2025.01.0</version></versions></versioning></metadata>"""


def test_the_newest_release_in_a_range() -> None:
    versions = ["5.25.1", "5.26.0", "5.26.9", "5.26.30", "5.26.31-SNAPSHOT", "5.27.0"]
    assert newest_in(versions, "[5.26.0,5.27.0)") == "5.26.30"
    assert newest_in(versions, "[5.26.0,5.27.0]") == "5.27.0"
    assert newest_in(versions, "(,5.26.9)") == "5.26.0"
    assert newest_in(versions, "5.26.9") == "5.26.9"
    assert newest_in(versions, "[6.0,7.0)") is None
    assert parse_range("5.26.9") is None
    with pytest.raises(InstallError, match="range"):
        parse_range("[5.26.0;5.27.0)")


def test_resolution_reads_the_local_repository_first(tmp_path: Path) -> None:
    folder = tmp_path / "org" / "neo4j" / "neo4j"
    folder.mkdir(parents=True)
    (folder / "maven-metadata-central.xml").write_bytes(METADATA)
    heard: list[str] = []
    assert resolve(tmp_path, "org.neo4j", "neo4j", "[5.26.0,5.27.0)", say=heard.append) \
        == "5.26.30"
    assert heard == []  # nothing fetched: the local metadata answered
    assert resolve(tmp_path, "org.neo4j", "neo4j", "5.26.9") == "5.26.9"


def test_maven_transfer_sizes() -> None:
    assert _bytes("12 kB") == 12_000
    assert _bytes("1.5 MB") == 1_500_000
    assert _bytes("300 B") == 300
