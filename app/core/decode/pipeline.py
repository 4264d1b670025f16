"""Image bytes -> decoded barcode symbols: the passes, cheapest first, and what they found."""

from __future__ import annotations

import time
from dataclasses import dataclass

import zxingcpp
from PIL import Image

from app.core.codes import GTIN_SYMBOLOGIES, normalize_gtin
from app.core.decode.images import (
    TRANSPOSE,
    DecodeLimits,
    Mapper,
    Point,
    downscale,
    first_scans,
    load_gray,
    local_contrast,
    open_image,
    rotate,
)
from app.core.decode.readers import Read, read_zbar, read_zxing
from app.core.errors import DomainError, ImageError


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


#: The last entry of DecodeResult.passes when the time budget ran out before the passes did.
STOPPED = "stopped:time-budget"
# Upscaling factors for small images, tried in turn (zxing-cpp itself only tries smaller scales).
UPSCALES = (2.0, 3.0)
_LIMITS = DecodeLimits()


def decode_image(
    data: bytes, limits: DecodeLimits = _LIMITS, *, skip: frozenset[str] = frozenset()
) -> DecodeResult:
    """Decode every barcode in an image.

    ``skip`` names passes to leave out (by name or prefix, e.g. "zbar:rot"): bench/decode.py's
    --without measures what each pass buys. Raises ImageError (empty, corrupt or truncated), UnsupportedMediaType (not an image, or a
    format Tanji does not read) and PayloadTooLarge (over the pixel or frame limits).
    """
    started = time.monotonic()
    image = open_image(data, limits)
    fmt = image.format or "?"
    stored_size = image.size  # before any JPEG draft reduction and before EXIF orientation
    # A big progressive JPEG is decoded from its first scans alone (see first_scans).
    preview = None
    if fmt in {"JPEG", "MPO"} and max(stored_size) > limits.work_size:
        preview = first_scans(data)
    try:
        gray, orientation = load_gray(
            image if preview is None else open_image(preview, limits), fmt, limits
        )
    except ImageError:
        if preview is None:
            raise
        gray, orientation = load_gray(image, fmt, limits)  # let the whole file decide
    # The decoded colour image can be 4 bytes a pixel; only the grey copy is needed from here.
    del image
    # A JPEG decoded at reduced size, or from its first scans only.
    full_res_available = preview is not None or gray.size != stored_size
    transpose = TRANSPOSE.get(orientation)
    swapped = orientation in (5, 6, 7, 8)
    width, height = (stored_size[1], stored_size[0]) if swapped else stored_size
    # Orient after shrinking: turning the small image costs less than turning the big one.
    small, _ = downscale(gray, limits.work_size)
    work = small.transpose(transpose) if transpose is not None else small
    scale = work.width / width
    budget = limits.time_budget
    deadline = started + budget if budget is not None else None
    pipeline = _Pipeline(width, height, skip, deadline)

    def to_original(factor: float) -> Mapper:
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
        rotated, mapper = rotate(work, angle, work_map)
        pipeline.zbar(f"zbar:rot{angle}", rotated, mapper)
        if pipeline.found:
            return pipeline.result(fmt)

    # Pass 4: small images (webcam frames, thumbnails): modules may be 1-2 pixels wide.
    if max(work.size) * 2 <= limits.work_size:
        # Several scales: which one resolves the bars depends on the module width.
        for factor in UPSCALES:
            up = work.resize(
                (round(work.width * factor), round(work.height * factor)),
                Image.Resampling.BICUBIC,
            )
            pipeline.zxing(f"zxing:up{factor:g}x", up, to_original(1 / factor / scale))
            if pipeline.found:
                return pipeline.result(fmt)
        if min(work.size) >= 128:
            half = work.resize((work.width // 2, work.height // 2), Image.Resampling.BOX)
            pipeline.zbar("zbar:half", half, to_original(work.width / half.width / scale))

    # Pass 5: full resolution, for small codes in big photos.
    elif scale < 1 and not pipeline.out_of_time():
        full = load_gray(open_image(data, limits), fmt, None)[0] if full_res_available else gray
        full = full.transpose(transpose) if transpose is not None else full
        identity = to_original(1.0)
        pipeline.zbar("zbar:full", full, identity)
        if not pipeline.found:
            pipeline.zxing("zxing:full", full, identity)

    # Pass 6, whatever the size: glare and shadow, bars whose contrast varies across the code.
    if not pipeline.found:
        pipeline.zxing("zxing:local-contrast", local_contrast(work), work_map)
    return pipeline.result(fmt)


class _Pipeline:
    """Collects symbols across passes, normalising, validating and de-duplicating them."""

    def __init__(
        self,
        width: int,
        height: int,
        skip: frozenset[str] = frozenset(),
        deadline: float | None = None,
    ) -> None:
        self.width = width
        self.height = height
        self.skip = skip
        self.deadline = deadline
        self.symbols: dict[tuple[str, str], Symbol] = {}
        self.passes: list[str] = []

    @property
    def found(self) -> bool:
        return bool(self.symbols)

    def has(self, symbology: str) -> bool:
        return any(s.symbology == symbology for s in self.symbols.values())

    def zbar(self, name: str, image: Image.Image, mapper: Mapper) -> None:
        if self._run(name):
            for read in read_zbar(image):
                self._add(read, mapper)

    def zxing(
        self,
        name: str,
        image: Image.Image,
        mapper: Mapper,
        formats: zxingcpp.BarcodeFormat | list[zxingcpp.BarcodeFormat] | None = None,
        try_rotate: bool = True,
    ) -> None:
        if not self._run(name):
            return
        reads = read_zxing(image, formats, try_rotate)
        if any(read.symbology == "QR" for read in reads):
            # zbar guesses the charset of QR text (garbling Shift_JIS): zxing's reading wins.
            for key in [
                k for k in self.symbols if k[0] == "QR" and self.symbols[k].engine == "zbar"
            ]:
                del self.symbols[key]
        for read in reads:
            self._add(read, mapper)

    def out_of_time(self) -> bool:
        """True once the photo's time budget is spent; the passes list then ends with
        "stopped:time-budget", so a client (and bench/abuse.py) can see the scan was cut short."""
        if self.deadline is None or time.monotonic() < self.deadline:
            return False
        if not self.passes or self.passes[-1] != STOPPED:
            self.passes.append(STOPPED)
        return True

    def _run(self, name: str) -> bool:
        if any(name.startswith(prefix) for prefix in self.skip) or self.out_of_time():
            return False
        self.passes.append(name)
        return True

    def _add(self, read: Read, mapper: Mapper) -> None:
        symbology, text = read.symbology, read.text
        if symbology == "ITF" and len(text) < 8:
            return  # short ITF reads are mostly fragments of longer codes (GTIN-14 is 14 digits)
        if symbology in GTIN_SYMBOLOGIES:
            try:
                text = normalize_gtin(text, symbology)
            except DomainError:
                return  # a failed check digit is a misread, never a result
        polygon = tuple(mapper(x, y) for x, y in read.corners)
        polygon = tuple(
            (min(max(x, 0), self.width - 1), min(max(y, 0), self.height - 1)) for x, y in polygon
        )
        if symbology in GTIN_SYMBOLOGIES:
            # One printed EAN/UPC carries one number: of two different reads over the same
            # bars, the one seen over fewer lines (a sliver) is a partial misread.
            for key, rival in list(self.symbols.items()):
                if rival.symbology in GTIN_SYMBOLOGIES and rival.text != text:
                    if _overlap(rival.polygon, polygon):
                        if _area(rival.polygon) >= _area(polygon):
                            return
                        del self.symbols[key]
        self.symbols.setdefault((symbology, text), Symbol(symbology, text, polygon, read.engine))

    def result(self, fmt: str) -> DecodeResult:
        return DecodeResult(
            tuple(self.symbols.values()), self.width, self.height, fmt, tuple(self.passes)
        )


def _overlap(a: tuple[Point, ...], b: tuple[Point, ...]) -> bool:
    """Whether two polygons' bounding boxes meet, each grown by 5 % of its width (a sliver
    read on the edge of a code's bars lies just outside the lines the full read spans)."""
    boxes = []
    for polygon in (a, b):
        xs, ys = [x for x, _ in polygon], [y for _, y in polygon]
        grow = 0.05 * (max(xs) - min(xs))
        boxes.append((min(xs) - grow, min(ys) - grow, max(xs) + grow, max(ys) + grow))
    (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = boxes
    return ax0 <= bx1 and bx0 <= ax1 and ay0 <= by1 and by0 <= ay1


def _area(polygon: tuple[Point, ...]) -> float:
    """Shoelace area: how many scan lines saw a linear code, in effect (a sliver is ~0)."""
    pairs = zip(polygon, polygon[1:] + polygon[:1], strict=True)
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairs)) / 2
