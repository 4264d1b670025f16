"""Photo in, products out: decode every code in an image, then resolve each like /v1/resolve."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from app.core.decode import DecodeLimits, DecodeResult, Symbol, decode_image
from app.core.errors import PayloadTooLarge
from app.core.footprints import BatchItem, Catalogue, resolve_many
from app.core.messages import Message, _

#: Shown when a photo holds no readable code, so an app can coach its user.
NO_CODE_HINT = _(
    "No barcode or QR code found. Move closer, hold the phone steady and use better light, so "
    "the code fills the frame, then try again."
)


@dataclass(frozen=True)
class ScannedSymbol:
    """One code found in the photo and what it resolved to (or why it did not)."""

    symbol: Symbol
    item: BatchItem


@dataclass(frozen=True)
class ScanResult:
    """Every distinct code in one photo, resolved, with the image facts for diagnostics."""

    symbols: tuple[ScannedSymbol, ...]
    width: int  # after EXIF orientation
    height: int
    format: str
    passes: tuple[str, ...]

    @property
    def hint(self) -> Message | None:
        return None if self.symbols else NO_CODE_HINT


def scan(
    image: bytes,
    catalogue: Catalogue,
    *,
    limits: DecodeLimits,
    today: dt.date,
    public_base_url: str,
    max_bytes: int | None = None,
    run: Callable[..., DecodeResult] | None = None,
) -> ScanResult:
    """Decode every code in ``image`` and resolve each one, in O(1) catalogue queries.

    A code that decodes but does not resolve (unknown GTIN, not a product code, bad check
    digit) is a result with its own error, not a failure of the scan. The same text read
    twice (two engines, two copies on one pack) is reported once, where it was first seen.

    Raises PayloadTooLarge (over ``max_bytes``, or over the pixel or frame limits, judged
    from the header before pixels are decoded), UnsupportedMediaType and ImageError, and
    whatever ``run`` raises (Unavailable when every decoding slot stays busy).
    """
    if max_bytes is not None and len(image) > max_bytes:
        raise PayloadTooLarge(
            _(
                "The image is %(image)s bytes; the limit is %(max_bytes)s bytes.",
                image=len(image),
                max_bytes=max_bytes,
            ),
            limit=max_bytes,
        )
    # ``run(decode_image, image, limits)`` lets the caller decide where decoding runs (a
    # bounded pool beside the request loop: app/offload.py); by default, right here.
    decoded = run(decode_image, image, limits) if run else decode_image(image, limits)
    first_seen: dict[str, Symbol] = {}
    for symbol in decoded.symbols:
        first_seen.setdefault(symbol.text, symbol)
    unique = list(first_seen.values())
    items = (
        resolve_many(
            catalogue, [s.text for s in unique], today=today, public_base_url=public_base_url
        )
        if unique
        else []
    )
    return ScanResult(
        symbols=tuple(ScannedSymbol(s, i) for s, i in zip(unique, items, strict=True)),
        width=decoded.width,
        height=decoded.height,
        format=decoded.format,
        passes=decoded.passes,
    )
