"""Response language: ?lang= first, then Accept-Language, else zh-CN."""

from __future__ import annotations

from flask import Request

SUPPORTED = ("zh-CN", "en")


def negotiate(request: Request) -> str:
    wanted = request.args.get("lang")
    if wanted:
        return "en" if wanted.lower().startswith("en") else "zh-CN"
    header = request.headers.get("Accept-Language")
    if not header:
        return "zh-CN"
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default="zh-CN")
    return "en" if best == "en" else "zh-CN"
