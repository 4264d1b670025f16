"""POST /auth/token: OAuth2 client credentials (RFC 6749 4.4) for PACT data recipients."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask.views import MethodView

from app import db
from app.core import pact_auth
from app.core.errors import Unauthorized
from app.pact import bp, now


def _oauth_error(status: int, error: str, description: str):
    """Errors here use OAuth's body (RFC 6749 5.2), not PACT's {code, message}."""
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="pact"'
    return response


class TokenView(MethodView):
    def post(self):
        """Exchange client credentials (HTTP Basic, or client_id/client_secret in the form)
        for a bearer access token."""
        form = request.form
        grant_type = form.get("grant_type")
        if not grant_type:
            return _oauth_error(400, "invalid_request", "grant_type is required.")
        if grant_type != "client_credentials":
            return _oauth_error(
                400, "unsupported_grant_type", "Only grant_type=client_credentials is supported."
            )
        auth = request.authorization
        if auth is not None and auth.type == "basic":
            client_id, secret = auth.username or "", auth.password or ""
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if not client_id or not secret:
            return _oauth_error(401, "invalid_client", "Client credentials are required.")
        try:
            token, expires_in = pact_auth.issue_token(
                db.get_pact_store(),
                client_id,
                secret,
                now=now(),
                ttl=int(current_app.config["PACT_TOKEN_TTL"]),
            )
        except Unauthorized as error:
            return _oauth_error(401, "invalid_client", error.message)
        response = jsonify(
            {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}
        )
        response.headers["Cache-Control"] = "no-store"
        return response


bp.add_url_rule("/auth/token", view_func=TokenView.as_view("token"))
