"""Image bytes -> decoded barcode symbols: the one module that touches Pillow, pyzbar and zxing-cpp."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable
from ctypes import c_void_p, cast
from dataclasses import dataclass

import zxingcpp
from PIL import Image, ImageOps, UnidentifiedImageError
from pyzbar import pyzbar
from pyzbar.wrapper import (
    POINTER,
    ZBarConfig,
    ZBarSymbol,
    c_uint,
    zbar_function,
    zbar_image_scanner_set_config,
    zbar_image_set_data,
    zbar_image_set_format,
    zbar_image_set_size,
    zbar_scan_image,
    zbar_symbol,
)

from app.core.codes import GTIN_SYMBOLOGIES, normalize_gtin
from app.core.errors import DomainError, ImageError, PayloadTooLarge, UnsupportedMediaType

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
_Mapper = Callable[[float, float], Point]


@dataclass(frozen=True)
class Symbol:
    """One decoded barcode."""

    symbology: str  # stable uppercase name: "EAN-13", "UPC-A", "QR", "DATA-MATRIX", ...
    text: str  # EAN/UPC as GTIN-14; GS1 content as "]C1..." / "]d2..." with GS separators
    polygon: tuple[Point, ...]  # corners in the original image's pixels, after EXIF orientation
    engine: str  # "zbar" or "zxing"


@dataclass(frozen=True)
class DecodeResult:
    """Every distinct symbol found in one image, plus what was done to find them."""

    symbols: tuple[Symbol, ...]
    width: int  # after EXIF orientation
    height: int
    format: str  # Pillow's format name: "JPEG", "PNG", ...
    passes: tuple[str, ...]  # pipeline passes that ran, in order, for diagnostics


@dataclass(frozen=True)
class DecodeLimits:
    """Refusal thresholds and the working resolution."""

    max_pixels: int = 40_000_000  # refuse larger images from the header, before decoding pixels
    max_frames: int = 100  # animated GIF/TIFF/WebP with more frames are refused from the header
    work_size: int = 1600  # longest side of the working image for the first passes


# Names shared by both engines, so that the same code read twice de-duplicates.
_ZBAR_NAMES = {
    "EAN13": "EAN-13",
    "EAN8": "EAN-8",
    "UPCA": "UPC-A",
    "UPCE": "UPC-E",
    "ISBN10": "EAN-13",
    "ISBN13": "EAN-13",
    "I25": "ITF",
    "DATABAR": "DATABAR",
    "DATABAR_EXP": "DATABAR-EXPANDED",
    "CODABAR": "CODABAR",
    "CODE39": "CODE-39",
    "CODE93": "CODE-93",
    "CODE128": "CODE-128",
    "QRCODE": "QR",
    "PDF417": "PDF417",
    "SQCODE": "SQ-CODE",
}
_ZXING_NAMES = {
    "EAN13": "EAN-13",
    "EAN8": "EAN-8",
    "UPCA": "UPC-A",
    "UPCE": "UPC-E",
    "ISBN": "EAN-13",
    "ITF": "ITF",
    "ITF14": "ITF",
    "Codabar": "CODABAR",
    "Code39": "CODE-39",
    "Code39Std": "CODE-39",
    "Code39Ext": "CODE-39",
    "Code32": "CODE-32",
    "Code93": "CODE-93",
    "Code128": "CODE-128",
    "QRCode": "QR",
    "QRCodeModel1": "QR",
    "QRCodeModel2": "QR",
    "MicroQRCode": "MICRO-QR",
    "RMQRCode": "RMQR",
    "DataMatrix": "DATA-MATRIX",
    "Aztec": "AZTEC",
    "AztecCode": "AZTEC",
    "PDF417": "PDF417",
    "CompactPDF417": "PDF417",
    "MicroPDF417": "MICRO-PDF417",
    "MaxiCode": "MAXICODE",
    "DataBar": "DATABAR",
    "DataBarOmni": "DATABAR",
    "DataBarStk": "DATABAR",
    "DataBarStkOmni": "DATABAR",
    "DataBarLtd": "DATABAR-LIMITED",
    "DataBarExp": "DATABAR-EXPANDED",
    "DataBarExpStk": "DATABAR-EXPANDED",
}
_ORIENTATION = 0x0112  # EXIF tag
# EXIF orientation -> the transpose that makes the image upright (as ImageOps.exif_transpose).
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_ZBAR_MOD_GS1 = 1 << 0  # zbar_modifier_t ZBAR_MOD_GS1
_zbar_symbol_get_modifiers = zbar_function(
    "zbar_symbol_get_modifiers", c_uint, POINTER(zbar_symbol)
)
# AIM symbology identifiers for GS1 data read by zbar (zxing-cpp reports its own).
_ZBAR_GS1_AIM = {"CODE-128": "]C1", "QR": "]Q3", "DATABAR": "]e0", "DATABAR-EXPANDED": "]e0"}
_Y800 = 0x30303859  # zbar's fourcc for 8-bit greyscale, as pyzbar sets it
# Italian pharmacode (Code 32) is Code 39 carrying 6 base-32 characters.
_CODE32_ALPHABET = "0123456789BCDFGHJKLMNPQRSTUVWXYZ"


def engines() -> dict[str, str]:
    """Return the decoding engines and their versions, for diagnostics."""
    return {
        "zbar": _zbar_version(),
        "zxing-cpp": getattr(zxingcpp, "__version__", _dist_version("zxing-cpp")),
    }


def decode_image(data: bytes, limits: DecodeLimits = DecodeLimits()) -> DecodeResult:
    """Decode every barcode in an image.

    Raises ImageError (empty, corrupt or truncated), UnsupportedMediaType (not an image, or a
    format Tanji does not read) and PayloadTooLarge (over the pixel or frame limits).
    """
    image = _open(data, limits)
    fmt = image.format or "?"
    stored_size = image.size  # before any JPEG draft reduction and before EXIF orientation
    # A big progressive JPEG is decoded from its first scans alone (see _first_scans).
    preview = None
    if fmt in {"JPEG", "MPO"} and max(stored_size) > limits.work_size:
        preview = _first_scans(data)
    try:
        gray, orientation = _load_gray(
            image if preview is None else _open(preview, limits), fmt, limits
        )
    except ImageError:
        if preview is None:
            raise
        gray, orientation = _load_gray(image, fmt, limits)  # let the whole file decide
    # The decoded colour image can be 4 bytes a pixel; only the grey copy is needed from here.
    del image
    # A JPEG decoded at reduced size, or from its first scans only.
    full_res_available = preview is not None or gray.size != stored_size
    transpose = _TRANSPOSE.get(orientation)
    swapped = orientation in (5, 6, 7, 8)
    width, height = (stored_size[1], stored_size[0]) if swapped else stored_size
    # Orient after shrinking: turning the small image costs less than turning the big one.
    small, _ = _downscale(gray, limits.work_size)
    work = small.transpose(transpose) if transpose is not None else small
    scale = work.width / width
    pipeline = _Pipeline(width, height)

    def to_original(factor: float) -> _Mapper:
        return lambda x, y: (round(x * factor), round(y * factor))

    work_map = to_original(1 / scale)

    # Pass 1: zbar on the working image finds most codes, fast. It scans every line: every third
    # line (a third of the time) missed the small Code 39 beside an ITF in some 12 MP photos,
    # found the ITF and stopped there, and every second line missed another.
    pipeline.zbar("zbar:downscaled", work, work_map)
    if pipeline.found:
        # zbar cannot see Data Matrix at all, so a photo where it read a barcode may still hold
        # a GS1 DataMatrix beside it: one zxing pass restricted to the 2D codes zbar misses.
        # zbar also guesses the charset of QR text (garbling Shift_JIS); zxing's reading wins.
        formats = [zxingcpp.BarcodeFormat.DataMatrix]
        if pipeline.has("QR"):
            formats.append(zxingcpp.BarcodeFormat.QRCode)
        # QR and Data Matrix read in any orientation: zxing's rotated retries would only cost.
        pipeline.zxing("zxing:2d", work, work_map, formats=formats, try_rotate=False)
        return pipeline.result(fmt)

    # Pass 2: zxing tries rotations, inversion and 2D codes zbar cannot read (Data Matrix).
    pipeline.zxing("zxing:downscaled", work, work_map)
    if pipeline.found:
        return pipeline.result(fmt)

    # Pass 3: zbar on tilted copies (zbar scans only rows and columns; zxing is tried already).
    for angle in (45, -45):
        rotated, mapper = _rotate(work, angle, work_map)
        pipeline.zbar(f"zbar:rot{angle}", rotated, mapper)
        if pipeline.found:
            return pipeline.result(fmt)

    # Pass 4: small images (webcam frames, thumbnails): modules may be 1-2 pixels wide.
    if max(work.size) * 2 <= limits.work_size:
        up = work.resize((work.width * 2, work.height * 2), Image.Resampling.BICUBIC)
        up_map = to_original(0.5 / scale)
        pipeline.zxing("zxing:up2x", up, up_map)
        if not pipeline.found:
            pipeline.zbar("zbar:up2x", up, up_map)
        if not pipeline.found and min(work.size) >= 128:
            half = work.resize((work.width // 2, work.height // 2), Image.Resampling.BOX)
            pipeline.zbar("zbar:half", half, to_original(work.width / half.width / scale))
        return pipeline.result(fmt)

    # Pass 5: full resolution, for small codes in big photos.
    if scale < 1:
        full = _load_gray(_open(data, limits), fmt, None)[0] if full_res_available else gray
        full = full.transpose(transpose) if transpose is not None else full
        identity = to_original(1.0)
        pipeline.zbar("zbar:full", full, identity)
        if not pipeline.found:
            pipeline.zxing("zxing:full", full, identity)
    return pipeline.result(fmt)


class _Pipeline:
    """Collects symbols across passes, normalising, validating and de-duplicating them."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.symbols: dict[tuple[str, str], Symbol] = {}
        self.passes: list[str] = []

    @property
    def found(self) -> bool:
        return bool(self.symbols)

    def has(self, symbology: str) -> bool:
        return any(s.symbology == symbology for s in self.symbols.values())

    def zbar(self, name: str, image: Image.Image, mapper: _Mapper) -> None:
        self.passes.append(name)
        for found, gs1 in _zbar_decode(image):
            symbology = _ZBAR_NAMES.get(found.type, found.type.replace("_", "-"))
            raw = found.data.decode("utf-8", errors="replace")
            if symbology == "CODE-39" and (code32 := _code32(raw)) is not None:
                symbology, raw = "CODE-32", code32
            if gs1 and symbology in _ZBAR_GS1_AIM:
                raw = _ZBAR_GS1_AIM[symbology] + raw  # zbar drops the leading FNC1, keeps GS
            polygon = tuple(mapper(p.x, p.y) for p in found.polygon)
            self._add(symbology, raw, polygon, "zbar")

    def zxing(
        self,
        name: str,
        image: Image.Image,
        mapper: _Mapper,
        formats: zxingcpp.BarcodeFormat | list[zxingcpp.BarcodeFormat] | None = None,
        try_rotate: bool = True,
    ) -> None:
        self.passes.append(name)
        kwargs: dict = {"try_rotate": try_rotate}
        if formats is not None:
            kwargs["formats"] = formats
        found = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain, **kwargs)
        zxing_qr = [b for b in found if _ZXING_NAMES.get(b.format.name) == "QR"]
        if zxing_qr:
            for key in [
                k for k in self.symbols if k[0] == "QR" and self.symbols[k].engine == "zbar"
            ]:
                del self.symbols[key]
        for barcode in found:
            symbology = _ZXING_NAMES.get(barcode.format.name, barcode.format.name.upper())
            text = barcode.text
            if barcode.content_type == zxingcpp.ContentType.GS1:
                text = barcode.symbology_identifier + text  # "]C1", "]d2", "]Q3", "]e0"
            pos = barcode.position
            corners = (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
            polygon = tuple(mapper(p.x, p.y) for p in corners)
            self._add(symbology, text, polygon, "zxing")

    def _add(self, symbology: str, text: str, polygon: tuple[Point, ...], engine: str) -> None:
        if symbology == "ITF" and len(text) < 8:
            return  # short ITF reads are mostly fragments of longer codes (GTIN-14 is 14 digits)
        if symbology in GTIN_SYMBOLOGIES:
            try:
                text = normalize_gtin(text, symbology)
            except DomainError:
                return  # a failed check digit is a misread, never a result
        polygon = tuple(
            (min(max(x, 0), self.width - 1), min(max(y, 0), self.height - 1)) for x, y in polygon
        )
        self.symbols.setdefault((symbology, text), Symbol(symbology, text, polygon, engine))

    def result(self, fmt: str) -> DecodeResult:
        return DecodeResult(
            tuple(self.symbols.values()), self.width, self.height, fmt, tuple(self.passes)
        )


def _zbar_decode(image: Image.Image) -> list[tuple[pyzbar.Decoded, bool]]:
    """pyzbar.decode plus what pyzbar does not expose: the GS1 flag.

    Returns (decoded, is_gs1) pairs.
    """
    pixels, width, height = image.tobytes(), image.width, image.height
    found = []
    with pyzbar._image_scanner() as scanner:
        # Unless enabled by name, zbar reports UPC-A and UPC-E as EAN-13 (UPC-E expanded).
        for upc in (ZBarSymbol.UPCA, ZBarSymbol.UPCE):
            zbar_image_scanner_set_config(scanner, upc, ZBarConfig.CFG_ENABLE, 1)
        with pyzbar._image() as zimage:
            zbar_image_set_format(zimage, _Y800)
            zbar_image_set_size(zimage, width, height)
            zbar_image_set_data(zimage, cast(pixels, c_void_p), len(pixels), None)
            zbar_scan_image(scanner, zimage)
            for symbol in pyzbar._symbols_for_image(zimage):
                gs1 = bool(_zbar_symbol_get_modifiers(symbol) & _ZBAR_MOD_GS1)
                found.extend((decoded, gs1) for decoded in pyzbar._decode_symbols([symbol]))
    return found


def _open(data: bytes, limits: DecodeLimits) -> Image.Image:
    """Open lazily and check format, pixels and frames from the header alone."""
    if not data:
        raise ImageError("The image is empty (zero bytes).")
    try:
        image = Image.open(io.BytesIO(data), formats=None)
    except UnidentifiedImageError:
        raise UnsupportedMediaType("Not an image, or not an image format Tanji reads.") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PayloadTooLarge(f"The image has more than {limits.max_pixels} pixels.") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(f"The image header is corrupt: {exc}") from None
    fmt = image.format or ""
    if fmt not in FORMATS:
        raise UnsupportedMediaType(f"{fmt or 'This'} images are not supported.")
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ImageError("The image has no pixels.")
    if width * height > limits.max_pixels:
        raise PayloadTooLarge(
            f"The image is {width}x{height} pixels; the limit is {limits.max_pixels} pixels."
        )
    try:
        frames = getattr(image, "n_frames", 1)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(f"The image is corrupt: {exc}") from None
    if frames > limits.max_frames:
        raise PayloadTooLarge(f"The image has {frames} frames; the limit is {limits.max_frames}.")
    return image


# The next marker after a scan's entropy-coded data (0xFF00 is a stuffed byte, FFD0-FFD7 restarts).
_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7]")


def _first_scans(data: bytes) -> bytes | None:
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


def _load_gray(
    image: Image.Image, fmt: str, limits: DecodeLimits | None
) -> tuple[Image.Image, int]:
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
        raise PayloadTooLarge("The image is a decompression bomb.") from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise ImageError(f"The image is corrupt or truncated: {exc}") from None
    return gray, orientation if orientation in _TRANSPOSE or orientation == 1 else 1


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


def _downscale(image: Image.Image, work_size: int) -> tuple[Image.Image, float]:
    width, height = image.size
    longest = max(width, height)
    if longest <= work_size:
        return image, 1.0
    scale = work_size / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0), size[0] / width


def _rotate(image: Image.Image, angle: float, outer: _Mapper) -> tuple[Image.Image, _Mapper]:
    """Rotate counter-clockwise by angle degrees (canvas expanded, white fill); map points back."""
    rotated = image.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    cx, cy = image.width / 2, image.height / 2
    rx, ry = rotated.width / 2, rotated.height / 2
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))

    def mapper(x: float, y: float) -> Point:
        dx, dy = x - rx, y - ry
        return outer(cx + dx * cos - dy * sin, cy + dx * sin + dy * cos)

    return rotated, mapper


def _code32(text: str) -> str | None:
    """Code 39 text that is a valid Italian pharmacode, as "A" + 9 digits; else None."""
    if len(text) != 6 or any(c not in _CODE32_ALPHABET for c in text):
        return None
    value = 0
    for char in text:
        value = value * 32 + _CODE32_ALPHABET.index(char)
    digits = f"{value:09d}"
    if len(digits) != 9:
        return None
    total = 0
    for i, char in enumerate(digits[:8]):
        d = int(char) * (2 if i % 2 else 1)
        total += d // 10 + d % 10
    return "A" + digits if total % 10 == int(digits[8]) else None


def _zbar_version() -> str:
    try:
        from ctypes import CFUNCTYPE, POINTER, byref, c_int, c_uint

        from pyzbar.wrapper import load_libzbar

        # pyzbar declares zbar_version with two arguments; zbar >= 0.23 writes a third (patch).
        prototype = CFUNCTYPE(c_int, POINTER(c_uint), POINTER(c_uint), POINTER(c_uint))
        zbar_version = prototype(("zbar_version", load_libzbar()))
        major, minor, patch = c_uint(), c_uint(), c_uint()
        zbar_version(byref(major), byref(minor), byref(patch))
        return f"{major.value}.{minor.value}.{patch.value}"
    except Exception:  # diagnostics must never break decoding
        return "unknown"


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"
