"""Image-making helpers for tests: barcodes and broken files, generated, so no test needs photos."""

from __future__ import annotations

import io
import random
import struct
import zlib

import barcode
import numpy as np
import segno
import zxingcpp
from barcode.writer import ImageWriter
from PIL import Image, ImageFilter


def to_bytes(image: Image.Image, fmt: str = "PNG", **save: object) -> bytes:
    """Encode a Pillow image as file bytes."""
    buf = io.BytesIO()
    image.save(buf, format=fmt, **save)
    return buf.getvalue()


def qr_image(text: str, scale: int = 6, border: int = 4) -> Image.Image:
    """A QR code (UTF-8 for non-ASCII text) as a greyscale Pillow image."""
    buf = io.BytesIO()
    segno.make_qr(text, encoding="utf-8" if not text.isascii() else None).save(
        buf, kind="png", scale=scale, border=border
    )
    return Image.open(io.BytesIO(buf.getvalue())).convert("L")


def make_qr_png(text: str, scale: int = 6, border: int = 4) -> bytes:
    """PNG bytes of a QR code."""
    return to_bytes(qr_image(text, scale, border))


def linear_image(kind: str, code: str, module_width: float = 0.3, dpi: int = 200) -> Image.Image:
    """A 1D barcode (python-barcode names: "ean13", "ean8", "upca", "code128") without text."""
    writer = ImageWriter()
    options = {
        "write_text": False,
        "module_width": module_width,
        "module_height": 12.0,
        "dpi": dpi,
        "quiet_zone": 6.5,
    }
    symbol = barcode.get(kind, code, writer=writer)
    return symbol.render(options).convert("L")


def make_barcode_png(kind: str, code: str) -> bytes:
    """PNG bytes of a 1D barcode."""
    return to_bytes(linear_image(kind, code))


def zxing_image(
    content: str, fmt: str = "DataMatrix", scale: int = 6, **options: object
) -> Image.Image:
    """A symbol drawn by zxing-cpp (e.g. a GS1 DataMatrix with gs1=True)."""
    symbol = zxingcpp.create_barcode(content, zxingcpp.BarcodeFormat.__members__[fmt], **options)
    return Image.fromarray(np.array(zxingcpp.write_barcode_to_image(symbol, scale=scale)))


def on_canvas(
    images: list[Image.Image], size: tuple[int, int] = (1000, 700), gap: int = 40
) -> Image.Image:
    """Paste images left to right on a white canvas."""
    canvas = Image.new("L", size, 255)
    x = gap
    for image in images:
        canvas.paste(image, (x, gap))
        x += image.width + gap
    return canvas


def pad(image: Image.Image, margin: int = 60) -> Image.Image:
    """Add a white margin (room to rotate or warp without cutting the code)."""
    canvas = Image.new("L", (image.width + 2 * margin, image.height + 2 * margin), 255)
    canvas.paste(image, (margin, margin))
    return canvas


def rotated(image: Image.Image, degrees: float) -> Image.Image:
    """Rotate counter-clockwise, expanding the canvas with white."""
    return image.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def blurred(image: Image.Image, radius: float = 1.0) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius))


def noisy(image: Image.Image, sigma: float = 25.0, seed: int = 1) -> Image.Image:
    """Add Gaussian noise, deterministically."""
    pixels = np.asarray(image, dtype=np.float32)
    noise = np.random.default_rng(seed).normal(0.0, sigma, pixels.shape)
    return Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))


def warped(image: Image.Image, amount: float = 0.12) -> Image.Image:
    """A perspective warp, as a phone held at an angle sees a label."""
    w, h = image.size
    d = amount
    # Quad corners in the source (UL, LL, LR, UR) that map onto the output rectangle.
    quad = (-d * w, 0, 0, h, w, h, w * (1 + d), 0)
    return image.transform(
        (w, h), Image.Transform.QUAD, quad, Image.Resampling.BICUBIC, fillcolor=255
    )


def shaded(image: Image.Image, contrast: float = 0.04) -> Image.Image:
    """Faint print in uneven light: contrast squeezed, then a shadow fading across the image."""
    pixels = np.asarray(image, dtype=np.float32) / 255
    light = 0.25 + 0.75 * np.arange(image.width, dtype=np.float32) / image.width
    shaded = (0.5 + contrast * (pixels - 0.5)) * light[np.newaxis, :]
    return Image.fromarray((np.clip(shaded, 0, 1) * 255).astype(np.uint8))


def jpeg_roundtrip(image: Image.Image, quality: int) -> Image.Image:
    """The image after lossy JPEG compression."""
    return Image.open(io.BytesIO(to_bytes(image, "JPEG", quality=quality)))


def jpeg_with_orientation(image: Image.Image, orientation: int, quality: int = 90) -> bytes:
    """JPEG bytes whose pixels are stored as given, tagged with an EXIF orientation."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    return to_bytes(image.convert("RGB"), "JPEG", quality=quality, exif=exif.tobytes())


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims width x height, with one tiny IDAT: huge on paper, small in bytes."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload))
            + kind
            + payload
            + struct.pack(">I", zlib.crc32(kind + payload))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    idat = zlib.compress(b"\x00" * 16)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def many_frame_gif(frames: int, size: tuple[int, int] = (4, 4)) -> bytes:
    """An animated GIF with this many (distinct, tiny) frames."""
    images = [Image.new("P", size, i % 2) for i in range(frames)]
    for image in images:
        image.putpalette([0, 0, 0, 255, 255, 255])
    buf = io.BytesIO()
    images[0].save(
        buf, format="GIF", save_all=True, append_images=images[1:], duration=10, disposal=1
    )
    return buf.getvalue()


def random_bytes(n: int = 4096, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(n)
