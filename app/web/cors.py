"""CORS by endpoint class: public lookups (GET /v1/..., POST /v1/resolve and /v1/scans, the
Digital Link resolver, label images, embed.js) from any origin; the ingest API (/v1/admin)
and household endpoints (/v1/household/estimate, /v1/households/...) from none, so no other
site's script can read or change a household through a visitor's browser."""

from __future__ import annotations

from flask import Flask, Response, request

from app.http import CORS_HEADERS, CachedResponse

#: Paths no other origin may call: no CORS headers, so browsers refuse cross-origin reads.
PRIVATE_PREFIXES = ("/v1/admin", "/v1/household")  # also /v1/households/...
PUBLIC_PREFIXES = ("/v1/", "/01/", "/embed.js")


def is_public(path: str) -> bool:
    return path.startswith(PUBLIC_PREFIXES) and not path.startswith(PRIVATE_PREFIXES)


def init_app(app: Flask) -> None:
    @app.after_request
    def add_cors_headers(response: Response) -> Response:
        if isinstance(response, CachedResponse):
            return response  # its headers are complete; scanning them cost ~2 % of a lookup
        if is_public(request.path):
            response.headers.extend(CORS_HEADERS)
            if request.method == "OPTIONS":
                response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
                response.headers["Access-Control-Allow-Headers"] = (
                    "Content-Type, If-None-Match, Accept, Accept-Language"
                )
                response.headers["Access-Control-Max-Age"] = "86400"
        return response
