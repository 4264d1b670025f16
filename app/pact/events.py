"""POST /3/events: CloudEvents from data recipients. A RequestCreatedEvent is answered 200 at
once; the answer is queued and sent later, and only to an allow-listed source."""

from __future__ import annotations

import logging
import time

from flask import Response, current_app, request
from flask.views import MethodView

from app import db
from app.core import pact_events
from app.core.errors import InvalidInput
from app.pact import bp, delivery, require_client

log = logging.getLogger(__name__)


class Events(MethodView):
    decorators = [require_client]

    def post(self):
        """Action Events: accept a CloudEvent (application/cloudevents+json)."""
        body = request.get_json(force=True, silent=True)
        if body is None:
            raise InvalidInput("The body must be a CloudEvent in JSON.")
        event = pact_events.parse_event(body)
        if event.type == pact_events.CREATED:
            recipients = delivery.recipients(current_app.config)
            recipient = delivery.allowed_recipient(recipients, event.source)
            if recipient is None:
                log.warning(
                    "PACT request %s from %r: source not on TANJI_PACT_EVENT_RECIPIENTS, "
                    "not answered",
                    event.id[:100],
                    event.source[:200],
                )
            else:
                db.get_pact_store().enqueue(recipient, body, now=time.time())
                delivery.kick(current_app)
        return Response(status=200)


bp.add_url_rule("/3/events", view_func=Events.as_view("events"))
