"""OpenAPI 3.1 built from what the app really routes, annotated by ``@doc`` on the handlers.

The document walks ``app.router``: a route registered without ``@doc`` still appears (with
its docstring), and nothing appears that is not routed, so the two cannot drift apart. Each
operation gets a stable ``operationId``, a tag (its route module), an example per request body
(``examples.py``), links to the calls its answer leads to (``workflows.py``), and every error
status it can answer, each with the one problem-details schema (``errors.py`` makes them).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .errors import PROBLEM_TYPE
from .examples import EXAMPLES
from .schemas import IDEMPOTENCY_HEADER, MAX_IDEMPOTENCY_KEY, Problem
from .workflows import LINKS

F = TypeVar("F", bound=Callable[..., Any])

SECURITY = {
    "source": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "agent": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT agent token"},
    "user": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT user token"},
    "botframework": {"type": "http", "scheme": "bearer", "bearerFormat": "Bot Connector JWT"},
}
_PARAM = re.compile(r"{(\w+)(?::[^}]*)?}")
_ERROR_TEXT = {
    400: "Not JSON, or not the JSON the route takes (invalid_json)",
    401: "No credential, or not a valid one",
    403: "A valid credential that may not do this",
    404: "No such thing (chat, ticket, attachment, route)",
    409: "Refused by a rule in the chat's current state",
    413: "The body is over the size limit",
    415: "An attachment type that is not allowed",
    422: "The body or query does not validate (errors lists each field)",
    429: "Too many requests from this key or address: see Retry-After",
    503: "The event store does not take writes right now; retry later",
}
_ANY_JSON = {"content": {"application/json": {}}}


@dataclass(frozen=True, slots=True)
class ApiDoc:
    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    auth: tuple[str, ...] = ()
    websocket: bool = False
    also: tuple[int, ...] = ()  # further success statuses (a replayed handoff answers 200)
    errors: tuple[int, ...] = ()  # error statuses beyond the ones the route's shape implies
    content_type: str | None = None  # a success that is not JSON (text/plain, a download)
    idempotent: bool = False  # takes an Idempotency-Key header (retries never duplicate)


def doc(
    summary: str,
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    auth: str | tuple[str, ...] = (),
    websocket: bool = False,
    also: tuple[int, ...] = (),
    errors: tuple[int, ...] = (),
    content_type: str | None = None,
    idempotent: bool = False,
) -> Callable[[F], F]:
    """Describe a handler for the OpenAPI document; apply it below the route decorator."""
    record = ApiDoc(
        summary,
        body,
        query,
        response,
        status,
        (auth,) if isinstance(auth, str) else auth,
        websocket,
        also,
        errors,
        content_type,
        idempotent,
    )

    def mark(handler: F) -> F:
        handler.__apidoc__ = record  # type: ignore[attr-defined]
        return handler

    return mark


def route_path(route: web.AbstractRoute) -> str:
    """The OpenAPI path of a route: its template, with static prefixes as ``{filename}``."""
    resource = route.resource
    if resource is None:
        return ""
    if isinstance(resource, web.StaticResource):
        return resource.canonical.rstrip("/") + "/{filename}"
    return _PARAM.sub(r"{\1}", resource.canonical)


def operation_id(method: str, path: str) -> str:
    """Stable and unique: the method and the path template (what links refer to)."""
    return f"{method.lower()}_{_slug(path)}"


def build_openapi(app: web.Application, title: str, version: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    models: set[type[BaseModel]] = {Problem}
    for route in app.router.routes():
        path = route_path(route)
        if not path:
            continue
        record = getattr(route.handler, "__apidoc__", None) or _undocumented(route.handler)
        models.update(m for m in (record.body, record.response) if m is not None)
        operation = _operation(path, route.method, record)
        operation["tags"] = [_tag(route.handler)]
        paths.setdefault(path, {})[route.method.lower()] = operation
    _add_links(paths)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {"schemas": _schemas(models), "securitySchemes": SECURITY},
    }


def _undocumented(handler: Callable[..., Any]) -> ApiDoc:
    text = inspect.getdoc(handler) or getattr(handler, "__name__", "route")
    return ApiDoc(text.splitlines()[0], content_type="*/*")


def _tag(handler: Callable[..., Any]) -> str:
    """The route module (agents, users, handoffs, ops, pages...): who the routes are for."""
    module = getattr(handler, "__module__", None) or "other"
    return module.rsplit(".", 1)[-1]


def _operation(path: str, method: str, record: ApiDoc) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": record.summary,
        "operationId": operation_id(method, path),
        "parameters": _parameters(path, record),
        "responses": _responses(path, method, record),
    }
    if record.auth:
        operation["security"] = [{name: []} for name in record.auth]
    if record.body is not None and method not in ("GET", "HEAD"):
        media: dict[str, Any] = {"schema": _ref(record.body)}
        if record.body.__name__ in EXAMPLES:
            media["example"] = EXAMPLES[record.body.__name__]
        operation["requestBody"] = {"required": True, "content": {"application/json": media}}
    return operation


def _parameters(path: str, record: ApiDoc) -> list[dict[str, Any]]:
    params = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
        for n in _PARAM.findall(path)
    ]
    if record.query is not None:
        properties = record.query.model_json_schema()["properties"]
        for name, field in record.query.model_fields.items():
            params.append({
                "name": name,
                "in": "query",
                "required": field.is_required(),
                "schema": _not_null(properties[name]),
            })  # fmt: skip
    if record.idempotent:
        params.append({
            "name": IDEMPOTENCY_HEADER,
            "in": "header",
            "required": False,
            "description": "Repeat it on every retry of one call: the call is done once, and a "
            "retry gets the first answer (200). The same key with another body is refused.",
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY},
        })  # fmt: skip
    return params


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query value is never JSON null: drop the null branch of an optional field."""
    schema = {k: v for k, v in schema.items() if k not in ("title", "default")}
    options = [s for s in schema.pop("anyOf", []) if s.get("type") != "null"]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options
    return schema


def _responses(path: str, method: str, record: ApiDoc) -> dict[str, Any]:
    if record.websocket:
        responses: dict[str, Any] = {
            "101": {"description": "WebSocket upgrade; JSON rows follow"},
            "426": _problem("Not a WebSocket upgrade request (Upgrade: websocket)"),
        }
    else:
        success = _success(record)
        responses = {str(s): success for s in (record.status, *record.also)}
    for status in sorted(_error_statuses(path, method, record)):
        responses.setdefault(str(status), _problem(_ERROR_TEXT.get(status, "Refused")))
    return responses


def _success(record: ApiDoc) -> dict[str, Any]:
    if record.content_type is not None:
        return {"description": "Success", "content": {record.content_type: {}}}
    if record.response is None:
        return {"description": "Success", **_ANY_JSON}
    return {
        "description": "Success",
        "content": {"application/json": {"schema": _ref(record.response)}},
    }


def _error_statuses(path: str, method: str, record: ApiDoc) -> set[int]:
    """What the route's shape can answer: credentials, ids in the path, a body, the store."""
    statuses = set(record.errors)
    if record.auth:
        statuses |= {401, 403}
    if _PARAM.search(path):
        statuses.add(404)
    if method not in ("GET", "HEAD"):
        statuses.add(413)  # every route has a body limit, even one that reads no body
    if record.body is not None and method not in ("GET", "HEAD"):
        statuses |= {400, 422}
        if "attachments" in record.body.model_fields:
            statuses.add(415)
    if record.query is not None:
        statuses.add(422)
    if path.startswith("/api/") and record.auth:
        statuses.add(503)  # every API call may commit (due timers run first)
        if method != "GET" or _PARAM.search(path):
            statuses.add(409)  # a command, or a read of a chat that must be in some state
    return statuses


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_TYPE: {"schema": _ref(Problem)}}}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _add_links(paths: dict[str, dict[str, Any]]) -> None:
    """Attach ``workflows.LINKS`` to the success answers, for targets that are routed."""
    for (method, path), links in LINKS.items():
        operation = paths.get(path, {}).get(method)
        if operation is None:
            continue
        declared = {
            name: {"operationId": operation_id(t_method, t_path), "parameters": params}
            for name, (t_method, t_path, params) in links.items()
            if t_method in paths.get(t_path, {})
        }
        for status, response in operation["responses"].items():
            if status.startswith("2") and declared:
                response["links"] = declared


def _schemas(models: Iterable[type[BaseModel]]) -> dict[str, Any]:
    ordered = sorted(models, key=lambda m: m.__name__)
    _, top = models_json_schema(
        [(m, "validation") for m in ordered], ref_template="#/components/schemas/{model}"
    )
    return top.get("$defs", {})


def _slug(path: str) -> str:
    return re.sub(r"[^a-zA-Z0-9]+", "_", path).strip("_")
