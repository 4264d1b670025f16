"""GET /v1/health: is the service up, and which catalogue release it serves."""

from __future__ import annotations

from flask.views import MethodView

from app.db import check_database_file, get_catalogue, storage_versions
from app.routes import Blueprint
from schemas.health import HealthSchema

blp = Blueprint("health", __name__, url_prefix="/v1/health", description="Service health")


@blp.route("")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    def get(self):
        """Service status, catalogue release and counts; 503 if the database file is gone"""
        check_database_file()
        return {"status": "ok", "stats": get_catalogue().stats(), "storage": storage_versions()}
