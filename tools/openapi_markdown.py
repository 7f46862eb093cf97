"""The API reference page: the app's OpenAPI schema rendered as Markdown tables.

The documentation site is static and loads nothing from elsewhere, so the schema is not shown
by Swagger UI there (the running server does that at ``/docs``, from npm's ``swagger-ui-dist``);
instead each operation becomes a section with its parameters, body and responses, and each
component schema a table of its fields, linked by anchors the strict build checks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")
REF_PREFIX = "#/components/schemas/"


def anchor(name: str) -> str:
    """The anchor of a component schema's section."""
    return "schema-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _cell(text: str) -> str:
    """Text that stays inside one Markdown table cell."""
    flat = " ".join(text.split())
    return flat.replace("|", "\\|").replace("<", "&lt;")


def _paragraph(text: str) -> str:
    return " ".join(text.split()).replace("<", "&lt;")


def type_of(schema: Mapping[str, Any]) -> str:
    """A schema's type in a few words, component schemas as links to their sections."""
    if "$ref" in schema:
        name = str(schema["$ref"]).removeprefix(REF_PREFIX)
        return f"[`{name}`](#{anchor(name)})"
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            return " or ".join(type_of(part) for part in schema[combinator])
    if "allOf" in schema:
        return " and ".join(type_of(part) for part in schema["allOf"])
    if "enum" in schema:
        return "one of " + ", ".join(f"`{value}`" for value in schema["enum"])
    if "const" in schema:
        return f"`{schema['const']}`"
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items")
        return f"list of {type_of(items)}" if isinstance(items, Mapping) and items else "list"
    if kind == "object":
        extra = schema.get("additionalProperties")
        if isinstance(extra, Mapping) and extra:
            return f"object of {type_of(extra)}"
        return "object"
    if isinstance(kind, str):
        fmt = schema.get("format")
        return f"{kind} ({fmt})" if fmt else kind
    return "any"


def _range(low: Any, high: Any, unit: str = "") -> str:
    if low is not None and high is not None:
        return f"{low} to {high}{unit}"
    return f"≥ {low}{unit}" if low is not None else f"≤ {high}{unit}"


def _limits(schema: Mapping[str, Any]) -> str:
    """Default and bounds, where the schema states them."""
    parts: list[str] = []
    if "default" in schema:
        parts.append(f"default `{json.dumps(schema['default'])}`")
    if "minimum" in schema or "maximum" in schema:
        parts.append(_range(schema.get("minimum"), schema.get("maximum")))
    if "exclusiveMinimum" in schema:
        parts.append(f"> {schema['exclusiveMinimum']}")
    if "exclusiveMaximum" in schema:
        parts.append(f"< {schema['exclusiveMaximum']}")
    if "minLength" in schema or "maxLength" in schema:
        parts.append(_range(schema.get("minLength"), schema.get("maxLength"), " characters"))
    if "minItems" in schema or "maxItems" in schema:
        parts.append(_range(schema.get("minItems"), schema.get("maxItems"), " items"))
    if "pattern" in schema:
        parts.append(f"pattern `{schema['pattern']}`")
    for part in schema.get("anyOf", ()):
        if isinstance(part, Mapping) and part.get("type") != "null":
            inner = _limits({k: v for k, v in part.items() if k != "default"})
            if inner:
                parts.append(inner)
    return "; ".join(parts)


def _described(description: str, limits: str) -> str:
    text = _cell(description)
    if limits:
        text = f"{text} ({_cell(limits)})" if text else _cell(limits)
    return text


def _parameters(parameters: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = ["| parameter | in | type | required | description |", "|---|---|---|---|---|"]
    for parameter in parameters:
        schema = parameter.get("schema", {})
        description = parameter.get("description") or schema.get("description") or ""
        lines.append(f"| `{parameter['name']}` | {parameter['in']} | {_cell(type_of(schema))} | "
                     f"{'yes' if parameter.get('required') else 'no'} | "
                     f"{_described(description, _limits(schema))} |")
    return lines


def _content(content: Mapping[str, Any]) -> str:
    if not content:
        return ""
    return "; ".join(f"`{media}`: {type_of(body.get('schema', {}))}"
                     for media, body in content.items())


def _operation(method: str, path: str, operation: Mapping[str, Any],
               schemes: Mapping[str, Any]) -> list[str]:
    lines = [f"### `{method.upper()} {path}`", ""]
    if operation.get("summary"):
        lines += [f"**{_paragraph(str(operation['summary']))}**", ""]
    if operation.get("description"):
        lines += [_paragraph(str(operation["description"])), ""]
    security = operation.get("security")
    if security:
        names = sorted({name for requirement in security for name in requirement})
        shown = ", ".join(f"`{schemes.get(name, {}).get('name', name)}` header"
                          for name in names)
        lines += [f"Authentication: {shown}.", ""]
    else:
        lines += ["Authentication: none.", ""]
    if operation.get("parameters"):
        lines += [*_parameters(operation["parameters"]), ""]
    body = operation.get("requestBody")
    if body:
        required = " (required)" if body.get("required") else ""
        lines += [f"Request body{required}: {_content(body.get('content', {}))}", ""]
    lines += ["| status | meaning | body |", "|---|---|---|"]
    for status, response in operation.get("responses", {}).items():
        lines.append(f"| {status} | {_cell(str(response.get('description', '')))} | "
                     f"{_cell(_content(response.get('content', {})))} |")
    return [*lines, ""]


def _schema(name: str, schema: Mapping[str, Any]) -> list[str]:
    lines = [f"### `{name}` {{#{anchor(name)}}}", ""]
    if schema.get("description"):
        lines += [_paragraph(str(schema["description"])), ""]
    properties: Mapping[str, Any] = schema.get("properties", {})
    if not properties:
        return [*lines, f"Type: {type_of(schema)}.", ""]
    required = set(schema.get("required", ()))
    lines += ["| field | type | required | description |", "|---|---|---|---|"]
    for field, spec in properties.items():
        lines.append(f"| `{field}` | {_cell(type_of(spec))} | "
                     f"{'yes' if field in required else 'no'} | "
                     f"{_described(str(spec.get('description', '')), _limits(spec))} |")
    return [*lines, ""]


def render(schema: Mapping[str, Any]) -> str:
    """The whole reference page for one OpenAPI document."""
    info = schema.get("info", {})
    components = schema.get("components", {})
    schemes: Mapping[str, Any] = components.get("securitySchemes", {})
    lines = ["# API reference", "",
             "Generated from the app's OpenAPI schema (`kg_api.main.create_app().openapi()`) "
             "each time the site is built; do not edit by hand. The same schema is "
             "[`openapi.json`](openapi.json) beside this page, and a running `kg serve` serves "
             "it at `/openapi.json` and as Swagger UI at `/docs`. Roles, limits and errors "
             "every request meets: [The query API](api.md).", "",
             f"{info.get('title', '')}, version {info.get('version', '')}, "
             f"OpenAPI {schema.get('openapi', '')}.", ""]
    if info.get("description"):
        lines += [_paragraph(str(info["description"])), ""]
    by_tag: dict[str, list[tuple[str, str, Mapping[str, Any]]]] = {}
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                tag = (operation.get("tags") or ["other"])[0]
                by_tag.setdefault(tag, []).append((method, path, operation))
    for tag, operations in by_tag.items():
        lines += [f"## {tag[:1].upper()}{tag[1:]}", ""]
        for method, path, operation in operations:
            lines += _operation(method, path, operation, schemes)
    lines += ["## Schemas", ""]
    for name, spec in sorted(components.get("schemas", {}).items()):
        lines += _schema(name, spec)
    return "\n".join(lines).rstrip("\n") + "\n"
