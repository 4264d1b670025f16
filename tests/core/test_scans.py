"""app.core.scans: de-duplication, size limit and the no-code hint, with decoding stubbed."""

from __future__ import annotations

import datetime as dt

import pytest

from app.core import scans
from app.core.decode import DecodeLimits, DecodeResult, Symbol
from app.core.errors import PayloadTooLarge


class EmptyCatalogue:
    def __init__(self) -> None:
        self.queries = 0

    def products(self, gtins):
        self.queries += 1
        return {}

    def certificates_for(self, gtins):
        self.queries += 1
        return {}

    def certificate(self, number):
        self.queries += 1
        return None


def run(monkeypatch, symbols, data=b"img", **kwargs):
    result = DecodeResult(tuple(symbols), 640, 480, "PNG", ("zbar:downscaled",))
    monkeypatch.setattr(scans, "decode_image", lambda _data, _limits: result)
    catalogue = EmptyCatalogue()
    scanned = scans.scan(
        data,
        catalogue,
        limits=DecodeLimits(),
        today=dt.date(2026, 6, 15),
        public_base_url="http://127.0.0.1:8000",
        **kwargs,
    )
    return scanned, catalogue


def test_the_same_text_from_two_symbols_is_reported_once_where_first_seen(monkeypatch):
    first = Symbol("QR", "09506000134352", ((1, 1), (9, 1), (9, 9), (1, 9)), "zbar")
    again = Symbol("DATA-MATRIX", "09506000134352", ((50, 50),), "zxing")
    other = Symbol("QR", "hello", ((20, 20),), "zxing")
    result, catalogue = run(monkeypatch, [first, again, other])
    assert [s.symbol for s in result.symbols] == [first, other]
    assert [type(s.item.error).__name__ for s in result.symbols] == ["NotFound", "NotACode"]
    assert result.hint is None
    assert (result.width, result.height, result.format) == (640, 480, "PNG")


def test_no_code_has_a_hint_and_asks_the_catalogue_nothing(monkeypatch):
    result, catalogue = run(monkeypatch, [])
    assert result.symbols == ()
    assert result.hint is scans.NO_CODE_HINT
    assert str(result.hint).startswith("No barcode")  # English source; translated at the edge
    assert catalogue.queries == 0


def test_over_max_bytes_is_refused_before_decoding(monkeypatch):
    def must_not_decode(_data, _limits):
        raise AssertionError("decoded an over-size upload")

    monkeypatch.setattr(scans, "decode_image", must_not_decode)
    with pytest.raises(PayloadTooLarge) as excinfo:
        scans.scan(
            b"x" * 11,
            EmptyCatalogue(),
            limits=DecodeLimits(),
            today=dt.date(2026, 6, 15),
            public_base_url="http://127.0.0.1:8000",
            max_bytes=10,
        )
    assert excinfo.value.details == {"limit": 10}
