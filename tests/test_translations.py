"""The gettext catalogues: in step with the code, complete in zh_CN, and well-formed."""

from __future__ import annotations

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.core.messages import Message, Text, _, ngettext
from app.i18n import LANGUAGES, TRANSLATIONS, load_catalogue, nearest, translate
from tests.conftest import ROOT


def extracted() -> set[str]:
    """Every message the code marks, found as `make translations` finds them (babel.cfg)."""
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=locale)


@pytest.fixture(scope="module")
def marked() -> set[str]:
    return extracted()


@pytest.mark.parametrize("locale", LANGUAGES.values())
def test_catalogue_holds_exactly_the_messages_the_code_marks(marked, locale):
    """Run `make translations` (then translate the new zh_CN entries) when this fails."""
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(locale) if m.id}
    assert marked - ids == set(), "messages missing from the catalogue"
    assert ids - marked == set(), "obsolete messages in the catalogue"


def test_every_message_is_translated_into_chinese():
    untranslated = [m.id for m in catalog("zh_CN") if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


@pytest.mark.parametrize("locale", LANGUAGES.values())
def test_translations_keep_their_placeholders(locale):
    problems = [(m.id, errors) for m, errors in catalog(locale).check() if errors]
    assert problems == []


def test_catalogues_load_from_the_po_source():
    zh = load_catalogue("zh_CN")
    assert zh.gettext("Valid") == "有效"
    assert load_catalogue("en").gettext("Valid") == "Valid"  # English is the source


def test_a_message_translates_with_its_parameters_in_one_language():
    region = _("East China grid")
    message = _(
        "Regional grid-average CO2 factor (%(region)s, for reference, not in the total)",
        region=region,
    )
    assert (
        translate(message, "zh-CN")
        == "区域电网平均二氧化碳排放因子（华东电网，仅供参考，不计入总量）"
    )
    assert translate(message, "en") == str(message)
    assert str(message) == (
        "Regional grid-average CO2 factor (East China grid, for reference, not in the total)"
    )
    # Catalogue data carries both languages itself; plain strings pass through.
    assert translate(Text("水泥", "Cement"), "zh-CN") == "水泥"
    assert translate(Text("水泥", "Cement"), "en") == "Cement"
    assert translate("as is", "zh-CN") == "as is"


def test_a_message_not_yet_in_the_catalogue_falls_back_to_its_english_source():
    assert translate(_("Not translated yet: %(x)s", x=1), "zh-CN") == "Not translated yet: 1"
    plural = ngettext("%(n)s code", "%(n)s codes", 2)
    assert isinstance(plural, Message) and translate(plural, "en") == "2 codes"
    assert str(ngettext("%(n)s code", "%(n)s codes", 1)) == "1 code"


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("en", "en"),
        ("EN", "en"),
        ("en-US", "en"),
        ("en_GB", "en"),
        ("zh", "zh-CN"),
        ("zh-CN", "zh-CN"),
        ("zh-cn", "zh-CN"),
        ("zh-Hans", "zh-CN"),
        ("zh-Hant-TW", "zh-CN"),
        ("fr", None),
        ("", None),
        ("en-US,fr", None),
        ("english", None),
    ],
)
def test_nearest_supported_language(tag, language):
    assert nearest(tag) == language


def test_a_message_put_into_json_by_hand_is_sent_translated(app):
    from flask import jsonify

    message = _("Valid")
    with app.test_request_context("/?lang=en"):
        assert jsonify({"m": message, "t": Text("水泥", "Cement")}).get_json() == {
            "m": "Valid",
            "t": "Cement",
        }
    with app.test_request_context("/?lang=fr"):  # never raises here: the default language
        assert jsonify({"m": message}).get_json() == {"m": "有效"}
