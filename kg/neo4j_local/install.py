"""Resolving Neo4j Community and APOC from Maven Central into a Neo4j home.

The home is laid out as Neo4j expects (``lib/``, ``plugins/``, ``conf/``, ``data/``, ``logs/``,
``run/``); the downloaded artifacts stay in a Maven repository folder shared by every home, so a
second home (for example the test server's) installs without downloading anything.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from kg.errors import InstallError
from kg.neo4j_local import versions
from kg.neo4j_local.java import maven_executable
from kg.settings import Settings

MANIFEST = "kg-install.json"
LAYOUT = 2  # bumped when the home's layout changes, so older homes are reinstalled
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
THREADS = 8  # parallel artifact downloads

_POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.customer-kg</groupId>
  <artifactId>neo4j-home</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.neo4j</groupId><artifactId>neo4j</artifactId><version>{version}</version>
    </dependency>
    <dependency>
      <groupId>org.neo4j</groupId><artifactId>neo4j-bolt</artifactId><version>{version}</version>
    </dependency>
  </dependencies>
</project>
"""

# APOC core as its plain jar plus apoc-common (which the plain jar's pom does not declare) and
# their runtime dependencies. The shaded 'core' classifier is not used: it stopped being
# published after 5.26.5, and it bundles a 2020 commons-lang3 that shadows Neo4j's own and
# stops 5.26.30 from starting (NoSuchMethodError on ObjectUtils.getIfNull).
_APOC_POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.customer-kg</groupId>
  <artifactId>neo4j-plugins</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.neo4j.procedure</groupId><artifactId>apoc-core</artifactId>
      <version>{version}</version>
    </dependency>
    <dependency>
      <groupId>org.neo4j.procedure</groupId><artifactId>apoc-common</artifactId>
      <version>{version}</version>
    </dependency>
  </dependencies>
</project>
"""


@dataclass(frozen=True)
class Installation:
    """What ``install`` put in a home; written to ``kg-install.json``."""

    home: str
    neo4j_version: str
    apoc_version: str
    lib_jars: int
    lib_bytes: int
    plugin_bytes: int
    downloaded: bool


def read_installation(home: Path) -> Installation | None:
    manifest = home / MANIFEST
    if not manifest.is_file():
        return None
    data = json.loads(manifest.read_text())
    if data.pop("layout", None) != LAYOUT:
        return None
    data["downloaded"] = False
    return Installation(**data)


def _quiet(message: str) -> None:
    pass


def install(settings: Settings, say: Callable[[str], None] = _quiet) -> Installation:
    """Install once; a complete home is left as it is and nothing is downloaded again.

    ``say`` hears what is happening: version resolution, then each download with its size.
    """
    home = settings.neo4j_home
    existing = read_installation(home)
    if existing is not None and (home / "lib" / f"neo4j-{existing.neo4j_version}.jar").is_file():
        return existing
    for folder in ("conf", "data", "logs", "run", "plugins", "import"):
        (home / folder).mkdir(parents=True, exist_ok=True)
    build = home / ".build"
    build.mkdir(exist_ok=True)
    # Exact versions: a range makes Maven fetch a POM per version in it for every module.
    neo4j_exact = versions.resolve(settings.maven_repo, "org.neo4j", "neo4j",
                                   settings.neo4j_version, say=say)
    apoc_exact = versions.resolve(settings.maven_repo, "org.neo4j.procedure", "apoc-core",
                                  settings.apoc_version, say=say)
    say(f"Neo4j {neo4j_exact} (from {settings.neo4j_version}), APOC {apoc_exact} "
        f"(from {settings.apoc_version})")
    (build / "pom.xml").write_text(_POM.format(version=neo4j_exact))

    lib = _fresh_folder(home / "lib.partial")
    say("Neo4j and its dependencies → lib/")
    _mvn(settings, build, "dependency:copy-dependencies", "-DincludeScope=runtime",
         f"-DoutputDirectory={lib}", say=say)
    neo4j_version = _neo4j_version_in(lib)
    plugins_partial = _fresh_folder(home / "plugins.partial")
    say("APOC and its dependencies → plugins/")
    apoc_version = _copy_apoc(settings, build, plugins_partial, lib, apoc_exact, say)

    _replace(home / "lib", lib)
    _replace(home / "plugins", plugins_partial)
    installation = Installation(
        home=str(home),
        neo4j_version=neo4j_version,
        apoc_version=apoc_version,
        lib_jars=sum(1 for _ in (home / "lib").glob("*.jar")),
        lib_bytes=_folder_bytes(home / "lib"),
        plugin_bytes=_folder_bytes(home / "plugins"),
        downloaded=True,
    )
    record = asdict(installation)
    del record["downloaded"]
    record["layout"] = LAYOUT
    (home / MANIFEST).write_text(json.dumps(record, indent=2) + "\n")
    return installation


def _copy_apoc(settings: Settings, build: Path, target: Path, lib: Path, version: str,
               say: Callable[[str], None]) -> str:
    """Copy APOC and the dependencies Neo4j's own ``lib/`` does not already provide.

    A plugin jar that duplicates a library in ``lib/`` would come first on the server's
    classpath and shadow Neo4j's version of it, so duplicates are left out.
    """
    pom = build / "apoc-pom.xml"
    pom.write_text(_APOC_POM.format(version=version))
    _mvn(settings, build, "dependency:copy-dependencies", "-DincludeScope=runtime",
         f"-DoutputDirectory={target}", pom=pom, say=say)
    provided = {_artifact_name(jar.name) for jar in lib.glob("*.jar")}
    for jar in target.glob("*.jar"):
        if _artifact_name(jar.name) in provided:
            jar.unlink()
    for jar in target.glob("apoc-core-*.jar"):
        return jar.name.removeprefix("apoc-core-").removesuffix(".jar")
    raise InstallError(f"Maven resolved no apoc-core jar for {settings.apoc_version}")


def _artifact_name(jar_name: str) -> str:
    """``commons-lang3-3.18.0.jar`` → ``commons-lang3``."""
    return re.sub(r"-\d.*\.jar$", "", jar_name)


_TRANSFER = re.compile(r"^Downloaded from \S+: (\S+) \(([^)]*?)(?: at [^)]*)?\)")


def _mvn(settings: Settings, build: Path, *goal_and_args: str, pom: Path | None = None,
         say: Callable[[str], None] = _quiet) -> None:
    goal, *args = goal_and_args
    plugin_goal = f"{DEPENDENCY_PLUGIN}:{goal.split(':', 1)[1]}"
    command = [
        str(maven_executable()), "-B", "-f", str(pom or build / "pom.xml"),
        f"-Dmaven.repo.local={settings.maven_repo}", f"-Dmaven.artifact.threads={THREADS}",
        plugin_goal, *args,
    ]
    # Offline first: a warm repository resolves without touching the network.
    offline = subprocess.run([*command[:1], "-o", "-q", *command[1:]], capture_output=True,
                             text=True, check=False)
    if offline.returncode == 0:
        return
    say("downloading from Maven Central (the first install fills the Maven repository)")
    output: list[str] = []
    poms = jars = 0
    jar_bytes = 0.0
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True) as maven:
        assert maven.stdout is not None
        for line in maven.stdout:
            output.append(line.rstrip())
            match = _TRANSFER.match(line.strip())
            if not match:
                continue
            name, size = match.group(1).rsplit("/", 1)[-1], match.group(2)
            if name.endswith(".pom"):
                poms += 1
                if poms % 100 == 0:
                    say(f"  resolved {poms} POMs")
            elif name.endswith(".jar"):
                jars += 1
                jar_bytes += _bytes(size)
                say(f"  downloaded {name} ({size}; {jars} jars, {jar_bytes / 2**20:.1f} MiB)")
    if maven.returncode != 0:
        errors = [line for line in output if "[ERROR]" in line][:5]
        raise InstallError(
            f"Maven failed ({' '.join(goal_and_args)}):\n" + "\n".join(errors or output[-5:])
        )
    say(f"  {poms} POMs and {jars} jars ({jar_bytes / 2**20:.1f} MiB) downloaded")


def _bytes(size: str) -> float:
    """``12 kB`` / ``1.2 MB`` / ``300 B`` as bytes (Maven's transfer sizes)."""
    number, _, unit = size.partition(" ")
    scale = {"B": 1, "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9}.get(unit.strip(), 1)
    try:
        return float(number) * scale
    except ValueError:
        return 0.0


def _neo4j_version_in(lib: Path) -> str:
    for jar in lib.glob("neo4j-*.jar"):
        match = re.fullmatch(r"neo4j-(\d+\.\d+\.\d+)\.jar", jar.name)
        if match:
            return match.group(1)
    raise InstallError(f"Maven resolved no org.neo4j:neo4j jar into {lib}")


def _fresh_folder(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def _replace(target: Path, source: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    source.rename(target)


def _folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
