"""Tanji (碳迹): certified product carbon-footprint lookups. create_app() builds the service."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, request
from flask_smorest import Api
from werkzeug.middleware.proxy_fix import ProxyFix

from app import cli, db, errors, i18n, parsing, spec
from app.config import Config
from app.http import ResponseCache
from schemas.common import ErrorSchema


class TanjiApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        """Every HTTP error (unknown path, 405, 500, abort) in the one error shape; under the
        PACT paths, in PACT's shape."""
        from app import pact
        from app.web import pages

        if pact.owns(request.path):
            return pact.http_error(error)
        if pages.wants_html(request.path) and (error.code or 500) >= 400:
            return pages.http_error_page(error)
        return errors.http_error(error)


def default_public_base_url(config: dict[str, Any]) -> str:
    """http(s)://HOST:PORT, as `make run` serves; a wildcard bind address means this machine."""
    host = str(config["HOST"])
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    scheme = "https" if config.get("TLS_CERT") and config.get("TLS_KEY") else "http"
    return f"{scheme}://{host}:{config['PORT']}"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    # static_folder=None: the pages blueprint serves app/web/static/ at /static/.
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    app.json = parsing.JSONProvider(app)
    app.config.from_object(Config)
    app.config.from_prefixed_env("TANJI")
    if test_config:
        app.config.update(test_config)
    if not app.config["PUBLIC_BASE_URL"]:
        app.config["PUBLIC_BASE_URL"] = default_public_base_url(app.config)
    if not app.config["DATABASE"]:
        app.config["DATABASE"] = os.path.join(app.instance_path, "tanji.db")
    # JSON bodies are small; /v1/scans and the ingest API raise their own limit per request.
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_JSON_BYTES"]
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    if app.config["CREATE_DATABASE"]:
        db.prepare_database(app.config)
    db.init_app(app)
    cli.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)
    app.extensions["tanji_response_cache"] = ResponseCache(
        size=app.config["RESPONSE_CACHE_SIZE"],
        max_bytes=int(app.config["RESPONSE_CACHE_MB"] * 1024 * 1024),
        max_age=app.config["CACHE_MAX_AGE"],
    )

    from app import pact
    from app.routes import (
        admin,
        certificates,
        digital_link,
        estimator,
        factors,
        health,
        products,
        resolve,
        saved_households,
        scans,
    )
    from app.web import assets, cors, estimate, labels, pages, ratelimit, security

    api = TanjiApi(app, spec_kwargs={"marshmallow_plugin": spec.Plugin()})
    spec.init_api(api)
    for module in (
        products,
        resolve,
        scans,
        certificates,
        factors,
        health,
        estimator,
        saved_households,
        admin,
        digital_link,
    ):
        api.register_blueprint(module.blp)
    admin.document_security(api)
    pages.init_app(app)
    app.register_blueprint(labels.bp)
    app.register_blueprint(assets.bp)
    app.register_blueprint(estimate.bp)
    app.register_blueprint(estimate.households_bp)
    ratelimit.init_app(app, [scans.blp, pages.bp], [saved_households.blp, estimate.households_bp])
    cors.init_app(app)
    security.init_app(app)
    pact.init_app(app)
    if hops := int(app.config["TRUSTED_PROXIES"]):
        # Behind nginx: the client's address (rate limits) and scheme come from its headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app
