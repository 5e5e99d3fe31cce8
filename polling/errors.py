"""Domain errors and the one handler that turns any error into an HTML page or a JSON body.

Services raise :class:`PulseError` subclasses; views never catch them. A refusal always says
what was wrong and how to fix it; a user never sees a traceback.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import exc as sqlalchemy_exc
from werkzeug.exceptions import HTTPException, InternalServerError


class PulseError(Exception):
    """Base of domain errors: an HTTP status, a message for people, optional field errors."""

    status = 400
    code = "bad_request"

    def __init__(self, message: object, *, fields: dict[str, list[object]] | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.fields = fields or {}


class InvalidInput(PulseError):
    status = 422
    code = "invalid_input"

    @classmethod
    def for_field(cls, field: str, message: object) -> InvalidInput:
        return cls(message, fields={field: [message]})


class NotAuthenticated(PulseError):
    status = 401
    code = "not_authenticated"


class Forbidden(PulseError):
    status = 403
    code = "forbidden"


class NotFound(PulseError):
    status = 404
    code = "not_found"


class Conflict(PulseError):
    status = 409
    code = "conflict"


class TooManyAttempts(PulseError):
    """Throttled: try again after ``retry_after`` seconds."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, message: object, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


# Failures of the database or Redis that a retry a few seconds later may not meet: lost or refused
# connections, timeouts, a locked SQLite file, a pool with no free connection.
TRANSIENT: tuple[type[BaseException], ...] = (
    sqlalchemy_exc.OperationalError,
    sqlalchemy_exc.InterfaceError,
    sqlalchemy_exc.TimeoutError,
    sqlalchemy_exc.PendingRollbackError,
    RedisConnectionError,
    RedisTimeoutError,
)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, sqlalchemy_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, TRANSIENT)


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _answer(
    status: int,
    code: str,
    message: object,
    description: object = "",
    fields: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[Response | str, int, dict[str, str]]:
    if wants_json():
        body: dict[str, Any] = {"code": status, "status": code, "message": str(message)}
        if description:
            body["description"] = str(description)
        if fields:
            body["errors"] = {name: [str(m) for m in msgs] for name, msgs in fields.items()}
        return jsonify(body), status, headers or {}
    try:
        html = render_template(
            "errors/error.html", status=status, message=message, description=description, fields=fields or {}
        )
    except Exception:  # noqa: BLE001 - the error page itself failed: answer plainly rather than with a traceback
        html = f"<!doctype html><title>{status}</title><h1>{escape(str(message))}</h1>"
    return html, status, headers or {}


_HTTP_MESSAGES = {
    400: (_l("The request could not be understood."), _l("Check the form or request body and try again.")),
    401: (
        _l("You need to log in first."),
        _l("Log in, or send an API token as 'Authorization: Bearer <token>'."),
    ),
    403: (
        _l("You are not allowed to see this page."),
        _l("Log in with an account that has access, or go back."),
    ),
    404: (_l("Page not found."), _l("Check the address; the item may have been removed.")),
    405: (_l("This method is not allowed here."), _l("Use one of the methods listed in the Allow header.")),
    413: (_l("The upload is too large."), _l("Send a smaller file or body.")),
    415: (_l("Unsupported content type."), _l("Send JSON with 'Content-Type: application/json'.")),
    422: (_l("Some fields are not valid."), _l("Correct the fields listed and send again.")),
    429: (_l("Too many attempts."), _l("Wait a minute before trying again.")),
    500: (_l("Something went wrong on our side."), _l("The error was logged; please try again later.")),
    503: (
        _l("Pulse is briefly unavailable."),
        _l("Nothing was lost; try again in a few seconds (see Retry-After)."),
    ),
}


def _field_errors(exc: HTTPException) -> dict[str, Any] | None:
    data = getattr(exc, "data", None)
    if not isinstance(data, dict):
        return None
    messages = data.get("messages")
    if not isinstance(messages, dict):
        return None
    flat: dict[str, Any] = {}
    for location in messages.values():  # webargs groups errors by location (json, query, ...)
        if isinstance(location, dict):
            for name, msgs in location.items():
                flat[str(name)] = msgs if isinstance(msgs, list) else [msgs]
    return flat


MAX_JSON_DEPTH = 32
MAX_JSON_NUMBER = 40  # characters: more than any id, count or year Pulse takes


def json_body_problem(body: bytes) -> object | None:
    """Why a JSON body is refused before parsing: nesting deeper than Python's parser survives, or
    a number longer than any Pulse takes (int() of 4,300+ digits raises). One pass, no parsing."""
    depth = run = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
            continue
        if byte == 0x22:
            in_string, run = True, 0
        elif byte in b"[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return _l("The JSON body is nested more than %(n)d levels deep.", n=MAX_JSON_DEPTH)
        elif byte in b"]}":
            depth -= 1
        if 0x30 <= byte <= 0x39 or byte in b"+-.eE":
            run += 1
            if run > MAX_JSON_NUMBER:
                return _l("A number in the JSON body has more than %(n)d characters.", n=MAX_JSON_NUMBER)
        else:
            run = 0
    return None


def _check_json_body() -> None:
    if request.is_json and request.content_length != 0:
        problem = json_body_problem(request.get_data(cache=True))
        if problem is not None:
            raise InvalidInput(problem, fields={"body": [problem]})


def init_app(app: Flask) -> None:
    app.before_request(_check_json_body)

    @app.errorhandler(PulseError)
    def handle_domain_error(exc: PulseError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 and wants_json() else None
        if isinstance(exc, TooManyAttempts):
            headers = {"Retry-After": str(exc.retry_after)}
        return _answer(exc.status, exc.code, exc.message, fields=exc.fields, headers=headers)

    @app.errorhandler(CSRFError)
    def handle_csrf(exc: CSRFError):
        return _answer(
            400,
            "csrf_failed",
            _l("The form expired or was sent from another site."),
            _l("Reload the page and send the form again."),
        )

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        status = exc.code or 500
        message, description = _HTTP_MESSAGES.get(status, (exc.name, exc.description))
        headers = {k: v for k, v in exc.get_headers() if k.lower() in {"allow", "retry-after"}}
        if isinstance(exc, CSRFError):
            return handle_csrf(exc)
        return _answer(
            status, exc.name.lower().replace(" ", "_"), message, description, _field_errors(exc), headers
        )

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return handle_http(exc)
        _discard_session()
        if is_transient(exc):
            app.logger.warning("transient failure on %s %s: %s", request.method, request.path, exc)
            message, description = _HTTP_MESSAGES[503]
            retry = str(app.config.get("RETRY_AFTER", 5))
            return _answer(503, "unavailable", message, description, headers={"Retry-After": retry})
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return handle_http(InternalServerError())


def _discard_session() -> None:
    """The request's session must not keep a broken transaction; after a lost connection even the
    rollback can fail, and must not turn a 503 into a 500 (the pool then replaces the connection)."""
    session = g.get("db_session")
    if session is not None:
        try:
            session.rollback()
        except sqlalchemy_exc.SQLAlchemyError:
            session.invalidate()
