"""/v1/scans: a product photo -> every code in it, read and resolved to its footprint.

Decoding is CPU-bound and runs in the request: a phone photo with a code takes ~0.1 s, but a
40 MP image with no code runs every fallback pass (~4-6.5 s on one core, ~340 MB peak RSS).
That is well inside gunicorn's default 30 s worker timeout, but each such scan holds a sync
worker, which is why the endpoint is rate limited per IP. If scans grow, serve /v1/scans from
its own gunicorn pool so lookups never queue behind decoding.
"""

from __future__ import annotations

from flask import current_app, g, jsonify, request
from flask.views import MethodView
from werkzeug.datastructures import FileStorage

from app.core.decode import DecodeLimits
from app.core.errors import InvalidInput, UnsupportedMediaType
from app.core.scans import scan
from app.db import get_catalogue
from app.errors import error_body
from app.routes import Blueprint, alt_responses, lang, today
from schemas.common import LANG_PARAMETER, dump
from schemas.scans import ScanResponseSchema, ScanUpload

blp = Blueprint("scans", __name__, url_prefix="/v1/scans", description="Scan product photos")
_response = ScanResponseSchema()
#: Raw body types documented for a photo (generators need concrete types, not image/*); the
#: view reads any image/* type, and the decoder decides whether it can read the bytes.
RAW_IMAGE_TYPES = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/bmp",
    "image/gif",
    "image/tiff",
    "image/heic",
    "image/heif",
    "application/octet-stream",
)
_RAW_BODY = {
    "description": (
        "Either multipart/form-data with the photo in `image`, or the raw photo as the body "
        "(Content-Type image/jpeg, image/png, ... or application/octet-stream)."
    ),
    "content": {
        media_type: {"schema": {"type": "string", "format": "binary"}}
        for media_type in RAW_IMAGE_TYPES
    },
}


@blp.before_request
def photo_body_limit() -> None:
    """Only this endpoint takes big bodies: a photo of MAX_UPLOAD_BYTES plus multipart framing
    (the scan itself checks the photo against MAX_UPLOAD_BYTES)."""
    g.body_limit = current_app.config["MAX_UPLOAD_BYTES"]
    request.max_content_length = g.body_limit + 64 * 1024


@blp.route("")
class ScanResource(MethodView):
    @blp.arguments(ScanUpload, location="files", as_kwargs=True)
    @blp.doc(requestBody=_RAW_BODY)
    @blp.response(200, ScanResponseSchema)
    @alt_responses(
        (413, "Upload over MAX_UPLOAD_BYTES, or an image over the pixel or frame limits"),
        (415, "Not an image, or a format Tanji does not read"),
        (422, "No image sent, or an empty, corrupt or truncated image"),
        (429, "Over SCAN_RATE_LIMIT for this client; see Retry-After"),
        parameters=[LANG_PARAMETER],
    )
    def post(self, image: FileStorage | None = None):
        """Scan a product photo: every barcode and label QR in it, resolved to its footprint"""
        language = lang()
        config = current_app.config
        result = scan(
            _photo(image),
            get_catalogue(),
            limits=DecodeLimits(
                max_pixels=config["SCAN_MAX_PIXELS"], max_frames=config["SCAN_MAX_FRAMES"]
            ),
            today=today(),
            public_base_url=config["PUBLIC_BASE_URL"],
            max_bytes=config["MAX_UPLOAD_BYTES"],
        )
        # Dumped here (not by @blp.response) because localized fields need the language.
        return jsonify(dump(_response, ScanResponseSchema.build(result, error_body), lang=language))


def _photo(upload: FileStorage | None) -> bytes:
    """The photo's bytes, from the multipart field or the raw body.

    Raises InvalidInput when nothing was sent, UnsupportedMediaType for a non-image body type.
    """
    if upload is not None:
        return upload.read()
    missing = InvalidInput(
        "Send the photo as the multipart field `image`, or as a raw image/* request body.",
        field="image",
    )
    mimetype = request.mimetype
    if mimetype.startswith("multipart/"):
        raise missing
    if mimetype and not (mimetype.startswith("image/") or mimetype == "application/octet-stream"):
        raise UnsupportedMediaType(
            f"Content-Type {mimetype} is not an image: send multipart/form-data with an `image` "
            "field, or an image/* body.",
            content_type=mimetype,
        )
    body = request.get_data(cache=False)
    if not body:
        raise missing
    return body
