"""Tests for voxloop.analysis.clean (hand-made examples only)."""

from __future__ import annotations

import pytest

from voxloop.analysis.clean import find_pii, junk_score, redact

_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_card(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, _W, strict=True)) % 11]


def _kinds(text: str) -> list[tuple[str, str]]:
    return [(s.kind, s.text) for s in find_pii(text)]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "👍👍👍",
        "asdfgh",
        "jjjjjj",
        "qwerty123",
        "好好好好好好好好",
        "!!!!!!!",
        "https://a.example/x https://b.example/y",
        "加微信 abc123 兼职日结 300元",
        "click here for free money",
        "123456",
        "a",
        "测试测试",
        "测试一下 123",
        "test",
        "Testing, testing 1 2 3",
        "this is just a test.",
        "lorem ipsum",
    ],
)
def test_junk_positives(text: str) -> None:
    assert junk_score(text).is_junk, text


@pytest.mark.parametrize(
    "text",
    [
        "太慢了",
        "好评",
        "ok but slow",
        "退款",
        "太慢了!!!!!!!!",
        "客服让我加微信处理，太麻烦了",
        "The strength of this phone is great",
        "哈哈哈哈，笑死了，这个手机太好用",
        "好",
        "no",
        "测试版本老是闪退",
        "Is this a test? The app logged me out twice",
        "The test drive was great",
        "bar code scanner fails",
    ],
)
def test_short_but_meaningful_is_not_junk(text: str) -> None:
    junk = junk_score(text)
    assert not junk.is_junk, (text, junk)
    assert 0.0 <= junk.score <= 1.0


def test_junk_reasons() -> None:
    assert junk_score("").reasons == ["empty"]
    assert junk_score("😀😀").reasons == ["emoji_only"]
    assert "keyboard_mash" in junk_score("asdfgh").reasons
    assert "repeated_chars" in junk_score("好好好好好好好好").reasons
    assert "link_spam" in junk_score("www.spam.example/a www.spam.example/b").reasons
    assert "template_spam" in junk_score("代购 加vx 888").reasons
    assert "no_letters" in junk_score("12345 ...").reasons
    assert junk_score("测试测试").reasons == ["placeholder"]
    assert "too_short" in junk_score("a").reasons


def test_mobile_phones() -> None:
    text = "电话13812345678，或者+86 138-1234-5678，也可以 86 139 1234 5678"
    assert [k for k, _ in _kinds(text)] == ["phone", "phone", "phone"]
    assert _kinds("编号 12812345678") == []  # 12x is not a mobile prefix
    assert _kinds("138123456789") == []  # too long to be a mobile


def test_landline_and_international() -> None:
    assert _kinds("座机 010-12345678") == [("phone", "010-12345678")]
    assert _kinds("call +44 20 7946 0958 now") == [("phone", "+44 20 7946 0958")]
    assert _kinds("version +1 2") == []


def test_email() -> None:
    assert _kinds("mail a.b+c@example.co.uk.") == [("email", "a.b+c@example.co.uk")]
    assert _kinds("not@an email") == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("邮箱zs@example.com谢谢", "zs@example.com"),  # right after Chinese text
        ("user_name@example.com", "user_name@example.com"),
        ("mailto:ann@example.com", "ann@example.com"),
        ("(bob@example.com)", "bob@example.com"),
    ],
)
def test_email_boundaries(text: str, found: str) -> None:
    assert _kinds(text) == [("email", found)]


@pytest.mark.parametrize(
    "text", ["%bob@example.com", "-bob@example.com", ".bob@example.com", "josé.x@example.com"]
)
def test_email_never_starts_inside_a_word(text: str) -> None:
    assert _kinds(text) == []


def test_id_card_checksum_and_birth_date() -> None:
    good = _id_card("11010519491231002")
    assert _kinds(f"身份证{good}") == [("id_card", good)]
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    assert _kinds(f"身份证{bad_check}") == []
    bad_date = _id_card("11010519491332002")  # month 13
    assert _kinds(bad_date) == []
    assert _kinds("随机 123456789012345678") == []


def test_bank_card_luhn() -> None:
    assert _kinds("card 4111 1111 1111 1111") == [("bank_card", "4111 1111 1111 1111")]
    assert _kinds("卡号6222021234567890128") == [("bank_card", "6222021234567890128")]
    assert _kinds("card 4111-1111-1111-1112") == []


def test_url_token_only_with_secrets() -> None:
    text = "reset https://x.example/r?token=abc123&u=1, shop https://shop.example/p?id=5"
    assert _kinds(text) == [("url_token", "https://x.example/r?token=abc123&u=1")]
    assert _kinds("https://a.example/cb?session_id=zz") == [
        ("url_token", "https://a.example/cb?session_id=zz")
    ]


def test_no_overlaps_prefer_specific_kind() -> None:
    text = "https://a.example/l?email=me@x.example&access_token=t0k"
    spans = find_pii(text)
    assert [s.kind for s in spans] == ["url_token"]


def test_redact_offsets() -> None:
    good = _id_card("44030619900307123")
    text = f"我是张三，电话138 1234 5678，邮箱 zs@example.com，身份证{good}。"
    spans = find_pii(text)
    assert [s.kind for s in spans] == ["phone", "email", "id_card"]
    for s in spans:
        assert text[s.start : s.end] == s.text
    assert redact(text, spans) == "我是张三，电话[PHONE]，邮箱 [EMAIL]，身份证[ID_CARD]。"
    assert redact(text, []) == text
