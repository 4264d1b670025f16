"""The two barcode engines, zbar and zxing-cpp, behind one shape: what each read, and where."""

from __future__ import annotations

from ctypes import c_void_p, cast
from dataclasses import dataclass

import zxingcpp
from PIL import Image
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


@dataclass(frozen=True)
class Read:
    """One symbol as an engine reported it, with names and GS1 prefixes made common."""

    symbology: str  # stable uppercase name shared by both engines: "EAN-13", "QR", ...
    text: str  # as read; GS1 content as "]C1..." / "]d2..." with GS separators
    corners: tuple[tuple[float, float], ...]  # in the pixels of the image the engine saw
    engine: str  # "zbar" or "zxing"


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
_ZBAR_MOD_GS1 = 1 << 0  # zbar_modifier_t ZBAR_MOD_GS1
_zbar_symbol_get_modifiers = zbar_function(
    "zbar_symbol_get_modifiers", c_uint, POINTER(zbar_symbol)
)
# AIM symbology identifiers for GS1 data read by zbar (zxing-cpp reports its own).
_ZBAR_GS1_AIM = {"CODE-128": "]C1", "QR": "]Q3", "DATABAR": "]e0", "DATABAR-EXPANDED": "]e0"}
_Y800 = 0x30303859  # zbar's fourcc for 8-bit greyscale, as pyzbar sets it
# Italian pharmacode (Code 32) is Code 39 carrying 6 base-32 characters.
_CODE32_ALPHABET = "0123456789BCDFGHJKLMNPQRSTUVWXYZ"


def versions() -> dict[str, str]:
    """The engines and their versions, for diagnostics."""
    return {
        "zbar": _zbar_version(),
        "zxing-cpp": getattr(zxingcpp, "__version__", _dist_version("zxing-cpp")),
    }


def read_zbar(image: Image.Image) -> list[Read]:
    """zbar on a greyscale image: every symbol it finds (it scans rows and columns only)."""
    reads = []
    for found, gs1 in _zbar_decode(image):
        symbology = _ZBAR_NAMES.get(found.type, found.type.replace("_", "-"))
        raw = found.data.decode("utf-8", errors="replace")
        if symbology == "CODE-39" and (code32 := _code32(raw)) is not None:
            symbology, raw = "CODE-32", code32
        if gs1 and symbology in _ZBAR_GS1_AIM:
            raw = _ZBAR_GS1_AIM[symbology] + raw  # zbar drops the leading FNC1, keeps GS
        reads.append(Read(symbology, raw, tuple((p.x, p.y) for p in found.polygon), "zbar"))
    return reads


def read_zxing(
    image: Image.Image,
    formats: zxingcpp.BarcodeFormat | list[zxingcpp.BarcodeFormat] | None = None,
    try_rotate: bool = True,
) -> list[Read]:
    """zxing-cpp on a greyscale image (it tries 90 degree turns, inversion and smaller scales)."""
    kwargs: dict = {"try_rotate": try_rotate}
    if formats is not None:
        kwargs["formats"] = formats
    reads = []
    for barcode in zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain, **kwargs):
        symbology = _ZXING_NAMES.get(barcode.format.name, barcode.format.name.upper())
        text = barcode.text
        if barcode.content_type == zxingcpp.ContentType.GS1:
            text = barcode.symbology_identifier + text  # "]C1", "]d2", "]Q3", "]e0"
        pos = barcode.position
        corners = tuple(
            (p.x, p.y) for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
        )
        reads.append(Read(symbology, text, corners, "zxing"))
    return reads


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
