"""OpenAPI 3.1 built from what the app really routes, annotated by ``@doc`` on the handlers.

The document walks ``app.router``: a route registered without ``@doc`` still appears (with
its docstring), and nothing appears that is not routed, so the two cannot drift apart.
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

from .schemas import Problem

F = TypeVar("F", bound=Callable[..., Any])

SECURITY = {
    "source": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "agent": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT agent token"},
    "user": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT user token"},
}
_ERRORS = {
    "source": (401, 403, 422),
    "agent": (401, 403, 404, 409, 422),
    "user": (401, 403, 404, 409, 422),
}
_PARAM = re.compile(r"{(\w+)(?::[^}]*)?}")


@dataclass(frozen=True, slots=True)
class ApiDoc:
    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    auth: tuple[str, ...] = ()
    websocket: bool = False


def doc(
    summary: str,
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    auth: str | tuple[str, ...] = (),
    websocket: bool = False,
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


def build_openapi(app: web.Application, title: str, version: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    models: set[type[BaseModel]] = {Problem}
    for route in app.router.routes():
        path = route_path(route)
        if not path:
            continue
        record = getattr(route.handler, "__apidoc__", None) or _undocumented(route.handler)
        models.update(m for m in (record.body, record.response) if m is not None)
        paths.setdefault(path, {})[route.method.lower()] = _operation(path, route.method, record)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {"schemas": _schemas(models), "securitySchemes": SECURITY},
    }


def _undocumented(handler: Callable[..., Any]) -> ApiDoc:
    text = inspect.getdoc(handler) or getattr(handler, "__name__", "route")
    return ApiDoc(text.splitlines()[0])


def _operation(path: str, method: str, record: ApiDoc) -> dict[str, Any]:
    params = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
        for n in _PARAM.findall(path)
    ]
    if record.query is not None:
        for name, field in record.query.model_fields.items():
            params.append(
                {
                    "name": name,
                    "in": "query",
                    "required": field.is_required(),
                    "schema": {"type": "string"},
                }
            )
    responses: dict[str, Any] = {str(record.status): _content(record.response, "Success")}
    if record.websocket:
        responses = {"101": {"description": "WebSocket upgrade; JSON rows follow"}}
    for auth in record.auth:
        for status in _ERRORS.get(auth, ()):
            responses.setdefault(str(status), _content(Problem, "Problem"))
    operation: dict[str, Any] = {
        "summary": record.summary,
        "parameters": params,
        "responses": responses,
        "operationId": f"{method.lower()}_{_slug(path)}",
    }
    if record.auth:
        operation["security"] = [{name: []} for name in record.auth]
    if record.body is not None and method not in ("GET", "HEAD"):
        operation["requestBody"] = {"required": True, **_content(record.body, "")}
        operation["requestBody"].pop("description")
    return operation


def _content(model: type[BaseModel] | None, description: str) -> dict[str, Any]:
    if model is None:
        return {"description": description}
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
        },
    }


def _schemas(models: Iterable[type[BaseModel]]) -> dict[str, Any]:
    ordered = sorted(models, key=lambda m: m.__name__)
    _, top = models_json_schema(
        [(m, "validation") for m in ordered], ref_template="#/components/schemas/{model}"
    )
    return top.get("$defs", {})


def _slug(path: str) -> str:
    return re.sub(r"[^a-zA-Z0-9]+", "_", path).strip("_")
