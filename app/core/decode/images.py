"""Image bytes -> an upright grey picture to scan: formats, limits, JPEG shortcuts, orientation, scales."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from app.core.errors import ImageError, PayloadTooLarge, UnsupportedMediaType
from app.core.messages import _

try:  # HEIC/HEIF only when the optional plugin is installed.
    import pillow_heif

    pillow_heif.register_heif_opener()
    _HEIF_FORMATS = frozenset({"HEIF", "HEIC"})
except ImportError:  # pragma: no cover - depends on the environment
    pillow_heif = None
    _HEIF_FORMATS = frozenset()

FORMATS = frozenset({"JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF", "MPO"}) | _HEIF_FORMATS

Point = tuple[int, int]
# Maps a point of the image an engine saw back to the oriented original image.
Mapper = Callable[[float, float], Point]


@dataclass(frozen=True)
class DecodeLimits:
    """Refusal thresholds and the working resolution."""

    max_pixels: int = 40_000_000  # refuse larger images from the header, before decoding pixels
    max_frames: int = 100  # animated GIF/TIFF/WebP with more frames are refused from the header
    work_size: int = 1600  # longest side of the working image for the first passes
    # Seconds of decoding one photo may use: once spent, no further pass starts (a photo of
    # noise would otherwise run every fallback pass, up to ~15 s at 40 MP). None: no budget.
    time_budget: float | None = None


_ORIENTATION = 0x0112  # EXIF tag
# EXIF orientation -> the transpose that makes the image upright (as ImageOps.exif_transpose).
TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def open_image(data: bytes, limits: DecodeLimits) -> Image.Image:
    """Open lazily and check format, pixels and frames from the header alone."""
    if not data:
        raise ImageError(_("The image is empty (zero bytes)."))
    try:
        image = Image.open(io.BytesIO(data), formats=None)
    except UnidentifiedImageError:
        raise UnsupportedMediaType(_("Not an image, or not an image format Tanji reads.")) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PayloadTooLarge(
            _("The image has more than %(max_pixels)s pixels.", max_pixels=limits.max_pixels)
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(_("The image header is corrupt: %(exc)s", exc=exc)) from None
    fmt = image.format or ""
    if fmt not in FORMATS:
        raise UnsupportedMediaType(_("%(value)s images are not supported.", value=fmt or "This"))
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ImageError(_("The image has no pixels."))
    if width * height > limits.max_pixels:
        raise PayloadTooLarge(
            _(
                "The image is %(width)sx%(height)s pixels; the limit is %(max_pixels)s pixels.",
                width=width,
                height=height,
                max_pixels=limits.max_pixels,
            )
        )
    try:
        frames = getattr(image, "n_frames", 1)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(_("The image is corrupt: %(exc)s", exc=exc)) from None
    if frames > limits.max_frames:
        raise PayloadTooLarge(
            _(
                "The image has %(frames)s frames; the limit is %(max_frames)s.",
                frames=frames,
                max_frames=limits.max_frames,
            )
        )
    return image


# The next marker after a scan's entropy-coded data (0xFF00 is a stuffed byte, FFD0-FFD7 restarts).
_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7]")


def first_scans(data: bytes) -> bytes | None:
    """A progressive JPEG without its refinement scans, or None if it has none to drop.

    Progressive JPEGs send the high bits of the coefficients first and refine them in later
    scans (successive approximation), which hold ~3/4 of the bytes of a phone photo and most of
    the decoding time, whatever the draft scale. Without them the picture is as if saved at a
    lower quality, plenty once shrunk to work_size, and a 12 MP photo decodes at 1/2 scale in
    ~40 ms instead of ~100. The result is itself a valid JPEG; anything unexpected returns None
    (decode the whole file). The full-resolution pass always decodes the whole file. Baseline
    JPEGs (most cameras) have no such scans, and decode 3-4x faster than progressive ones.
    """
    if not data.startswith(b"\xff\xd8"):
        return None
    kept, pos, progressive, dropped = [data[:2]], 2, False, False
    while pos + 2 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:  # end of image; a truncated file is left to the decoder to report
            return b"".join(kept) + data[pos : pos + 2] if dropped else None
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        end = pos + 2 + length
        if length < 2 or end > len(data):
            return None
        progressive |= marker == 0xC2
        if marker != 0xDA:  # tables, frame header, EXIF...: all kept
            kept.append(data[pos:end])
            pos = end
            continue
        header = data[pos + 4 : end]  # Ns, Ns x (id, tables), Ss, Se, Ah|Al
        scan_end = _SCAN_END.search(data, end)
        if not progressive or not header or len(header) != 4 + 2 * header[0] or not scan_end:
            return None
        if header[-1] >> 4:  # Ah != 0: a refinement of bits already sent
            dropped = True
        else:
            kept.append(data[pos : scan_end.start()])
        pos = scan_end.start()
    return None


def load_gray(image: Image.Image, fmt: str, limits: DecodeLimits | None) -> tuple[Image.Image, int]:
    """Decode the first frame as grey, big JPEGs at reduced size (no limits: full size).

    Returns the stored (not yet oriented) image and its EXIF orientation (1 = upright).
    """
    if limits is not None and fmt in {"JPEG", "MPO"}:
        width, height = image.size
        longest = max(width, height)
        if longest > limits.work_size:
            # The decoder scales by 1/2, 1/4 or 1/8 while decoding, keeping this size or more.
            wanted = (
                math.ceil(width * limits.work_size / longest),
                math.ceil(height * limits.work_size / longest),
            )
            image.draft("L", wanted)
    try:
        image.seek(0)
        image.load()
        orientation = image.getexif().get(_ORIENTATION, 1)
        gray = _gray(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PayloadTooLarge(_("The image is a decompression bomb.")) from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise ImageError(_("The image is corrupt or truncated: %(exc)s", exc=exc)) from None
    return gray, orientation if orientation in TRANSPOSE or orientation == 1 else 1


def _gray(image: Image.Image) -> Image.Image:
    """Greyscale, with transparency flattened onto white (codes printed on clear labels)."""
    if image.mode == "L":
        return image
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        # grey * alpha + white * (1 - alpha), pasted in place: one byte a pixel per step, where
        # alpha_composite on RGBA copies needed ~16 (a 40 MP PNG of 170 KB peaked at 720 MB).
        with_alpha = image if image.mode in {"RGBA", "LA"} else image.convert("RGBA")
        flat = Image.new("L", with_alpha.size, 255)
        flat.paste(with_alpha.convert("L"), (0, 0), with_alpha.getchannel("A"))
        return flat
    if image.mode in {"I;16", "I;16B", "I;16L", "I", "F"}:
        return ImageOps.autocontrast(image.convert("I").point(lambda v: v / 256).convert("L"))
    if image.mode in {"1", "RGB", "CMYK", "YCbCr", "P"}:
        return image.convert("L")
    return image.convert("RGB").convert("L")


def downscale(image: Image.Image, work_size: int) -> tuple[Image.Image, float]:
    width, height = image.size
    longest = max(width, height)
    if longest <= work_size:
        return image, 1.0
    scale = work_size / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0), size[0] / width


def local_contrast(image: Image.Image, radius: int = 15) -> Image.Image:
    """Each pixel against its neighbourhood's mean and spread, so glare and shadow even out."""
    pixels = np.asarray(image, dtype=np.float32)
    diff = pixels - np.asarray(image.filter(ImageFilter.BoxBlur(radius)), dtype=np.float32)
    # Box-blurred squares give the local variance; stored /16 to fit in 8 bits.
    squares = Image.fromarray(np.clip(diff * diff / 16, 0, 255).astype(np.uint8))
    spread = np.sqrt(np.asarray(squares.filter(ImageFilter.BoxBlur(radius)), np.float32) * 16)
    return Image.fromarray(np.clip(128 + 50 * diff / (spread + 4), 0, 255).astype(np.uint8))


def rotate(image: Image.Image, angle: float, outer: Mapper) -> tuple[Image.Image, Mapper]:
    """Rotate counter-clockwise by angle degrees (canvas expanded, white fill); map points back."""
    rotated = image.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    cx, cy = image.width / 2, image.height / 2
    rx, ry = rotated.width / 2, rotated.height / 2
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))

    def mapper(x: float, y: float) -> Point:
        dx, dy = x - rx, y - ry
        return outer(cx + dx * cos - dy * sin, cy + dx * sin + dy * cos)

    return rotated, mapper
