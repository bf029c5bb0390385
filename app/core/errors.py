"""Domain errors and their one rendering: an HTML page, or `{"error": {...}}` for the API."""

import logging

from flask import jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
}


def http_code(status: int) -> str:
    """The machine-readable code of an HTTP status: `not_found` for 404, `error` for one we do not name."""
    return HTTP_CODES.get(status, "error")


class AppError(Exception):
    """A refusal with its HTTP status. `code` is the status's own (`http_code`) unless a subclass
    declares one: a subclass that sets only `status_code` gets that status's code. `template` is
    its HTML page; None is the page of its status."""

    status_code = 400
    code = http_code(status_code)
    template: str | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "status_code" in vars(cls) and "code" not in vars(cls):
            cls.code = http_code(cls.status_code)

    def __init__(self, message: str, *, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def detail_messages(self) -> list[str]:
        """Every message of `details`, field after field: what a flash or a log line shows."""
        return [message for messages in self.details.values() for message in messages]

    def one_line(self) -> str:
        """The refusal as one line for a flash or a JSON answer: the field messages of `details`,
        or `message` when there are none. Values that are not lists of messages are facts, not
        sentences (a plan limit's `limit` and `used`), and stay out."""
        messages = [message for value in self.details.values() if isinstance(value, list) for message in value]
        return " ".join(messages) or self.message


class ValidationFailed(AppError):
    """Input broke a business rule; `details` maps field names to lists of messages."""

    status_code = 422


class PermissionDenied(AppError):
    status_code = 403


class Conflict(AppError):
    status_code = 409


class RateLimited(AppError):
    """Too many attempts: an API key's burst or day, or sign-in guesses. The message says which."""

    status_code = 429


class PlanRefusal(AppError):
    """The plan does not allow it: 402 and the page that links to the plans (`details` carries
    `upgrade_url`)."""

    status_code = 402
    template = "errors/plan.html"


class PlanLimitExceeded(PlanRefusal):
    code = "plan_limit"


class FeatureNotAvailable(PlanRefusal):
    code = "plan_feature"


class TenantReadOnly(AppError):
    status_code = 403
    code = "read_only"
    template = "errors/read_only.html"


def is_api_request() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json" and not request.accept_mimetypes.accept_html
    )


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


FRIENDLY_MESSAGES = {
    400: "The request could not be understood.",
    401: "You need to sign in.",
    403: "You do not have access to this.",
    404: "Not found.",
    405: "That method is not allowed here.",
    429: "Too many requests. Please wait a moment and try again.",
    500: "Something went wrong on our side. It has been logged.",
}


def error_response(status: int, code: str, message: str, details: dict | None = None):
    """The JSON refusal: `{"error": {...}}` with its HTTP status."""
    response = jsonify(error_body(code, message, details))
    response.status_code = status
    return response


def http_error_message(error: HTTPException) -> str:
    """Our words for a status where we have them, werkzeug's description otherwise."""
    return FRIENDLY_MESSAGES.get(error.code or 500, error.description or "")


def allow_methods(response, error: HTTPException):
    """A 405 names the methods the URL does accept."""
    if error.code == 405:
        response.headers["Allow"] = ", ".join(error.valid_methods or [])
    return response


def _render(status: int, code: str, message: str, details: dict | None = None, template: str | None = None, **ctx):
    if is_api_request():
        return error_response(status, code, message, details)
    page = template or f"errors/{status if status in (400, 403, 404, 429, 500) else 'generic'}.html"
    return render_template(page, status=status, message=message, code=code, details=details or {}, **ctx), status


def handle_app_error(error: AppError):
    return _render(error.status_code, error.code, error.message, error.details, template=error.template)


def handle_http_error(error: HTTPException):
    status = error.code or 500
    response = make_response(_render(status, http_code(status), http_error_message(error)))
    return allow_methods(response, error)


def handle_csrf_error(error: CSRFError):
    return _render(400, "csrf_failed", "Your form expired or came from another page. Please try again.")


def handle_unexpected_error(error: Exception):
    log.exception("unhandled error", exc_info=error)
    return _render(500, http_code(500), FRIENDLY_MESSAGES[500])


def register_error_handlers(app) -> None:
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    if not app.config.get("PROPAGATE_EXCEPTIONS") and not app.debug:
        app.register_error_handler(Exception, handle_unexpected_error)
