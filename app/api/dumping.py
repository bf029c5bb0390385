"""Response schemas dumped without marshmallow's per-field machinery.

A page of 25 contacts is some 950 field dumps; through `Schema.dump` each one goes through
`Field.serialize`, `get_value`, the accessor and `_serialize`, which made marshmallow the
largest piece of Python in an API list (a seventh of its time). `compile_dump(schema)` reads
the schema once and returns a function that gives the same output as `schema.dump`: for the
field types the API uses it calls what `_serialize` would call, and every other field (and
every schema with pre- or post-dump hooks) still goes through marshmallow itself.
"""

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP

Dump = Callable[[Any], Any]
Convert = Callable[[Any], Any]

_TEMPORAL_FORMATS = ("iso", "iso8601")


def compile_dump(schema: Schema, *, many: bool | None = None) -> Dump:
    """`schema.dump` (with `many` as the schema or the caller says), compiled."""
    many = schema.many if many is None else many
    if _has_dump_hooks(schema) or type(schema).get_attribute is not Schema.get_attribute:
        return lambda obj: schema.dump(obj, many=many)
    members = [_member(schema, name, field) for name, field in schema.dump_fields.items()]
    make = schema.dict_class

    def dump_one(obj):
        result = make()
        for key, read, convert in members:
            value = read(obj)
            if value is not missing:
                result[key] = convert(value)
        return result

    if many:
        return lambda objs: None if objs is None else [dump_one(obj) for obj in objs]
    return dump_one


def _has_dump_hooks(schema: Schema) -> bool:
    return bool(schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP])


def _member(schema: Schema, name: str, field: fields.Field) -> tuple[str, Callable, Convert]:
    """(output key, how to read the value with its default, how to convert it)."""
    key = field.data_key if field.data_key is not None else name
    convert = _converter(field)
    attribute = field.attribute or name
    if convert is None or not field._CHECK_ATTRIBUTE or "." in attribute:
        # marshmallow's own path for this field, value and all; `missing` drops the key.
        return key, lambda obj: field.serialize(name, obj, accessor=schema.get_attribute), _same
    return key, _reader(attribute, field.dump_default), convert


def _same(value):
    return value


def _reader(attribute: str, default) -> Callable[[Any], Any]:
    """What `Field.get_value` with the schema's default accessor returns, then the default."""

    def read(obj):
        if isinstance(obj, dict) and attribute in obj:
            value = obj[attribute]
        elif hasattr(obj, "__getitem__"):
            try:
                value = obj[attribute]
            except (KeyError, IndexError, TypeError, AttributeError):
                value = getattr(obj, attribute, missing)
        else:
            value = getattr(obj, attribute, missing)
        if value is missing:
            value = default() if callable(default) else default
        return value

    return read


def _converter(field: fields.Field) -> Convert | None:
    """The value's conversion, as `field._serialize` does it; None: let marshmallow do it."""
    kind = type(field)
    if kind is fields.String:
        return _as_text
    if kind is fields.UUID:
        return lambda value: None if value is None else str(value)
    if kind is fields.Integer and not field.as_string:
        return lambda value: value if value is None or type(value) is int else field._serialize(value, None, None)
    if kind is fields.Boolean:
        return lambda value: (
            value if value is None or value is True or value is False else field._serialize(value, None, None)
        )
    if kind in (fields.DateTime, fields.Date) and field.format in _TEMPORAL_FORMATS:
        to_text = field.SERIALIZATION_FUNCS[field.format]
        return lambda value: None if value is None else to_text(value)
    if kind is fields.Decimal:
        return lambda value: field._serialize(value, None, None)
    if kind is fields.Nested:
        nested = compile_dump(field.schema, many=field.schema.many or field.many)
        return lambda value: None if value is None else nested(value)
    if kind is fields.List:
        inner = _converter(field.inner)
        if inner is None:
            return None
        return lambda value: None if value is None else [inner(each) for each in value]
    if kind is fields.Dict:
        return _mapping_converter(field)
    return None


def _mapping_converter(field: fields.Dict) -> Convert | None:
    """`Dict._serialize`: keys and values each through their own field, when they have one."""
    keys = _converter(field.key_field) if field.key_field is not None else _same
    values = _converter(field.value_field) if field.value_field is not None else _same
    if keys is None or values is None:
        return None
    if keys is _same and values is _same:
        return lambda mapping: None if mapping is None else dict(mapping)
    return lambda mapping: None if mapping is None else {keys(key): values(item) for key, item in mapping.items()}


def _as_text(value):
    # `str` of what is not already text; bytes are decoded, as marshmallow does.
    if value is None or type(value) is str:
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)
