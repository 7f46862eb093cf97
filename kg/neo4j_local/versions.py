"""Resolving a Maven version range to one exact version, once, from ``maven-metadata.xml``.

Handing Maven a range (``[5.26.0,5.27.0)``) makes it fetch the POM of every version in the
range for every module it resolves: about 3,000 Neo4j POMs on an empty repository, one by one.
Reading the artifact's version list once and asking Maven for the newest matching version
cuts that to the POMs of one version.
"""

from __future__ import annotations

import re
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InstallError

CENTRAL = "https://repo.maven.apache.org/maven2"
_RANGE = re.compile(r"^([\[(])\s*([^,\s]*)\s*,\s*([^,\s\])]*)\s*([\])])$")
_RELEASE = re.compile(r"^\d+(?:\.\d+)*$")


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@dataclass(frozen=True)
class VersionRange:
    low: str
    high: str
    low_inclusive: bool
    high_inclusive: bool

    def holds(self, version: str) -> bool:
        key = _key(version)
        if self.low:
            low = _key(self.low)
            if key < low or (key == low and not self.low_inclusive):
                return False
        if self.high:
            high = _key(self.high)
            if key > high or (key == high and not self.high_inclusive):
                return False
        return True


def parse_range(spec: str) -> VersionRange | None:
    """A Maven range such as ``[5.26.0,5.27.0)``; None for an exact version."""
    match = _RANGE.match(spec.strip())
    if not match:
        if any(ch in spec for ch in "[](),"):
            raise InstallError(f"cannot read the Maven version range {spec!r}")
        return None
    opening, low, high, closing = match.groups()
    return VersionRange(low, high, opening == "[", closing == "]")


def newest_in(versions: list[str], spec: str) -> str | None:
    wanted = parse_range(spec)
    if wanted is None:
        return spec if spec in versions else None
    releases = [v for v in versions if _RELEASE.match(v) and wanted.holds(v)]
    return max(releases, key=_key) if releases else None


def _versions(metadata: bytes) -> list[str]:
    root = ET.fromstring(metadata)  # noqa: S314 - Maven Central's metadata
    return [v.text.strip() for v in root.iter("version") if v.text]


def resolve(repository: Path, group: str, artifact: str, spec: str,
            *, say: Callable[[str], None] | None = None, timeout: float = 30.0) -> str:
    """The exact version for ``spec``: itself when exact, else the newest release in the range
    from the local repository's metadata, or Maven Central's (then kept locally)."""
    if parse_range(spec) is None:
        return spec
    folder = repository / group.replace(".", "/") / artifact
    local = folder / "maven-metadata-central.xml"
    if local.is_file():
        found = newest_in(_versions(local.read_bytes()), spec)
        if found:
            return found
    url = f"{CENTRAL}/{group.replace('.', '/')}/{artifact}/maven-metadata.xml"
    if say:
        say(f"resolving {group}:{artifact}:{spec} from {url}")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - https
            metadata = response.read()
    except OSError as error:
        raise InstallError(f"cannot read {url} to resolve {spec} ({error}); set an exact "
                           "version (KG_NEO4J_VERSION / KG_APOC_VERSION) to install offline") \
            from error
    found = newest_in(_versions(metadata), spec)
    if found is None:
        raise InstallError(f"no release of {group}:{artifact} in {spec} on Maven Central")
    folder.mkdir(parents=True, exist_ok=True)
    local.write_bytes(metadata)
    return found
