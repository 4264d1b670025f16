"""Security headers: ``nosniff`` on every response, and a Content-Security-Policy on every
HTML page that refuses framing and inline scripts, except the embeddable label (/embed/...), which retailers
frame from their own origins.

One after_request function, a couple of microseconds on a lookup; flask-talisman would add
HTTPS redirects and several hooks a JSON lookup does not need (TLS is nginx's job, or
make run's TANJI_TLS_* flags).
"""

from __future__ import annotations

from flask import Flask, Response, request

#: Pages: scripts and styles only from files this app serves (no inline script or style);
#: no base tag, forms only to this app, no framing.
_PAGE = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'"
#: The consumer pages (/, /p/..., /c/..., /estimate): the scanner fetches and compiles
#: zxing-wasm's .wasm (served under /vendor/; 'wasm-unsafe-eval' allows compiling
#: WebAssembly, not JavaScript eval) and shows the camera (a MediaStream, blob: in some
#: browsers).
PAGE_CSP = (
    f"{_PAGE}; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; "
    "media-src 'self' blob:; form-action 'self'; frame-ancestors 'none'"
)
#: The embeddable label: framable from any origin, with its one script (/embed/frame.js,
#: which reports the label's height to the embedding page), no forms.
EMBED_CSP = f"{_PAGE}; script-src 'self'; form-action 'none'; frame-ancestors *"
#: Swagger UI (/docs): its files from this app (/vendor/, installed from npm), never a CDN;
#: flask-smorest's page starts it with an inline script.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    docs = app.config.get("OPENAPI_SWAGGER_UI_PATH") or "/docs"

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        # add, not set: nothing else sets it, and set() first scans for an old value.
        headers.add("X-Content-Type-Options", "nosniff")
        if (headers.get("Content-Type") or "").startswith("text/html"):
            if request.path.startswith("/embed/"):
                headers["Content-Security-Policy"] = EMBED_CSP
            else:
                csp = DOCS_CSP if request.path.rstrip("/") == docs.rstrip("/") else PAGE_CSP
                headers["Content-Security-Policy"] = csp
                headers["X-Frame-Options"] = "DENY"
        return response
