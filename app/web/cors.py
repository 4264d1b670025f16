"""CORS for the public API: retailers embed lookups from their own origins."""

from __future__ import annotations

from flask import Flask, Response, request

from app.http import CORS_HEADERS, CachedResponse


def init_app(app: Flask) -> None:
    @app.after_request
    def add_cors_headers(response: Response) -> Response:
        if isinstance(response, CachedResponse):
            return response  # its headers are complete; scanning them cost ~2 % of a lookup
        path = request.path
        if path.startswith("/v1/") and not path.startswith("/v1/admin"):
            response.headers.extend(CORS_HEADERS)
            if request.method == "OPTIONS":
                response.headers["Access-Control-Allow-Methods"] = "GET, POST, DELETE, OPTIONS"
                response.headers["Access-Control-Allow-Headers"] = (
                    "Authorization, Content-Type, If-None-Match, Accept-Language"
                )
                response.headers["Access-Control-Max-Age"] = "86400"
        return response
