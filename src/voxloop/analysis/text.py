"""Text primitives for Chinese and English feedback: normalise, detect language, segment, split clauses."""

from __future__ import annotations

import bisect
import html
import itertools
import logging
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from voxloop.analysis.types import Language, Span

# --- normalize -----------------------------------------------------------------------------

# Full-width forms U+FF01..U+FF5E map to ASCII by subtracting 0xFEE0. These Chinese
# punctuation marks stay full-width: they carry sentence structure (and sentiment, ！？) in
# Chinese text, and downstream clause splitting treats both widths alike anyway.
_KEEP_FULLWIDTH = set("，！？：；（）")


def _build_normalize_table() -> dict[int, int | str | None]:
    table: dict[int, int | str | None] = {}
    for cp in range(0xFF01, 0xFF5F):
        if chr(cp) not in _KEEP_FULLWIDTH:
            table[cp] = cp - 0xFEE0
    table[0x3000] = " "  # ideographic space
    # Control characters become spaces (tab, CR, VT ...) or vanish (NUL, DEL, C1 controls);
    # newline is kept so that line breaks still separate clauses.
    for cp in list(range(0x00, 0x20)) + list(range(0x7F, 0xA0)):
        table[cp] = None
    for cp in (0x09, 0x0B, 0x0C, 0x0D, 0x85):
        table[cp] = " "
    table[0x0A] = "\n"
    # Lone surrogates (a str can hold them, UTF-8 cannot encode them) are dropped.
    for cp in range(0xD800, 0xE000):
        table[cp] = None
    # Invisible format characters (zero-width space, BOM, bidi marks) vanish, except the
    # zero-width joiner that glues multi-person / skin-tone emoji sequences together.
    for cp in (0x200B, 0x200C, 0x200E, 0x200F, 0x2060, 0xFEFF, 0xFFFE, 0xFFFF):
        table[cp] = None
    for cp in range(0x202A, 0x202F):
        table[cp] = None
    for cp in range(0x2066, 0x206A):
        table[cp] = None
    # Unicode line/paragraph separators and odd spaces become plain spaces.
    for cp in (0x00A0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F):
        table[cp] = " "
    for cp in range(0x2000, 0x200B):
        table[cp] = " "
    return table


_NORMALIZE_TABLE = _build_normalize_table()
_TAG = re.compile(r"<!--[\s\S]*?(?:-->|\Z)|</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")
_BLOCK = re.compile(r"</?(?:br|p|div|li|ul|ol|tr|td|th|table|h[1-6])\b[^<>]*>", re.IGNORECASE)
_SPACES = re.compile(r"[ ]*\n[\s]*|[ ]{2,}")


def _drop_element(text: str, name: str) -> str:
    """Remove <script>/<style> elements with their content, in linear time."""
    lower = text.lower()
    opener, closer = f"<{name}", f"</{name}"
    if opener not in lower:
        return text
    parts: list[str] = []
    pos = 0
    while True:
        start = lower.find(opener, pos)
        if start < 0:
            break
        parts.append(text[pos:start])
        end = lower.find(closer, start)
        if end < 0:
            pos = len(text)
            break
        gt = lower.find(">", end)
        pos = len(text) if gt < 0 else gt + 1
    parts.append(text[pos:])
    return "".join(parts)


def _collapse(match: re.Match[str]) -> str:
    return "\n" if "\n" in match.group(0) else " "


def normalize(text: str) -> str:
    """Canonical display form: half-width ASCII, no HTML, no controls, single spaces.

    Never raises on any ``str``; emoji and Chinese punctuation are kept.
    """
    if not text:
        return ""
    if "<" in text and ">" in text:
        text = _drop_element(text, "script")
        text = _drop_element(text, "style")
        text = _BLOCK.sub("\n", text)  # block elements separate lines; inline tags vanish
        text = _TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)  # may produce controls or surrogates: translate after
    text = text.translate(_NORMALIZE_TABLE)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    text = _SPACES.sub(_collapse, text.replace("\t", " "))
    return text.strip()


# --- language ------------------------------------------------------------------------------

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
_OTHER_LETTER = re.compile(r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u06ff\u0900-\u0dff\u0e00-\u0e7f]")


def detect_language(text: str) -> Language:
    """ "zh", "en", "mixed" or "other", by counting scripts.

    A Chinese character carries about as much as a short English word, so Han characters are
    weighed against Latin *words* (x2). A brand name in Chinese text ("这个app很好用") stays
    "zh"; "mixed" needs at least two of each and the smaller side at >= 25 % of the larger.
    """
    han = len(_HAN.findall(text))
    words = _LATIN_WORD.findall(text)
    latin = len(words)
    other = len(_KANA_HANGUL.findall(text)) + len(_OTHER_LETTER.findall(text))
    if other and other >= max(han, sum(len(w) for w in words)) * 0.5:
        return "other"
    if han == 0 and latin == 0:
        return "other"
    if han >= 2 and latin >= 2:
        zh_weight, en_weight = float(han), 2.0 * latin
        if min(zh_weight, en_weight) / max(zh_weight, en_weight) >= 0.25:
            return "mixed"
    if han >= 2 * latin or (han and latin < 2):
        return "zh"
    return "en"


# --- segmentation --------------------------------------------------------------------------

_JIEBA_LOCK = threading.Lock()
_TOKENIZERS: OrderedDict[frozenset[str], Any] = OrderedDict()
_TOKENIZER_CACHE_SIZE = 8  # each entry shares nothing mutable; ~40 MB of dict per entry


@lru_cache(maxsize=1)
def _base_tokenizer() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok


def _tokenizer(userdict: frozenset[str]) -> Any:
    """A jieba tokenizer with the base dictionary plus ``userdict`` (LRU-cached).

    Each user dictionary gets its own Tokenizer holding a *copy* of the base frequency table, so
    one workspace's domain terms never change how another workspace's text is cut.
    """
    base = _base_tokenizer()
    if not userdict:
        return base
    with _JIEBA_LOCK:
        tok = _TOKENIZERS.get(userdict)
        if tok is not None:
            _TOKENIZERS.move_to_end(userdict)
            return tok
        import jieba

        tok = jieba.Tokenizer()
        tok.FREQ = dict(base.FREQ)
        tok.total = base.total
        tok.initialized = True
        for word in sorted(userdict):
            if word and not word.isspace():
                tok.add_word(word)
        _TOKENIZERS[userdict] = tok
        if len(_TOKENIZERS) > _TOKENIZER_CACHE_SIZE:
            _TOKENIZERS.popitem(last=False)
        return tok


_EN_WORD = re.compile(r"[a-z0-9\u00c0-\u024f]+(?:['’][a-z]+)*")


def _is_content(token: str) -> bool:
    """False for tokens made only of punctuation, whitespace or ASCII symbols."""
    for ch in token:
        if ch.isalnum():
            return True
        if unicodedata.category(ch) == "So":  # emoji and pictographs are signal
            return True
    return False


def segment(text: str, language: str | None = None, userdict: Sequence[str] = ()) -> list[str]:
    """Words of ``text``: jieba for Chinese (honouring ``userdict``), lowercase split for English."""
    if not text:
        return []
    lang = language or detect_language(text)
    if lang == "en":
        return _EN_WORD.findall(text.lower())
    tok = _tokenizer(frozenset(userdict))
    out: list[str] = []
    for raw in tok.cut(text, HMM=True):
        token = raw.strip()
        if token and _is_content(token):
            out.append(token.lower() if token.isascii() else token)
    return out


# --- clauses -------------------------------------------------------------------------------

_CLAUSE_PUNCT = re.compile(r"[，,。．.!！?？;；:：\n…~～、]+|\s[-–—]+\s")
# Contrast conjunctions open a new clause (and stay at its start, since they signal the
# contrast). Guards avoid the common non-contrast uses: 不但 (not only), 但愿, 这就是 / 也就是
# (that is exactly), 这可是 (emphatic), not yet.
_CONTRAST = re.compile(
    r"(?<![不这那也就都还才只要便倒])(?:但是|可是|不过|然而|只是|就是)"
    r"|(?<![不但])但(?![是愿凡])"
    r"|\b(?:but|however|although|though|whereas|except that|yet(?=\s+[a-z]))\b",
    re.IGNORECASE,
)


def _has_content(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def clauses(text: str) -> list[Span]:
    """Split into clauses on sentence punctuation and contrast conjunctions (kind "clause")."""
    bounds = [(m.start(), m.end()) for m in _CLAUSE_PUNCT.finditer(text)]
    cuts = sorted({m.start() for m in _CONTRAST.finditer(text)})
    # Pieces between punctuation runs, then cut at conjunctions inside each piece.
    pieces: list[tuple[int, int]] = []
    pos = 0
    for start, end in bounds:
        pieces.append((pos, start))
        pos = end
    pieces.append((pos, len(text)))
    spans: list[Span] = []
    for start, end in pieces:
        inner = cuts[bisect.bisect_right(cuts, start) : bisect.bisect_left(cuts, end)]
        edges = [start, *inner, end]
        for a, b in itertools.pairwise(edges):
            chunk = text[a:b]
            if not _has_content(chunk):
                continue
            lead = len(chunk) - len(chunk.lstrip())
            trail = len(chunk) - len(chunk.rstrip())
            s, e = a + lead, b - trail
            spans.append(Span(s, e, "clause", text[s:e]))
    return _merge_bare_conjunctions(text, spans)


def _merge_bare_conjunctions(text: str, spans: list[Span]) -> list[Span]:
    """A clause that is only a conjunction ("但是，...") joins the clause after it."""
    out: list[Span] = []
    pending: Span | None = None
    for span in spans:
        if pending is not None:
            span = Span(pending.start, span.end, "clause", text[pending.start : span.end])
            pending = None
        if _CONTRAST.fullmatch(span.text):
            pending = span
            continue
        out.append(span)
    if pending is not None:
        out.append(pending)
    return out


# --- traditional -> simplified -------------------------------------------------------------


@lru_cache(maxsize=1)
def _opencc() -> Any:
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=1)
def t2s_char_table() -> dict[int, str]:
    """Character-level traditional -> simplified map from OpenCC's TSCharacters dictionary."""
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[int, str] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2 and len(parts[0]) == 1:
                target = parts[1].split(" ")[0]
                if target and target != parts[0]:
                    table[ord(parts[0])] = target
    return table


def to_simplified(text: str) -> str:
    """Traditional -> simplified Chinese (OpenCC t2s phrases and characters)."""
    if not text or text.isascii():
        return text
    if text.translate(t2s_char_table()) == text:
        return text  # nothing traditional: skip the slower phrase pass
    result: str = _opencc().convert(text)
    return result
