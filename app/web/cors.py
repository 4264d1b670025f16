"""CORS for the public API: retailers embed lookups from their own origins."""

from __future__ import annotations

from flask import Flask, Response, request


def init_app(app: Flask) -> None:
    @app.after_request
    def add_cors_headers(response: Response) -> Response:
        if request.path.startswith("/v1/") and not request.path.startswith("/v1/admin"):
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Expose-Headers"] = "ETag, Retry-After"
            if request.method == "OPTIONS":
                response.headers["Access-Control-Allow-Methods"] = "GET, POST, DELETE, OPTIONS"
                response.headers["Access-Control-Allow-Headers"] = (
                    "Authorization, Content-Type, If-None-Match, Accept-Language"
                )
                response.headers["Access-Control-Max-Age"] = "86400"
        return response
