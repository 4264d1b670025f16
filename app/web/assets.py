"""Front-end libraries served by the app itself, never from a CDN: npm packages that
`make setup` installs from package-lock.json into node_modules/ (not committed), under
/vendor/<package>/<file>. Swagger UI (/docs) loads from here, so the API docs render on a
machine without internet; the consumer pages' scanner will load zxing-wasm from here too."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request, send_from_directory

bp = Blueprint("assets", __name__)
#: Where `npm ci` puts the packages: node_modules/ next to package.json (the repository root).
NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
#: Each served package and the folder inside it the browser may read (nothing else is served).
PACKAGES = {"swagger-ui-dist": "", "zxing-wasm": "dist/"}
_TYPES = {".wasm": "application/wasm", ".js": "text/javascript", ".mjs": "text/javascript"}


def node_modules() -> Path:
    return Path(current_app.config.get("NODE_MODULES") or NODE_MODULES)


@bp.get("/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str) -> Response:
    """A file of an installed front-end package (e.g. /vendor/swagger-ui-dist/swagger-ui.css)."""
    folder = PACKAGES.get(package)
    if folder is None or not filename.startswith(folder) or filename.endswith(".map"):
        abort(404)
    mimetype = _TYPES.get(Path(filename).suffix)
    # send_from_directory refuses paths that leave the folder (.., absolute) with a 404.
    response = send_from_directory(
        node_modules() / package / folder,
        filename[len(folder) :],
        mimetype=mimetype,
        max_age=current_app.config["ASSET_MAX_AGE"],
    )
    return response.make_conditional(request)
