"""GET /3/footprints (filters, limit pagination) and GET /3/footprints/{id}."""

from __future__ import annotations

import threading
from urllib.parse import urlencode

from flask import current_app, jsonify, request
from flask.views import MethodView

from app import db
from app.core import pact
from app.pact import bp, public_base_url, require_client


class IndexCache:
    """Per worker: the mapped footprints of the current release of each database, rebuilt
    when the release changes (every certificate change makes a new release)."""

    def __init__(self) -> None:
        self.items: dict[str, pact.FootprintIndex] = {}
        self.lock = threading.Lock()

    def get(self, source: pact.RevisionSource, key: str) -> pact.FootprintIndex:
        release = source.release_id()
        index = self.items.get(key)
        if index is None or index.release != release:
            with self.lock:  # one build at a time; the others then find it
                index = self.items.get(key)
                if index is None or index.release != release:
                    index = self.items[key] = pact.index_footprints(source)
        return index


def _index() -> pact.FootprintIndex:
    cache: IndexCache = current_app.extensions.setdefault("tanji_pact_index", IndexCache())
    return cache.get(db.get_pact_revisions(), db.database_key())


class FootprintList(MethodView):
    decorators = [require_client]

    def get(self):
        """Action ListFootprints: every certificate revision as a ProductFootprint."""
        args = request.args.to_dict(flat=False)
        query = pact.parse_filter(args)
        limit = pact.parse_count(request.args.get("limit"), "limit", minimum=1)
        offset = pact.parse_count(request.args.get("offset"), "offset", minimum=0) or 0
        if query.gtins() is not None:  # by product: a few rows, read directly
            found = pact.list_footprints(db.get_pact_revisions(), query)
        else:
            found = _index().select(query)
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
        return jsonify({"data": _index().get(pf_id)})


bp.add_url_rule("/3/footprints", view_func=FootprintList.as_view("footprints"))
bp.add_url_rule("/3/footprints/<pf_id>", view_func=FootprintItem.as_view("footprint"))
