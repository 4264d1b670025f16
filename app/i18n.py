"""Response language: ?lang= first, then Accept-Language, else zh-CN."""

from __future__ import annotations

from flask import Request

from app.core.errors import InvalidInput

SUPPORTED = ("zh-CN", "en")
_LANG_PARAM = {"zh-cn": "zh-CN", "zh": "zh-CN", "en": "en"}


def negotiate(request: Request) -> str:
    """Raises InvalidInput (422) for a ?lang= Tanji does not speak."""
    environ = request.environ
    if "lang=" not in environ.get("QUERY_STRING", "") and "HTTP_ACCEPT_LANGUAGE" not in environ:
        return "zh-CN"  # the common case, without parsing anything
    wanted = request.args.get("lang")
    if wanted is not None:
        try:
            return _LANG_PARAM[wanted.lower()]
        except KeyError:
            raise InvalidInput(
                f"Unsupported language '{wanted[:20]}': use zh-CN or en.",
                field="lang",
                location="query",
            ) from None
    if "HTTP_ACCEPT_LANGUAGE" not in environ:
        return "zh-CN"
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default="zh-CN")
    return "en" if best == "en" else "zh-CN"
