"""Every error a user can cause, in one place.

    KgError                      base: a message that says what, where and what to do
    ├── ConfigError              a setting is missing or invalid
    ├── Neo4jLocalError          the project-managed local Neo4j
    │   ├── PrerequisiteMissing  java or mvn not found
    │   ├── InstallError         Maven could not resolve the distribution
    │   ├── PortInUse            the Bolt port is taken by another process
    │   ├── DataDirLocked        another process holds the data directory
    │   └── StartTimeout         the server did not answer Bolt in time
    ├── GraphError               talking to any Neo4j
    │   ├── GraphUnavailable     the server cannot be reached
    │   ├── GraphAuthError       wrong user or password
    │   ├── GraphRequestError    Neo4j refused a parameter value (a bad request)
    │   └── ConstraintViolation  a write broke a uniqueness constraint
    └── OntologyError            an ontology, concept or shapes file is invalid
"""

from __future__ import annotations


class KgError(Exception):
    """Base of the product's errors; the message is meant for the user."""


class ConfigError(KgError):
    pass


class Neo4jLocalError(KgError):
    pass


class PrerequisiteMissing(Neo4jLocalError):
    pass


class InstallError(Neo4jLocalError):
    pass


class PortInUse(Neo4jLocalError):
    pass


class DataDirLocked(Neo4jLocalError):
    pass


class StartTimeout(Neo4jLocalError):
    pass


class GraphError(KgError):
    pass


class GraphUnavailable(GraphError):
    pass


class GraphAuthError(GraphError):
    pass


class GraphRequestError(GraphError):
    pass


class ConstraintViolation(GraphError):
    pass


class OntologyError(KgError):
    """An invalid ontology file; the message names the file, line and term where known."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 term: str | None = None) -> None:
        where = ":".join(str(p) for p in (path, line) if p is not None)
        parts = [p for p in (where, f"term {term}" if term else None, message) if p]
        super().__init__(": ".join(parts))
        self.path = path
        self.line = line
        self.term = term
