"""Finding the JVM and Maven that provision and run the local server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from kg.errors import PrerequisiteMissing

SUPPORTED_JAVA = (17, 21)  # the Java versions Neo4j 5.26 runs on


def java_executable() -> Path:
    """The ``java`` of ``JAVA_HOME`` when set, else the one on ``PATH``."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file():
            return candidate
        raise PrerequisiteMissing(
            f"JAVA_HOME={java_home} has no bin/java; point it at a Java 17 or 21 JDK or unset it."
        )
    found = shutil.which("java")
    if found is None:
        raise PrerequisiteMissing(
            "Java is not installed: Neo4j 5.26 needs Java 17 or 21 "
            "(Debian: apt-get install openjdk-17-jre-headless)."
        )
    return Path(found)


def java_major_version(java: Path) -> int:
    result = subprocess.run([str(java), "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if match is None:
        raise PrerequisiteMissing(f"could not read the version of {java}: {result.stderr.strip()}")
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def checked_java() -> Path:
    """A Java that Neo4j 5.26 supports, or a clear error saying what to install."""
    java = java_executable()
    major = java_major_version(java)
    if major not in SUPPORTED_JAVA:
        raise PrerequisiteMissing(
            f"{java} is Java {major}; Neo4j 5.26 runs on Java 17 or 21. "
            "Set JAVA_HOME to such a JDK."
        )
    return java


def maven_executable() -> Path:
    found = shutil.which("mvn")
    if found is None:
        raise PrerequisiteMissing(
            "Maven is not installed: the local Neo4j is resolved from Maven Central with it "
            "(Debian: apt-get install maven)."
        )
    return Path(found)
