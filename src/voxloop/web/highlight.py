"""Mark analysis evidence (sentiment cues, topic hits, personal data) inside the shown text."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    css: str
    title: str


def _place(text: str, span: dict[str, object], taken: list[tuple[int, int]]) -> tuple[int, int]:
    """Where the span's words are in `text`: its offsets if they still fit, else a search.

    Offsets refer to the normalised text the analysis saw; the shown text may be the original
    or the redacted one, so the quoted words are the reliable part.
    """
    words = str(span.get("text") or "")
    start, end = span.get("start"), span.get("end")
    if (
        isinstance(start, int)
        and isinstance(end, int)
        and 0 <= start < end <= len(text)
        and (not words or text[start:end] == words)
    ):
        return start, end
    if not words:
        return -1, -1
    at = text.find(words)
    while at >= 0 and any(at < e and at + len(words) > s for s, e in taken):
        at = text.find(words, at + 1)
    return (at, at + len(words)) if at >= 0 else (-1, -1)


def marks_for(
    text: str, groups: Iterable[tuple[str, str, Iterable[dict[str, object]]]]
) -> list[Mark]:
    """groups: (css class, title, spans). Overlapping spans keep the first one placed."""
    taken: list[tuple[int, int]] = []
    out: list[Mark] = []
    for css, title, spans in groups:
        for span in spans:
            if not isinstance(span, dict):
                continue
            start, end = _place(text, span, taken)
            if start < 0 or any(start < e and end > s for s, e in taken):
                continue
            taken.append((start, end))
            out.append(Mark(start, end, css, title))
    return sorted(out, key=lambda m: m.start)


def render(text: str, marks: list[Mark]) -> SafeString:
    parts: list[str] = []
    pos = 0
    for m in marks:
        parts.append(escape(text[pos : m.start]))
        parts.append(
            f'<mark class="{escape(m.css)}" title="{escape(m.title)}">'
            f"{escape(text[m.start : m.end])}</mark>"
        )
        pos = m.end
    parts.append(escape(text[pos:]))
    return mark_safe("".join(parts))
