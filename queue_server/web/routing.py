"""One declaration per API route: path, method, who may call it, request and response schemas.

The same declaration drives three things, so they cannot disagree: the aiohttp router, the
auth middleware (which refuses a caller before the handler reads the body), and the OpenAPI
document. Request bodies are checked against the declared JSON schema with messages that name
the field.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PUBLIC: frozenset[str] = frozenset()  # readable by anyone: no personal data behind these


@dataclass
class ApiRoute:
    method: str
    path: str
    handler: Handler
    summary: str
    roles: frozenset[str] | None  # None: public
    tag: str
    body: dict[str, Any] | None = None
    response: dict[str, Any] = field(default_factory=lambda: {"type": "object"})
    status: int = 200
    description: str = ""
    public_write_reason: str = ""  # why an anonymous caller may change state here (sign-in only)
    other_statuses: tuple[int, ...] = ()  # answers beyond the usual ones (e.g. 429 for sign-in)
    media_type: str = "application/json"  # what a success answers with (a notice: application/pdf)


# Path parameters that are numbers (read with whole_number): documented as such.
PATH_PARAMETERS = {"window": {"type": "integer", "minimum": 0, "maximum": 999_999_999},
                   "alert": {"type": "integer", "minimum": 0, "maximum": 999_999_999}}

STATUS_NAMES = {400: "BadRequest", 401: "Unauthenticated", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
                429: "TooManyRequests", 503: "Unavailable"}


ROUTES: list[ApiRoute] = []


def api(method: str, path: str, *, summary: str, roles: frozenset[str] | None, tag: str,
        body: dict | None = None, response: dict | None = None, status: int = 200,
        description: str = "", public_write_reason: str = "",
        other_statuses: tuple[int, ...] = (), media_type: str = "application/json") -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ROUTES.append(ApiRoute(method, path, handler, summary, roles, tag, body,
                               response or {"type": "object"}, status, description or (handler.__doc__ or "").strip(),
                               public_write_reason, other_statuses, media_type))
        # An attribute of the handler (not a table beside it), so that a wrapper made with
        # functools.wraps, which copies __dict__, is still known as the route; mypy knows no
        # attributes of a callable, hence the one ignore.
        handler.__yimen_route__ = ROUTES[-1]  # type: ignore[attr-defined]
        return handler
    return register


def body_required(schema: dict) -> bool:
    """Whether a request must carry a body: the schema asks for fields of it."""
    return bool(schema.get("required") or schema.get("minProperties") or schema.get("oneOf"))


def public_path(path: str) -> str:
    """The path as documented: `{ticket:PATTERN}` (the router's) becomes `{ticket}`."""
    return re.sub(r"{(\w+):[^{}]+}", r"{\1}", path)


def route_of(handler: Any) -> ApiRoute | None:
    return getattr(handler, "__yimen_route__", None)


# ---------------------------------------------------------------- schema helpers


def obj(properties: dict[str, dict], required: tuple[str, ...] = (), **extra: Any) -> dict:
    return {"type": "object", "properties": properties, "required": list(required),
            "additionalProperties": False, **extra}


def string(max_length: int = 200, **extra: Any) -> dict:
    """A string; a `pattern` must match the whole value (anchored, as JSON Schema reads it)."""
    if "pattern" in extra:
        extra["pattern"] = f"^(?:{extra['pattern']})$"
    return {"type": "string", "maxLength": max_length, **extra}


def integer(minimum: int | None = None, maximum: int | None = None) -> dict:
    out: dict[str, Any] = {"type": "integer"}
    if minimum is not None:
        out["minimum"] = minimum
    if maximum is not None:
        out["maximum"] = maximum
    return out


def date_string() -> dict:
    return {"type": "string", "format": "date", "maxLength": 10}


def time_string() -> dict:
    """An ISO 8601 / RFC 3339 time; without an offset it is taken in the hall's time zone."""
    return {"type": "string", "format": "date-time", "maxLength": 40}


def one_of_fields(*fields: str) -> list[dict]:
    """`oneOf`: exactly one of these fields must be given."""
    return [{"required": [f]} for f in fields]


def nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


def whole_number(text: str, what: str) -> int:
    """A number from a path or query: ASCII digits only (Python's int() also takes '²' or '٣')."""
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise BodyError(what, "must be a whole number")
    return int(text)


def printable(text: str) -> str:
    """`text` made safe to echo back in a message (a lone surrogate cannot be encoded)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class BodyError(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


def check(value: Any, schema: dict, where: str = "") -> None:
    """Raise BodyError naming the first field that does not match `schema` (a JSON-schema subset)."""
    if value is None:
        if schema.get("nullable"):
            return
        raise BodyError(where, "must not be null")
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict):
            raise BodyError(where, "must be a JSON object")
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                raise BodyError(_join(where, key), "is required")
        if len(value) < schema.get("minProperties", 0):
            raise BodyError(where, f"needs at least one of: {', '.join(props)}")
        if "oneOf" in schema:
            fields = [alt["required"][0] for alt in schema["oneOf"]]
            if sum(1 for f in fields if f in value) != 1:
                raise BodyError(where, f"give exactly one of {' or '.join(fields)}")
        if schema.get("additionalProperties") is False:
            for key in value:
                if key not in props:
                    raise BodyError(_join(where, printable(key)), f"unknown field; allowed: {', '.join(props) or 'none'}")
        for key, sub in props.items():
            if key in value:
                check(value[key], sub, _join(where, key))
    elif kind == "string":
        if not isinstance(value, str):
            raise BodyError(where, "must be a string")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BodyError(where, "must be valid Unicode text") from None
        if len(value) > schema.get("maxLength", 10_000):
            raise BodyError(where, f"is longer than {schema['maxLength']} characters")
        if len(value) < schema.get("minLength", 0):
            raise BodyError(where, f"needs at least {schema['minLength']} characters")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            raise BodyError(where, schema.get("x-pattern-message", f"must match {schema['pattern']}"))
        if schema.get("format") == "date" and not _parses(date.fromisoformat, value, r"\d{4}-\d{2}-\d{2}"):
            raise BodyError(where, "must be a real date, YYYY-MM-DD")
        if schema.get("format") == "date-time" and not _parses(datetime.fromisoformat, value, r"\d{4}-\d{2}-\d{2}[Tt ].+"):
            raise BodyError(where, "must be an ISO 8601 time, e.g. 2026-11-23T09:30:00+08:00")
    elif kind in ("integer", "number"):
        ok = isinstance(value, int) if kind == "integer" else isinstance(value, int | float)
        if not ok or isinstance(value, bool):
            raise BodyError(where, f"must be {'a whole number' if kind == 'integer' else 'a number'}")
        if "minimum" in schema and value < schema["minimum"]:
            raise BodyError(where, f"must be at least {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            raise BodyError(where, f"must be at most {schema['maximum']}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise BodyError(where, "must be true or false")
    elif kind == "array":
        if not isinstance(value, list):
            raise BodyError(where, "must be a list")
        for i, item in enumerate(value):
            check(item, schema.get("items", {}), f"{where}[{i}]")
    if "enum" in schema and value not in schema["enum"]:
        raise BodyError(where, f"must be one of {', '.join(map(str, schema['enum']))}")


def _parses(parse: Callable[[str], Any], value: str, shape: str) -> bool:
    if not re.fullmatch(shape, value):
        return False
    try:
        parse(value)
    except ValueError:
        return False
    return True


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


# ---------------------------------------------------------------- OpenAPI


def openapi(title: str, version: str) -> dict[str, Any]:
    paths: dict[str, dict] = {}
    for r in ROUTES:
        op: dict[str, Any] = {
            "summary": r.summary, "tags": [r.tag], "operationId": r.handler.__name__,
            "responses": {str(r.status): {"description": "OK", "content": {r.media_type: {"schema": r.response}}}},
            "x-roles": sorted(r.roles) if r.roles is not None else None,
        }
        if r.description:
            op["description"] = r.description
        if r.public_write_reason:
            op["x-public-write-reason"] = r.public_write_reason
        responses = op["responses"]
        if r.roles is not None:
            people = bool(r.roles & {"clerk", "manager", "admin"})
            devices = bool(r.roles - {"clerk", "manager", "admin"})
            op["security"] = ([{"sessionCookie": [], "csrfHeader": []}] if people else []) + \
                ([{"bearerDevice": []}] if devices else [])
            responses["401"] = {"$ref": "#/components/responses/Unauthenticated"}
            responses["403"] = {"$ref": "#/components/responses/Forbidden"}
        else:
            op["security"] = []
        params = [{"name": name, "in": "path", "required": True,
                   "schema": PATH_PARAMETERS.get(name) or {"type": "string", **({"pattern": f"^(?:{pattern})$"}
                                                                             if pattern else {})}}
                  for name, pattern in re.findall(r"{(\w+)(?::([^{}]+))?}", r.path)]
        if params:
            op["parameters"] = params
            responses["400"] = {"$ref": "#/components/responses/BadRequest"}
            responses["404"] = {"$ref": "#/components/responses/NotFound"}
        if r.body is not None:
            op["requestBody"] = {"required": body_required(r.body), "content": {"application/json": {"schema": r.body}}}
            responses["400"] = {"$ref": "#/components/responses/BadRequest"}
        if r.method != "GET":
            responses.setdefault("409", {"$ref": "#/components/responses/Conflict"})
            responses.setdefault("422", {"$ref": "#/components/responses/Unprocessable"})
            responses["503"] = {"$ref": "#/components/responses/Unavailable"}
        for status in r.other_statuses:
            responses[str(status)] = {"$ref": f"#/components/responses/{STATUS_NAMES[status]}"}
        paths.setdefault(public_path(r.path), {})[r.method.lower()] = op
    error = {"type": "object", "required": ["error", "message"],
             "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}
    responses = {name: {"description": text, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
                 for name, text in (("Unauthenticated", "no valid device token or session"),
                                    ("Forbidden", "authenticated, but not allowed (role, window, or missing CSRF token)"),
                                    ("BadRequest", "the body is not JSON or does not match the schema"),
                                    ("Conflict", "the hall's state does not allow this now; `message` says why"),
                                    ("Unprocessable", "the request names something unknown or breaks a hall rule"),
                                    ("NotFound", "no such ticket, window, alert or item"),
                                    ("TooManyRequests", "too many attempts or connections from this caller; see Retry-After"),
                                    ("Unavailable", "the database is busy or full, or the server is busy; nothing was changed"))}
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": version,
                 "description": "Yimen queue server. Devices send `Authorization: Bearer <token>`; people sign in "
                                "at POST /api/v1/session and send the session cookie plus `X-CSRF-Token`."},
        "paths": paths,
        "components": {
            "schemas": {"Error": error},
            "responses": responses,
            "securitySchemes": {
                "bearerDevice": {"type": "http", "scheme": "bearer", "description": "device token from `yimen device add`"},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "yimen_session"},
                "csrfHeader": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            },
        },
    }
