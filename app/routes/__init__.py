"""Thin views, one module per resource."""

from __future__ import annotations

import copy
import datetime as dt
from http import HTTPStatus

import flask_smorest
from flask import current_app, request
from marshmallow import Schema

from app import clock, i18n, parsing
from schemas.common import ErrorSchema

#: flask-smorest names its response components after http.HTTPStatus members, and 422's name
#: differs between Python versions (UNPROCESSABLE_ENTITY, UNPROCESSABLE_CONTENT from 3.13).
UNPROCESSABLE = HTTPStatus(422).name


#: The Location header of a 201, as documented on every response that creates a resource.
LOCATION = {
    "Location": {
        "description": "Path of the created resource",
        "schema": {"type": "string"},
        "required": True,
    }
}


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, parsing JSON bodies with app.parsing (hostile bodies get 400)."""

    ARGUMENTS_PARSER = parsing.parser


def today() -> dt.date:
    return clock.today(current_app.config["TODAY"])


def public_url(path: str) -> str:
    """``path`` (starting with /) under the public base URL, where labels and QR codes point."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def lang() -> str:
    """The response language (app.i18n.negotiate). Raises InvalidInput for an unknown ?lang=."""
    return i18n.negotiate(request)


def alt_responses(*statuses: int | tuple[int, str], parameters: list[dict] | None = None):
    """Document alternative responses (errors in the one error shape, or 304) like
    flask-smorest's ``alt_response``, but without wrapping the view: each ``alt_response``
    adds a call layer, and on a cached lookup those layers cost more than the lookup itself.

    Each status is an int (described by its standard response) or (status, description);
    ``parameters`` are OpenAPI parameter objects (documented, not parsed: see LANG_PARAMETER).
    """

    def decorator(func):
        doc = copy.deepcopy(getattr(func, "_apidoc", {}))
        responses = doc.setdefault("response", {}).setdefault("responses", {})
        for item in statuses:
            status, description = item if isinstance(item, tuple) else (item, None)
            if status == 304:
                entry: dict | str = {
                    "description": description or "Not Modified: If-None-Match matched the ETag",
                    "content_type": None,
                }
            elif description:
                entry = {"description": description, "schema": ErrorSchema, "content_type": None}
            else:
                entry = HTTPStatus(status).name
            responses.setdefault(status, []).append(entry)
        if parameters:
            manual = doc.setdefault("manual_doc", {})
            manual["parameters"] = [*manual.get("parameters", []), *parameters]
        func._apidoc = doc
        return func

    return decorator


def cached_ok(schema: type[Schema], *, headers: dict | None = None):
    """Document a cached lookup's 200 exactly as flask-smorest's ``response`` does, without
    its wrapper: the view returns a ready Response from the cache, which that wrapper would
    only inspect and pass on, on every request."""

    def decorator(func):
        doc = copy.deepcopy(getattr(func, "_apidoc", {}))
        entry = {"schema": schema(), "description": HTTPStatus.OK.phrase, "content_type": None}
        if headers:
            entry["headers"] = headers
        doc.setdefault("response", {}).setdefault("responses", {}).setdefault(200, []).append(entry)
        doc.setdefault("success_status_codes", []).append(200)
        func._apidoc = doc
        return func

    return decorator
