"""SPARQL federation (``SERVICE``) is off unless the endpoint is listed in a setting.

Oxigraph answers ``SERVICE <iri> { … }`` by an HTTP request to the IRI, so an analyst's query
could make the server fetch any address it can reach, ``SERVICE SILENT`` even without seeing an
error. Queries are scanned with a small SPARQL lexer (strings, IRIs and comments are skipped,
so a literal that says "customer service" is not mistaken for the keyword), and each
``SERVICE`` must name an IRI from ``KG_SPARQL_FEDERATION_ENDPOINTS``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_TOKEN = re.compile(r'''
  (?P<comment>\#[^\n]*)
| (?P<string>"""(?:[^"\\]|\\.|"(?!""))*+"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*+\'\'\'
            |"(?:[^"\\\n]|\\.)*+"|'(?:[^'\\\n]|\\.)*+')
| (?P<iri><[^<>"{}|^`\\\s]*+>)
| (?P<word>[?$]\w++|[A-Za-z_][\w\-.]*+(?::[\w\-.%]*+)?|:[\w\-.%]*+)
| (?P<other>\S)
''', re.VERBOSE)


_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _unescaped(query: str) -> str:
    """SPARQL replaces \\u and \\U escapes before it parses, so the lexer must see them too."""
    def char(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else "\ufffd"
    return _CODEPOINT.sub(char, query)


class FederationRefused(Exception):
    """The query calls a SERVICE that is not allowed; the message names it."""


def service_endpoints(query: str) -> list[str]:
    """The endpoint of every ``SERVICE`` in the query (a variable or prefixed name as written)."""
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(_unescaped(query))
              if m.lastgroup not in ("comment",)]
    endpoints: list[str] = []
    for index, (kind, text) in enumerate(tokens):
        if kind == "word" and text.upper() == "SERVICE":
            following = [t for _, t in tokens[index + 1:index + 3]]
            if following and following[0].upper() == "SILENT":
                following = following[1:]
            endpoints.append(following[0] if following else "")
    return endpoints


def check_federation(query: str, allowed: Iterable[str]) -> None:
    """Raise :class:`FederationRefused` unless every SERVICE names an allowed endpoint."""
    permitted = {f"<{iri}>" for iri in allowed}
    for endpoint in service_endpoints(query):
        if endpoint not in permitted:
            raise FederationRefused(
                f"SPARQL SERVICE {endpoint or '(no endpoint)'} is not allowed: federation is "
                "off unless the endpoint is listed in KG_SPARQL_FEDERATION_ENDPOINTS")
