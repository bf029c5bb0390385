"""The API's error body `{"error": {"code", "message", "details"}}` for every refusal under /api/v1."""

from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from app.core.errors import AppError, allow_methods, error_response, http_code, http_error_message
from app.core.validation import CORRECT_THE_FIELDS

# A refusal of fields, in the API's words (a form page says "correct the highlighted fields").
INVALID_FIELDS = "The request has invalid fields."


class Unauthorized(AppError):
    """No key, an unknown or revoked key, or a key of another tenant: one answer for all."""

    status_code = 401


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"description": "Stable machine-readable code"})
    message = fields.String(required=True, metadata={"description": "Human-readable explanation"})
    details = fields.Dict(
        required=True,
        metadata={"description": "Per-field messages for 422; resource, limit, used, upgrade_url for 402"},
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


def _string_keys(value):
    """Marshmallow keys list items by int; JSON (and sorted dumping) needs strings."""
    if isinstance(value, dict):
        return {str(key): _string_keys(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_string_keys(item) for item in value]
    return value


def field_messages(messages) -> dict:
    """webargs groups messages by location ({"json": {...}, "query": {...}}); clients want fields."""
    details: dict = {}
    for location, errors in (messages or {}).items():
        if isinstance(errors, dict):
            for name, problems in errors.items():
                details.setdefault(str(name), []).extend(problems if isinstance(problems, list) else [problems])
        else:
            details.setdefault("_body" if location == "json" else str(location), []).extend(
                errors if isinstance(errors, list) else [errors]
            )
    return _string_keys(details)


def handle_http_error(error: HTTPException):
    """HTTP errors raised inside an API view, including webargs' 400/422 with their messages."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    details = field_messages(data.get("messages")) if data.get("messages") else {}
    if status == 422:
        message = INVALID_FIELDS
    elif status == 400 and details:
        message = "The request body is not valid JSON."
    else:
        message = http_error_message(error)
    response = error_response(status, http_code(status), message, details)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    return allow_methods(response, error)


def handle_app_error(error: AppError):
    message = INVALID_FIELDS if error.message == CORRECT_THE_FIELDS else error.message
    response = error_response(error.status_code, error.code, message, _string_keys(error.details))
    if isinstance(error, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
