"""/v1/scans: a product photo -> every code in it, read and resolved to its footprint.

A phone photo with a code decodes in ~0.1 s; a 40 MP photo with no code would run every
fallback pass (~4-15 s, ~340 MB peak RSS). So decoding runs in a bounded pool per worker
(app/offload.py: SCAN_CONCURRENCY at once, in a real thread beside the request loop under
gevent; others wait SCAN_QUEUE_SECONDS, then 503), within a time budget per photo
(SCAN_TIME_BUDGET_SECONDS), and the endpoint is rate limited per client across workers: scans
queue behind scans, lookups never do (bench/abuse.py scans).
"""

from __future__ import annotations

from flask import current_app, g, jsonify, request
from flask.views import MethodView
from werkzeug.datastructures import FileStorage

from app.core.decode import DecodeLimits
from app.core.errors import InvalidInput, UnsupportedMediaType
from app.core.messages import _
from app.core.scans import ScanResult, scan
from app.db import get_catalogue
from app.errors import error_body
from app.offload import Slots
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
        (503, "Every decoding slot stayed busy for SCAN_QUEUE_SECONDS; see Retry-After"),
        parameters=[LANG_PARAMETER],
    )
    def post(self, image: FileStorage | None = None):
        """Scan a product photo: every barcode and label QR in it, resolved to its footprint"""
        language = lang()
        result = scan_upload(image)
        # Dumped here (not by @blp.response) because localized fields need the language.
        return jsonify(dump(_response, ScanResponseSchema.build(result, error_body), lang=language))


def scan_upload(image: FileStorage | None) -> ScanResult:
    """The scan of an uploaded photo (multipart field or raw body), with this app's limits,
    in its decoding slots: for this endpoint and the photo form of the pages alike."""
    config = current_app.config
    return scan(
        _photo(image),
        get_catalogue(),
        limits=DecodeLimits(
            max_pixels=config["SCAN_MAX_PIXELS"],
            max_frames=config["SCAN_MAX_FRAMES"],
            time_budget=config["SCAN_TIME_BUDGET_SECONDS"],
        ),
        today=today(),
        public_base_url=config["PUBLIC_BASE_URL"],
        max_bytes=config["MAX_UPLOAD_BYTES"],
        run=_slots().run,
    )


def _slots() -> Slots:
    """This app's decoding slots (SCAN_CONCURRENCY per worker)."""
    slots = current_app.extensions.get("tanji_scan_slots")
    if slots is None:
        config = current_app.config
        slots = current_app.extensions["tanji_scan_slots"] = Slots(
            config["SCAN_CONCURRENCY"], config["SCAN_QUEUE_SECONDS"], _("scan")
        )
    return slots


def _photo(upload: FileStorage | None) -> bytes:
    """The photo's bytes, from the multipart field or the raw body.

    Raises InvalidInput when nothing was sent, UnsupportedMediaType for a non-image body type.
    """
    if upload is not None:
        return upload.read()
    missing = InvalidInput(
        _("Send the photo as the multipart field `image`, or as a raw image/* request body."),
        field="image",
    )
    mimetype = request.mimetype
    if mimetype.startswith("multipart/"):
        raise missing
    if mimetype and not (mimetype.startswith("image/") or mimetype == "application/octet-stream"):
        raise UnsupportedMediaType(
            _(
                "Content-Type %(mimetype)s is not an image: send multipart/form-data with an `image` field, or an image/* body.",
                mimetype=mimetype,
            ),
            content_type=mimetype,
        )
    body = request.get_data(cache=False)
    if not body:
        raise missing
    return body
