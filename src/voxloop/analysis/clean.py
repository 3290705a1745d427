"""Junk and spam scoring, and PII detection and redaction, for Chinese and English feedback."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Sequence
from urllib.parse import parse_qsl, urlsplit

from voxloop.analysis.types import Junk, Span

# --- junk ----------------------------------------------------------------------------------
#
# Scores are calibrated so that 0.5 (Junk.is_junk) separates "drop or hide this" from "keep":
# each rule below states the score it gives and why. The final score is the highest rule score,
# with a small bonus when independent rules agree (two weak signals make a strong one).

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。！？、；）)]+", re.IGNORECASE)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]+")
_VOWELS = set("aeiouy")
_KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
_KEY_POS = {ch: (r, c) for r, row in enumerate(_KEY_ROWS) for c, ch in enumerate(row)}

# Strong ad / scam wording: on its own a real customer rarely writes these.
_SPAM_STRONG = re.compile(
    r"兼职|刷单|日结|代购|返利|贷款|网赚|博彩|彩票|赌场|代开发票|免费领取|点击领取|日赚|月入|"
    r"click here|free money|make money|earn \$|work from home|casino|viagra|crypto|bitcoin|"
    r"promo code|limited offer|100% free|buy followers",
    re.IGNORECASE,
)
# Contact hooks: ads want you elsewhere. Alone these are weak (a customer may quote support's
# "请加微信"), so they only tip the score over 0.5 together with a strong term or a link.
_SPAM_CONTACT = re.compile(
    r"加\s*(?:微信|薇信|威信|v信|vx|v|q|qq|群)|微信号|扫码|qq群|"
    r"telegram|whatsapp|wechat|dm me|t\.me/",
    re.IGNORECASE,
)


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return (
        unicodedata.category(ch) == "So"
        or 0x1F000 <= cp <= 0x1FAFF
        or cp in (0x200D, 0xFE0F, 0x20E3)
        or 0x1F3FB <= cp <= 0x1F3FF
    )


def _is_mash_word(word: str) -> bool:
    """A Latin token that looks typed by rolling over the keyboard, not by language."""
    w = word.lower()
    if len(w) < 5:
        return False
    if len(set(w)) == 1:
        return True
    steps = [
        (_KEY_POS[a], _KEY_POS[b])
        for a, b in itertools.pairwise(w)
        if a in _KEY_POS and b in _KEY_POS
    ]
    # Neighbouring keys on one row ("asdfgh", "qwerty123", "jkl;"), or repeats: English words
    # of five letters or more almost never keep to a row for 70 % of their steps.
    adjacent = sum(1 for (ra, ca), (rb, cb) in steps if ra == rb and abs(ca - cb) <= 1)
    if steps and adjacent / len(steps) >= 0.7:
        return True
    letters = [c for c in w if c.isalpha()]
    # Random mashing ("sdkfjhsdkf"): no vowels in six letters, or six consonants in a row.
    if len(letters) >= 6 and sum(c in _VOWELS for c in letters) / len(letters) < 0.1:
        return True
    return re.search(r"[b-df-hj-np-tv-xz]{6,}", w) is not None


_REPEAT = re.compile(r"(.{1,2}?)\1{3,}", re.DOTALL)


def _repeat_cover(text: str) -> tuple[float, int]:
    """Share of ``text`` covered by a 1- or 2-character unit repeated 4+ times ("好好好好",
    "哈哈哈哈"), and how many letters are left outside those runs."""
    covered = sum(m.end() - m.start() for m in _REPEAT.finditer(text))
    rest = _REPEAT.sub("", text)
    left = len(_HAN.findall(rest)) + sum(len(w) for w in _LATIN.findall(rest))
    return (covered / len(text) if text else 0.0), left


# Words people type to try a form, not to say anything: "测试测试", "test 123", "lorem ipsum".
_PLACEHOLDER = re.compile(
    r"测试一下|测试|測試|试一下|试试|ceshi|(?:this ?is ?)?(?:just ?)?(?:an? ?)?"
    r"(?:testing|tests?)|asdf|qwerty|lorem|ipsum|hello ?world|foo|bar|baz|dummy|xxx+",
    re.IGNORECASE,
)


def _is_placeholder(compact: str) -> bool:
    """The whole message is made of placeholder words, digits and punctuation."""
    if not _PLACEHOLDER.search(compact):
        return False
    rest = _PLACEHOLDER.sub("", compact)
    return not any(ch.isalpha() for ch in rest)


def junk_score(text: str) -> Junk:
    """How likely ``text`` is junk (0 clean .. 1 junk), with the reasons that fired."""
    stripped = text.strip()
    if not stripped:
        return Junk(1.0, ["empty"])
    scores: dict[str, float] = {}
    compact = "".join(stripped.split())

    han = len(_HAN.findall(compact))
    latin_words = _LATIN.findall(compact if han else stripped)
    latin = sum(len(w) for w in latin_words)
    digits = sum(ch.isdigit() for ch in compact)
    emoji = sum(_is_emoji(ch) for ch in compact)
    letters = han + latin

    if letters == 0:
        # Emoji carry sentiment but no content to act on: junk for routing (0.7), kept for
        # sentiment by the caller. Digits / punctuation alone ("123", "。。。") say nothing (0.8).
        if emoji and all(_is_emoji(ch) or not ch.isalnum() for ch in compact):
            scores["emoji_only"] = 0.7
        else:
            scores["no_letters"] = 0.8

    urls = list(_URL.finditer(stripped))
    if urls:
        url_chars = sum(m.end() - m.start() for m in urls)
        rest = _URL.sub(" ", stripped)
        rest_letters = len(_HAN.findall(rest)) + sum(len(w) for w in _LATIN.findall(rest))
        # Mostly links (>= 60 % of the characters, or under 4 letters of own words): 0.9.
        # Three or more links in real prose are still unusual for feedback: 0.6.
        if url_chars / len(stripped) >= 0.6 or rest_letters < 4:
            scores["link_spam"] = 0.9
        elif len(urls) >= 3:
            scores["link_spam"] = 0.6
        letters_wo_urls = rest_letters
    else:
        letters_wo_urls = letters

    # Too short: one Chinese character or fewer than two Latin letters. A single character
    # ("好", "差") is a weak rating, so 0.35 (flag only); a lone Latin letter is 0.6.
    # Two characters ("好评", "退款") and words like "ok" are meaningful and score 0.
    if letters_wo_urls > 0 and "link_spam" not in scores:
        if han == 0 and latin < 2 and digits == 0:
            scores["too_short"] = 0.6
        elif han == 1 and latin == 0:
            scores["too_short"] = 0.35

    cover, left = _repeat_cover(compact)
    if cover >= 0.6 and len(compact) >= 5 and left < 2:
        # "好好好好好好好好", "!!!!!!!", "哈哈哈哈哈哈": the repeat is the message (0.85).
        scores["repeated_chars"] = 0.85
    elif cover >= 0.4 and len(compact) >= 8:
        scores["repeated_chars"] = 0.3  # noisy but with content ("太慢了!!!!!!!!")

    if latin_words and not han:
        mash = sum(len(w) for w in re.findall(r"[A-Za-z0-9]+", stripped) if _is_mash_word(w))
        alnum = sum(ch.isalnum() for ch in stripped)
        # Keyboard rolls or vowel-less strings making up most of the message: 0.9.
        if mash and mash / max(1, alnum) >= 0.6:
            scores["keyboard_mash"] = 0.9
        elif mash >= 5:
            scores["keyboard_mash"] = 0.3

    if _is_placeholder(compact):
        scores["placeholder"] = 0.8

    strong = len(_SPAM_STRONG.findall(stripped))
    contact = len(_SPAM_CONTACT.findall(stripped))
    spam = 0.45 * strong + 0.3 * contact + (0.2 if urls and (strong or contact) else 0.0)
    if spam >= 0.3:
        scores["template_spam"] = min(1.0, spam)

    if not scores:
        return Junk(0.0, [])
    top = max(scores.values())
    # Agreement bonus: each further rule at >= 0.3 adds 0.05.
    bonus = 0.05 * sum(1 for s in scores.values() if s >= 0.3) - 0.05
    score = min(1.0, top + max(0.0, bonus))
    reasons = [r for r, s in sorted(scores.items(), key=lambda kv: -kv[1])]
    return Junk(round(score, 3), reasons)


# --- PII -----------------------------------------------------------------------------------

_PRIORITY = {"url_token": 0, "email": 1, "id_card": 2, "phone": 3, "bank_card": 4}
_LABELS = {
    "phone": "[PHONE]",
    "email": "[EMAIL]",
    "id_card": "[ID_CARD]",
    "bank_card": "[BANK_CARD]",
    "url_token": "[URL]",
}

# The lookbehind keeps a match from starting inside a word ("josé_x@..." is not "x@...") but,
# unlike \w, lets an address follow Chinese text directly ("邮箱zs@example.com").
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-_\u00c0-\u024f])"
    r"[A-Za-z0-9][A-Za-z0-9._%+\-_]{0,63}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![A-Za-z0-9])"
)
_MOBILE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?<![\d+])(?:\(0\d{2,3}\)\s?|0\d{2,3}[\s-])\d{7,8}(?:-\d{1,5})?(?!\d)")
_INTL = re.compile(r"(?<![\w+])\+[1-9]\d{0,2}(?:[\s.-]?\(?\d{1,4}\)?){2,6}(?!\d)")
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_BANK = re.compile(r"(?<![\d-])\d{4,6}(?:[\s-]?\d{2,6}){2,4}(?![\d])")
_SECRET_KEYS = re.compile(
    r"token|key|secret|session|sess|sid|auth|password|passwd|pwd|signature|sig|ticket|"
    r"credential|code|otp|jwt|access",
    re.IGNORECASE,
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _valid_id_card(number: str) -> bool:
    """Chinese resident ID: province code, plausible birth date, ISO 7064 MOD 11-2 check."""
    if int(number[:2]) not in range(11, 83):
        return False
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if born.year < 1900 or born > dt.datetime.now(dt.UTC).date():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _url_has_secret(url: str) -> bool:
    try:
        parts = urlsplit(url if "://" in url else "http://" + url)
    except ValueError:
        return False
    query = "&".join(p for p in (parts.query, parts.fragment) if p)
    for name, value in parse_qsl(query, keep_blank_values=True):
        if value and _SECRET_KEYS.search(name):
            return True
    return False


def find_pii(text: str) -> list[Span]:
    """Phones, emails, resident IDs, bank cards and secret-bearing URLs, without overlaps."""
    found: list[Span] = []

    def add(start: int, end: int, kind: str) -> None:
        found.append(Span(start, end, kind, text[start:end]))

    for m in _URL.finditer(text):
        url = m.group(0).rstrip(".,;:!?)]}'\"")
        if _url_has_secret(url):
            add(m.start(), m.start() + len(url), "url_token")
    for m in _EMAIL.finditer(text):
        add(m.start(), m.end(), "email")
    for m in _ID_CARD.finditer(text):
        if _valid_id_card(m.group(0)):
            add(m.start(), m.end(), "id_card")
    for pattern in (_MOBILE, _LANDLINE):
        for m in pattern.finditer(text):
            add(m.start(), m.end(), "phone")
    for m in _INTL.finditer(text):
        n_digits = sum(ch.isdigit() for ch in m.group(0))
        if 8 <= n_digits <= 15:  # E.164: at most 15 digits; fewer than 8 is not a phone
            add(m.start(), m.end(), "phone")
    for m in _BANK.finditer(text):
        digits = re.sub(r"[\s-]", "", m.group(0))
        # 13-19 digits, Luhn-valid, and an issuer prefix (2-6: Visa, Mastercard, UnionPay 62,
        # Amex 3x ...). Order numbers starting with 1, 7-9 are left alone.
        if 13 <= len(digits) <= 19 and digits[0] in "23456" and _luhn(digits):
            add(m.start(), m.end(), "bank_card")

    # Most specific kind first, then the longer span; keep what does not overlap.
    found.sort(key=lambda s: (_PRIORITY[s.kind], -(s.end - s.start), s.start))
    kept: list[Span] = []
    for span in found:
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    kept.sort(key=lambda s: s.start)
    return kept


def redact(text: str, spans: Sequence[Span]) -> str:
    """Replace each span by its placeholder ("[PHONE]", "[EMAIL]", ...); overlaps are skipped."""
    out: list[str] = []
    pos = 0
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if span.start < pos or span.start < 0 or span.end > len(text) or span.end <= span.start:
            continue
        out.append(text[pos : span.start])
        out.append(_LABELS.get(span.kind, f"[{span.kind.upper()}]"))
        pos = span.end
    out.append(text[pos:])
    return "".join(out)
