"""Turns the OpenAPI document into what the reference page renders (no JavaScript, no CDN)."""

from markupsafe import Markup, escape

CODE = Markup("<code>%s</code>")
METHOD_ORDER = ("get", "post", "put", "patch", "delete")


def prose(text: str) -> Markup:
    """Escaped text whose `backticked` spans become <code>."""
    parts = (text or "").split("`")
    if len(parts) % 2 == 0:  # an unmatched backtick: show the text as it is
        return escape(text or "")
    return Markup("").join(escape(part) if index % 2 == 0 else CODE % part for index, part in enumerate(parts))


def _resolve(spec: dict, node):
    while isinstance(node, dict) and "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = spec["components"][kind][name]
    return node


def _type_label(spec: dict, schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    schema = _resolve(spec, schema)
    kind = schema.get("type", "object")
    if kind == "array":
        return f"array of {_type_label(spec, schema.get('items', {}))}"
    label = f"{kind} ({schema['format']})" if "format" in schema else kind
    if "enum" in schema:
        label += ": " + ", ".join(str(value) for value in schema["enum"] if value is not None)
    return label


def schema_rows(spec: dict, schema: dict) -> list[dict]:
    schema = _resolve(spec, schema)
    required = set(schema.get("required", []))
    rows = []
    for name, prop in (schema.get("properties") or {}).items():
        resolved = _resolve(spec, prop)
        rows.append(
            {
                "name": name,
                "type": _type_label(spec, prop),
                "required": name in required,
                "read_only": bool(resolved.get("readOnly")),
                "nullable": bool(resolved.get("nullable")),
                "description": prose(resolved.get("description", "") or resolved.get("title", "")),
                "children": schema_rows(spec, resolved) if resolved.get("x-custom-fields") else [],
            }
        )
    return rows


def _operation(spec: dict, path: str, method: str, operation: dict) -> dict:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    return {
        "anchor": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
        "method": method.upper(),
        "path": path,
        "summary": operation.get("summary", ""),
        "description": prose(operation.get("description", "")),
        "parameters": [
            {
                "name": param["name"],
                "in": param["in"],
                "required": param.get("required", False),
                "type": _type_label(spec, param.get("schema", {})),
                "description": prose(param.get("description", "")),
            }
            for param in (_resolve(spec, p) for p in operation.get("parameters", []))
        ],
        "body": _type_label(spec, body) if body else None,
        "responses": [
            (code, _resolve(spec, response).get("description", ""))
            for code, response in operation.get("responses", {}).items()
        ],
    }


def reference_from_spec(spec: dict) -> dict:
    sections: dict[str, list] = {tag["name"]: [] for tag in spec.get("tags", [])}
    for path, item in spec.get("paths", {}).items():
        for method in METHOD_ORDER:
            if method in item:
                operation = item[method]
                for tag in operation.get("tags", ["other"]):
                    sections.setdefault(tag, []).append(_operation(spec, path, method, operation))
    descriptions = {tag["name"]: tag.get("description", "") for tag in spec.get("tags", [])}
    return {
        "title": spec["info"]["title"],
        "version": spec["info"]["version"],
        "description": prose(spec["info"].get("description", "")),
        "server": (spec.get("servers") or [{"url": ""}])[0]["url"],
        "sections": [
            {"name": name, "description": descriptions.get(name, ""), "operations": operations}
            for name, operations in sections.items()
            if operations
        ],
        "schemas": [
            {"name": name, "rows": schema_rows(spec, schema)}
            for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items())
            if schema.get("properties")
        ],
    }
