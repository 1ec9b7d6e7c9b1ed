"""The text catalogs (core/locales): every message in Vietnamese and English, every id the code and the
templates use is in both, and no page ever shows a message id instead of its text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from core import i18n
from notifier.templates import ascii_fold, is_gsm7_basic

ROOT = Path(__file__).resolve().parents[2]
# The placeholders of these differ on purpose: the Vietnamese names the accepted values in words.
OWN_PLACEHOLDERS = {"problem.literal_error", "problem.enum", "problem.trigger"}


def _catalog(lang: str):
    with i18n.catalog_path(lang).open("rb") as f:
        return read_po(f)


def _used_ids() -> dict[str, str]:
    """msgid -> where, as Babel extracts them with babel.cfg (the same as `pybabel extract -F babel.cfg`)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    used = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map):
        assert isinstance(message, str), (filename, lineno, message)
        used[message] = f"{filename}:{lineno}"
    return used


def test_every_message_has_its_vietnamese_and_its_english() -> None:
    vi, en = _catalog("vi"), _catalog("en")
    vi_ids, en_ids = {m.id for m in vi if m.id}, {m.id for m in en if m.id}
    assert vi_ids == en_ids, f"only in vi: {sorted(vi_ids - en_ids)}; only in en: {sorted(en_ids - vi_ids)}"
    for catalog in (vi, en):
        for message in catalog:
            if message.id:
                assert isinstance(message.string, str) and message.string.strip(), f"{catalog.locale}: {message.id}"
                assert not message.fuzzy, f"{catalog.locale}: {message.id} is fuzzy"
    assert len(vi_ids) > 600


def test_a_translation_keeps_the_placeholders() -> None:
    vi, en = i18n.messages("vi"), i18n.messages("en")
    for msgid, text in vi.items():
        if msgid not in OWN_PLACEHOLDERS:
            assert set(re.findall(r"\{(\w*)\}", text)) == set(re.findall(r"\{(\w*)\}", en[msgid])), msgid


def test_every_id_the_code_and_the_templates_use_is_in_both_catalogs() -> None:
    used = _used_ids()
    assert len(used) > 350  # the extraction found the templates' _("...") and the code's gettext(lang, "...")
    assert {"desk.calls", "web.title", "sms.reminder", "ivr.menu", "call.keys"} <= set(used)
    for lang in i18n.LANGUAGES:
        missing = {msgid: where for msgid, where in used.items() if msgid not in i18n.messages(lang)}
        assert not missing, f"{lang} lacks {missing}"


def test_sms_texts_stay_plain_letters() -> None:
    for msgid, text in i18n.messages("vi").items():
        if msgid.startswith("sms."):
            assert ascii_fold(text) == text and is_gsm7_basic(text.replace("{", "").replace("}", "")), msgid


def test_an_unknown_id_is_an_error_and_an_unknown_language_is_vietnamese() -> None:
    with pytest.raises(KeyError):
        i18n.gettext("vi", "desk.no_such_text")
    with pytest.raises(KeyError):
        i18n.texts("en", "desk")["no_such_text"]
    assert i18n.gettext("fr", "desk.calls") == i18n.gettext("vi", "desk.calls") == "Cuộc gọi đang chờ"
    assert i18n.gettext("en", "desk.waiting", m=3) == "waiting 3 min"
    assert i18n.translations("en").gettext("desk.calls") == "Calls waiting"


def test_a_template_asking_for_an_unknown_id_fails_instead_of_showing_it() -> None:
    from intake.web.templating import _env

    template = _env().from_string('{{ _("desk.no_such_text") }}')
    with pytest.raises(KeyError):
        template.render(lang="vi")
    assert _env().from_string('{{ _("desk.calls") }}').render(lang="en") == "Calls waiting"
    assert _env().from_string('{{ _("desk.fix") }}').render(lang="vi") == "Vui lòng sửa các mục được đánh dấu."


def test_texts_stay_escaped_in_pages() -> None:
    from intake.web.templating import _env

    html = _env().get_template("console/not_found.html").render(lang="en", t=i18n.texts("en", "desk"))
    assert "There is no such page, or you may not see it." in html
    assert _env().from_string('{{ _("desk.choose") ~ "<b>" }}').render(lang="vi") == "— chọn —&lt;b&gt;"


PAGES = ["/bao-cao", "/dang-nhap", "/xa/dang-nhap"]


@pytest.fixture(scope="module")
def client():
    from intake.app import create_app

    with TestClient(create_app()) as c:
        yield c


@pytest.mark.parametrize("path", PAGES)
def test_pages_show_texts_not_message_ids(client: TestClient, path: str) -> None:
    prefixes = sorted({msgid.split(".", 1)[0] for msgid in i18n.messages("vi")})
    looks_like_an_id = re.compile(rf"\b(?:{'|'.join(prefixes)})\.[a-z_0-9]+\b")
    shown = {}
    for lang in i18n.LANGUAGES:
        response = client.get(path, params={"lang": lang})
        assert response.status_code == 200, (path, lang)
        html = response.text
        assert not looks_like_an_id.findall(html), (path, lang, looks_like_an_id.findall(html))
        shown[lang] = html
    assert shown["vi"] != shown["en"]
    assert "English" in shown["vi"] and "Tiếng Việt" in shown["en"]  # the way to the other language
