"""Thin views, one module per resource."""

from __future__ import annotations

import datetime as dt

from flask import current_app, request

from app import clock, i18n


def today() -> dt.date:
    return clock.today(current_app.config["TODAY"])


def lang() -> str:
    return i18n.negotiate(request)
