"""app.core.decode: generated codes under common camera damage, bad input, and real fixture photos."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest
from PIL import Image

from app.core import decode as decode_module
from app.core.codes import normalize_gtin, parse_scanned
from app.core.decode import (
    DecodeLimits,
    DecodeResult,
    Symbol,
    decode_image,
    engines,
    images,
    pipeline,
)
from app.core.decode.readers import Read
from app.core.errors import ImageError, PayloadTooLarge, UnsupportedMediaType
from tests import imaging

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ROOT / "fixtures" / "photos"

EAN13 = "5901234123457"
CHINESE = "碳迹 https://tanji.example/p/06901234567892?批次=A1"


def texts(result: DecodeResult) -> list[str]:
    return [s.text for s in result.symbols]


def bbox(polygon: tuple[tuple[int, int], ...]) -> tuple[int, int, int, int]:
    xs, ys = [p[0] for p in polygon], [p[1] for p in polygon]
    return min(xs), min(ys), max(xs), max(ys)


@pytest.fixture(scope="module")
def ean13() -> Image.Image:
    return imaging.pad(imaging.linear_image("ean13", EAN13[:12]))


@pytest.fixture(scope="module")
def qr() -> Image.Image:
    return imaging.pad(imaging.qr_image("https://tanji.example/l/CN-2024-0001", scale=5))


@pytest.mark.parametrize(
    ("kind", "code", "symbology", "text"),
    [
        ("ean13", "590123412345", "EAN-13", "05901234123457"),
        ("ean8", "9638507", "EAN-8", "00000096385074"),
        ("upca", "03600029145", "UPC-A", "00036000291452"),
        ("code128", "TANJI-0042/b", "CODE-128", "TANJI-0042/b"),
    ],
)
def test_linear_codes(kind: str, code: str, symbology: str, text: str) -> None:
    result = decode_image(imaging.make_barcode_png(kind, code))
    assert [(s.symbology, s.text) for s in result.symbols] == [(symbology, text)]
    assert result.format == "PNG"
    assert result.passes[0] == "zbar:downscaled"


@pytest.mark.parametrize(
    ("fmt", "code", "symbology", "text"),
    [
        # The same 8 digits are a valid EAN-8 and a valid UPC-E: the symbol decides.
        ("EAN8", "12345670", "EAN-8", "00000012345670"),
        ("UPCE", "12345670", "UPC-E", "00123456000070"),
        ("UPCE", "04252614", "UPC-E", "00042100005264"),
    ],
)
def test_ean8_and_upce_by_symbology(fmt: str, code: str, symbology: str, text: str) -> None:
    image = imaging.pad(imaging.zxing_image(code, fmt, scale=3))
    result = decode_image(imaging.to_bytes(image))
    assert [(s.symbology, s.text) for s in result.symbols] == [(symbology, text)]
    assert text == normalize_gtin(code, symbology)


def test_ean8_photo_text_agrees_with_resolve() -> None:
    image = imaging.pad(imaging.zxing_image("12345670", "EAN8", scale=3))
    (symbol,) = decode_image(imaging.to_bytes(image)).symbols
    assert symbol.text == parse_scanned("12345670", public_base_url="https://t.example").gtin


def test_qr_plain() -> None:
    result = decode_image(imaging.make_qr_png("https://tanji.example/l/1"))
    assert [(s.symbology, s.text) for s in result.symbols] == [("QR", "https://tanji.example/l/1")]


def test_utf8_chinese_qr_comes_back_exactly() -> None:
    result = decode_image(imaging.make_qr_png(CHINESE))
    assert texts(result) == [CHINESE]
    assert result.symbols[0].engine == "zxing"  # zxing's charset handling decides QR text


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda im: imaging.rotated(im, 30), id="rotated-30"),
        pytest.param(lambda im: imaging.rotated(im, 90), id="rotated-90"),
        pytest.param(lambda im: imaging.blurred(im, 1.0), id="blurred"),
        pytest.param(lambda im: imaging.noisy(im, 30), id="noisy"),
        pytest.param(lambda im: imaging.jpeg_roundtrip(im, 35), id="jpeg-q35"),
        pytest.param(lambda im: imaging.warped(im, 0.15), id="perspective"),
    ],
)
@pytest.mark.parametrize("code", ["ean13", "qr"])
def test_survives_camera_damage(request: pytest.FixtureRequest, code: str, damage) -> None:
    image = request.getfixturevalue(code)
    expected = "05901234123457" if code == "ean13" else "https://tanji.example/l/CN-2024-0001"
    result = decode_image(imaging.to_bytes(damage(image).convert("L")))
    assert texts(result) == [expected]


def test_faint_code_in_uneven_light_is_read_after_local_contrast() -> None:
    code = imaging.pad(imaging.linear_image("ean13", EAN13[:12], module_width=0.25, dpi=150))
    data = imaging.to_bytes(imaging.shaded(code, contrast=0.04))
    result = decode_image(data)
    assert texts(result) == ["0" + EAN13]
    assert result.passes[-1] == "zxing:local-contrast"
    assert decode_image(data, skip=frozenset({"zxing:local-contrast"})).symbols == ()


def test_rotated_polygon_is_in_original_coordinates(ean13: Image.Image) -> None:
    canvas = Image.new("L", (1200, 1200), 255)
    tilted = imaging.rotated(ean13, 45)
    canvas.paste(tilted, (100, 500))
    result = decode_image(imaging.to_bytes(canvas))
    assert texts(result) == ["05901234123457"]
    x0, y0, x1, y1 = bbox(result.symbols[0].polygon)
    assert 100 <= x0 and x1 <= 100 + tilted.width
    assert 500 <= y0 and y1 <= 500 + tilted.height


def test_big_image_polygon_scales_back(ean13: Image.Image) -> None:
    canvas = Image.new("L", (3200, 2400), 255)
    big = ean13.resize((ean13.width * 2, ean13.height * 2), Image.Resampling.NEAREST)
    canvas.paste(big, (2000, 1500))
    result = decode_image(imaging.to_bytes(canvas, "JPEG", quality=90))
    assert (result.width, result.height) == (3200, 2400)
    assert texts(result) == ["05901234123457"]
    x0, y0, x1, y1 = bbox(result.symbols[0].polygon)
    assert 2000 <= x0 and x1 <= 2000 + big.width
    assert 1500 <= y0 and y1 <= 1500 + big.height


@pytest.mark.parametrize("progressive", [False, True], ids=["baseline", "progressive"])
@pytest.mark.parametrize(("factor", "full"), [(2, False), (1, True)], ids=["work-size", "full"])
def test_big_jpeg_read_at_work_size_else_full(
    ean13: Image.Image, factor: int, full: bool, progressive: bool
) -> None:
    # 12 MP-like; a progressive file is first decoded from its first scans, then whole if need be.
    canvas = Image.new("L", (4000, 3000), 255)
    code = ean13.resize((ean13.width * factor, ean13.height * factor), Image.Resampling.NEAREST)
    canvas.paste(code, (2000, 1500))
    data = imaging.to_bytes(canvas, "JPEG", quality=90, progressive=progressive)
    assert (images.first_scans(data) is not None) == progressive
    result = decode_image(data)
    assert texts(result) == ["05901234123457"]
    assert ("zbar:full" in result.passes) == full
    x0, y0, x1, y1 = bbox(result.symbols[0].polygon)
    assert 2000 <= x0 and x1 <= 2000 + code.width
    assert 1500 <= y0 and y1 <= 1500 + code.height


def test_truncated_progressive_jpeg_is_image_error() -> None:
    whole = imaging.to_bytes(Image.new("L", (4000, 3000), 200), "JPEG", progressive=True)
    assert images.first_scans(whole) is not None
    with pytest.raises(ImageError, match="(?i)truncated|corrupt"):
        decode_image(whole[:-100])


def test_exif_orientation_polygon_is_in_oriented_coordinates(ean13: Image.Image) -> None:
    upright = Image.new("L", (1000, 700), 255)
    upright.paste(ean13, (40, 40))  # top-left corner when displayed
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # orientation 6 turns it back
    result = decode_image(imaging.jpeg_with_orientation(stored, 6))
    assert (result.width, result.height) == (1000, 700)
    assert texts(result) == ["05901234123457"]
    x0, y0, x1, y1 = bbox(result.symbols[0].polygon)
    assert 40 <= x0 and x1 <= 40 + ean13.width
    assert 40 <= y0 and y1 <= 40 + ean13.height


def test_two_codes_both_returned(ean13: Image.Image, qr: Image.Image) -> None:
    result = decode_image(imaging.to_bytes(imaging.on_canvas([ean13, qr], size=(1200, 500))))
    assert sorted((s.symbology, s.text) for s in result.symbols) == [
        ("EAN-13", "05901234123457"),
        ("QR", "https://tanji.example/l/CN-2024-0001"),
    ]


def test_data_matrix_beside_a_barcode_zbar_reads_is_returned_too(ean13: Image.Image) -> None:
    # zbar reads the EAN-13 and cannot see Data Matrix; the pipeline must not stop there.
    matrix = imaging.zxing_image("(01)09506000134352(10)AB12", gs1=True)
    result = decode_image(imaging.to_bytes(imaging.on_canvas([ean13, matrix], size=(1200, 500))))
    assert sorted((s.symbology, s.text) for s in result.symbols) == [
        ("DATA-MATRIX", "]d2010950600013435210AB12"),
        ("EAN-13", "05901234123457"),
    ]


@pytest.mark.parametrize("sliver_first", [True, False])
def test_sliver_misread_over_a_retail_code_gives_way_to_the_full_read(sliver_first: bool) -> None:
    # As zxing read a UPC-E photo: the code over 36 lines, a different number on a 1-line
    # sliver at its edge. One printed EAN/UPC carries one number.
    full = Read("UPC-E", "01264904", ((63, 96), (178, 96), (175, 132), (61, 132)), "zxing")
    sliver = Read("UPC-E", "01470062", ((64, 94), (177, 94), (177, 95), (64, 95)), "zxing")
    beside = Read("EAN-13", EAN13, ((300, 96), (400, 96), (400, 132), (300, 132)), "zbar")
    collected = pipeline._Pipeline(640, 480)
    for read in [sliver, full, beside] if sliver_first else [full, sliver, beside]:
        collected._add(read, lambda x, y: (round(x), round(y)))
    assert [s.text for s in collected.symbols.values()] == ["00012000006494", "0" + EAN13]


def test_same_code_twice_reported_once(ean13: Image.Image) -> None:
    result = decode_image(imaging.to_bytes(imaging.on_canvas([ean13, ean13], size=(1400, 400))))
    assert texts(result) == ["05901234123457"]


@pytest.mark.parametrize(
    "image",
    [
        pytest.param(Image.new("L", (640, 480), 255), id="blank"),
        pytest.param(imaging.noisy(Image.new("L", (320, 240), 128), 40), id="noise"),
    ],
)
def test_no_code_gives_empty_result(image: Image.Image) -> None:
    result = decode_image(imaging.to_bytes(image))
    assert result.symbols == ()
    assert (result.width, result.height) == image.size
    assert "zxing:downscaled" in result.passes


def test_gs1_datamatrix_keeps_aim_prefix_and_gs() -> None:
    image = imaging.pad(imaging.zxing_image("(01)09506000134352(10)AB12(17)261231", gs1=True), 20)
    result = decode_image(imaging.to_bytes(image))
    assert [(s.symbology, s.text, s.engine) for s in result.symbols] == [
        ("DATA-MATRIX", "]d2010950600013435210AB12\x1d17261231", "zxing")
    ]


def test_gs1_128_from_zbar_gets_aim_prefix() -> None:
    image = imaging.zxing_image(
        "(01)09506000134352(10)AB12(17)261231", "Code128", scale=3, gs1=True
    )
    result = decode_image(imaging.to_bytes(imaging.pad(image, 20)))
    assert texts(result) == ["]C1010950600013435210AB12\x1d17261231"]


def test_transparent_png_is_flattened_on_white() -> None:
    qr = imaging.qr_image("clear label", scale=6)
    rgba = Image.new("RGBA", qr.size, (0, 0, 0, 0))
    rgba.putalpha(qr.point(lambda v: 255 - v))  # black modules on a transparent background
    assert texts(decode_image(imaging.to_bytes(rgba))) == ["clear label"]


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        pytest.param(b"", ImageError, "empty", id="zero-bytes"),
        pytest.param(
            imaging.random_bytes(), UnsupportedMediaType, "not an image", id="random-bytes"
        ),
        pytest.param(
            "碳迹 label text\n".encode() * 20, UnsupportedMediaType, "not an image", id="text-file"
        ),
        pytest.param(
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", UnsupportedMediaType, "not an image", id="pdf"
        ),
    ],
)
def test_bad_input(data: bytes, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=f"(?i){words}"):
        decode_image(data)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_image_is_image_error(fmt: str) -> None:
    whole = imaging.to_bytes(imaging.noisy(Image.new("L", (400, 300), 128)), fmt)
    with pytest.raises(ImageError, match="(?i)truncated|corrupt"):
        decode_image(whole[: len(whole) // 2])


def test_unsupported_format_refused() -> None:
    data = imaging.to_bytes(Image.new("RGB", (8, 8), "white"), "PPM")
    with pytest.raises(UnsupportedMediaType, match="PPM"):
        decode_image(data)


def test_huge_header_refused_fast_without_decoding() -> None:
    data = imaging.png_header_only(100_000, 100_000)
    start = time.perf_counter()
    with pytest.raises(PayloadTooLarge, match="pixels"):
        decode_image(data)
    assert time.perf_counter() - start < 0.5


def test_pixel_limit_is_ours_not_pillows_global() -> None:
    data = imaging.make_qr_png("small but over a tiny limit")
    with pytest.raises(PayloadTooLarge, match="limit"):
        decode_image(data, DecodeLimits(max_pixels=1000))


def test_many_frames_refused() -> None:
    with pytest.raises(PayloadTooLarge, match="frames"):
        decode_image(imaging.many_frame_gif(1001))


def test_first_frame_of_gif_is_read() -> None:
    qr = imaging.qr_image("gif frame one").convert("P")
    blank = Image.new("P", qr.size, 255)
    blank.putpalette(qr.getpalette())
    data = imaging.to_bytes(qr, "GIF", save_all=True, append_images=[blank])
    result = decode_image(data)
    assert (result.format, texts(result)) == ("GIF", ["gif frame one"])


def test_symbol_and_result_are_frozen() -> None:
    symbol = Symbol("QR", "x", ((0, 0),), "zxing")
    with pytest.raises(AttributeError):
        symbol.text = "y"  # type: ignore[misc]


def test_engines_report_versions() -> None:
    versions = engines()
    assert set(versions) == {"zbar", "zxing-cpp"}
    assert all(v and v[0].isdigit() for v in versions.values()), versions


def test_decode_module_imports_no_web_or_storage_layers() -> None:
    imported: set[str] = set()
    for path in Path(decode_module.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported |= {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        imported |= {
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        }
    assert "zxingcpp" in imported  # the whole package was read
    forbidden = ("flask", "flask_smorest", "marshmallow", "schemas", "app.storage", "sqlite_utils")
    assert not [
        name
        for name in imported
        if name.split(".")[0] in forbidden or name.startswith("app.storage")
    ]


def photo_cases() -> list[Path]:
    return sorted(p for p in PHOTOS.iterdir() if p.suffix in {".jpg", ".png"})


@pytest.mark.parametrize("photo", photo_cases(), ids=lambda p: p.name)
def test_fixture_photos(photo: Path) -> None:
    expected = photo.with_suffix(".txt").read_bytes().decode("utf-8")
    result = decode_image(photo.read_bytes())
    found = texts(result)
    if expected.isdigit():  # EAN/UPC: compared as GTIN-14
        assert expected.zfill(14) in found or _upc_e_as_gtin14(expected) in found, found
    else:
        assert expected in found, found


def _upc_e_as_gtin14(upc_e: str) -> str:
    from biip.upc import Upc

    return Upc.parse(upc_e).as_gtin_14() if len(upc_e) == 8 else ""
