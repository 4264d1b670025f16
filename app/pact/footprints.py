"""GET /3/footprints (filters, limit pagination) and GET /3/footprints/{id}."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import jsonify, request
from flask.views import MethodView

from app import db
from app.core import pact
from app.pact import bp, public_base_url, require_client


class FootprintList(MethodView):
    decorators = [require_client]

    def get(self):
        """Action ListFootprints: every certificate revision as a ProductFootprint."""
        args = request.args.to_dict(flat=False)
        query = pact.parse_filter(args)
        limit = pact.parse_count(request.args.get("limit"), "limit", minimum=1)
        offset = pact.parse_count(request.args.get("offset"), "offset", minimum=0) or 0
        found = pact.list_footprints(db.get_pact_revisions(), query)
        page = pact.paginate(found, limit=limit, offset=offset)
        response = jsonify({"data": page.items})
        if page.next_offset is not None:
            kept = [(k, v) for k, vs in args.items() if k not in ("limit", "offset") for v in vs]
            link = urlencode([*kept, ("limit", limit), ("offset", page.next_offset)])
            # Absolute, from the public base URL, and first: recipients follow the first link.
            response.headers["Link"] = f'<{public_base_url()}/3/footprints?{link}>; rel="next"'
        return response


class FootprintItem(MethodView):
    decorators = [require_client]

    def get(self, pf_id: str):
        """Action GetFootprint: one footprint by id (deprecated ones too)."""
        return jsonify({"data": pact.get_footprint(db.get_pact_revisions(), pf_id)})


bp.add_url_rule("/3/footprints", view_func=FootprintList.as_view("footprints"))
bp.add_url_rule("/3/footprints/<pf_id>", view_func=FootprintItem.as_view("footprint"))
