"""Base of every API input schema: what no field may contain, whatever its own rules."""

from collections.abc import Mapping

from marshmallow import Schema, ValidationError, pre_load

from app.core.validation import keys_with_nul

NUL_MESSAGE = "Text cannot contain NUL (\\u0000) characters."


class InputSchema(Schema):
    """PostgreSQL text cannot hold NUL, so it is refused as a 422 here rather than a 500 there."""

    @pre_load(pass_collection=True)
    def refuse_nul_characters(self, data, **kwargs):
        if isinstance(data, Mapping):
            bad = keys_with_nul(data)
            if bad:
                raise ValidationError({key: [NUL_MESSAGE] for key in bad})
        return data
