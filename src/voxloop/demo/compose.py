"""Writing one piece of feedback: a core sentence per theme and mood, dressed for its channel.

Variety comes from layers: opener, one or two core sentences, optional mixed-sentiment clause,
closer, churn threat, PII, typos, emoji, and the channel's framing (Weibo tags, email greeting
and sign-off, call-centre notes).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from types import ModuleType

from voxloop.demo import phrases_en, phrases_zh, vocab

LANGS: dict[str, ModuleType] = {"zh": phrases_zh, "en": phrases_en}
WORDS = {
    "zh": {**vocab.ZH, "platform": phrases_zh.PLATFORMS},
    "en": {**vocab.EN, "platform": phrases_en.PLATFORMS},
}
_END = "。！!？?.~～ "
_SENTENCE_START = re.compile(r"(?:^|(?<=[.!?] ))[a-z]")
# Praise that reads naturally before a complaint ("菜很好吃但是送得太慢了").
MIXED_PRAISE = ("quality.taste", "quality.spoiled", "delivery.rider_attitude", "general")


@dataclass
class Writer:
    """Everything a text needs to know besides the theme and mood."""

    rng: random.Random
    lang: str
    extra: dict[str, str]

    @property
    def p(self) -> ModuleType:
        return LANGS[self.lang]

    def fill(self, template: str) -> str:
        return vocab.fill(template, WORDS[self.lang], self.rng, self.extra)

    def core(self, theme: str, mood: str) -> str:
        options = self.p.CORES[theme].get(mood) or self.p.CORES[theme]["neg"]
        return self.fill(self.rng.choice(options))

    def join(self, *parts: str) -> str:
        parts = tuple(p for p in parts if p)
        if self.lang == "zh":
            return "".join(parts)
        return " ".join(p.strip() for p in parts).replace("  ", " ")


AREAS = {
    "delivery": "food",
    "packaging": "food",
    "quality.taste": "food",
    "quality.portion": "food",
    "quality": "grocery",
    "app": "app",
    "payment": "app",
    "service": "service",
    "refund": "service",
    "price": "shop",
}


def area(theme: str) -> str | None:
    return AREAS.get(theme) or AREAS.get(theme.split(".")[0])


def mood_sentence(w: Writer, theme: str, mood: str, *, mixed: bool) -> str:
    """Context + opener + core (+ second core) + feeling + closer; mixed ones turn on a "but"."""
    rng = w.rng
    core = w.core(theme, mood)
    if rng.random() < 0.22:
        second = w.core(theme, mood)
        if second != core:
            core = w.join(core, second)
    if mixed:
        area_of = theme.split(".")[0]
        praise_theme = rng.choice([t for t in MIXED_PRAISE if t.split(".")[0] != area_of])
        praise = w.core(praise_theme, "pos").rstrip(_END)
        connector = rng.choice(w.p.CONNECTORS)
        if w.lang == "zh":
            core = f"{praise}，{connector}{core}"
        else:
            core = f"{praise}, {connector} {core[0].lower()}{core[1:]}"
        opener = ""
    else:
        opener = rng.choice(w.p.OPENERS[mood])
    if opener and w.lang == "en" and opener.endswith(", "):
        core = core[0].lower() + core[1:] if not core.startswith(("I ", "I'")) else core
    closer = rng.choice(w.p.CLOSERS[mood])
    where = area(theme)
    context = ""
    if where is not None and rng.random() < 0.55:
        context = w.fill(rng.choice(w.p.CONTEXT[where]))
        if w.lang == "zh" and opener:
            opener = ""
        elif w.lang == "en" and opener.endswith(", "):
            opener = ""
            core = core[0].upper() + core[1:]
    feeling = ""
    if mood in w.p.FEELINGS and rng.random() < 0.4:
        feeling = w.fill(rng.choice(w.p.FEELINGS[mood]))
    text = w.join(context, opener + core, feeling, closer)
    return _SENTENCE_START.sub(lambda m: m.group(0).upper(), text) if w.lang == "en" else text


def add_typo(w: Writer, text: str) -> str:
    rng = w.rng
    pairs = [pair for pair in w.p.TYPOS if pair[0] in text]
    if pairs:
        right, wrong = rng.choice(pairs)
        text = text.replace(right, wrong, 1)
    if w.lang == "en" and rng.random() < 0.3:
        text = text.lower()
    return text


def add_emoji(w: Writer, text: str, mood: str) -> str:
    key = {"neg": "neg", "pos": "pos"}.get(mood, "neu")
    count = w.rng.choice((1, 1, 1, 2, 3))
    marks = w.rng.choice(vocab.EMOJI[key]) * count
    return text + (marks if w.lang == "zh" else " " + marks)


def frame(w: Writer, channel: str, text: str, *, name: str, mood: str) -> str:
    """Dress a text the way its channel delivers it."""
    rng, p = w.rng, w.p
    if channel == "weibo":
        tags = rng.sample(p.SOCIAL_TAGS, k=rng.choice((0, 1, 1, 2)))
        if tags and rng.random() < 0.5:
            return w.join(tags[0], text, *tags[1:]) if w.lang == "en" else f"{tags[0]} {text}"
        return w.join(text, *tags) if w.lang == "en" else text + "".join(f" {t}" for t in tags)
    if channel == "email":
        greeting = rng.choice(p.EMAIL_GREETINGS)
        signoff = rng.choice(p.EMAIL_SIGNOFFS)
        body = f"{greeting}{text}"
        return (
            f"{body}\n\n{signoff}\n{name}" if name and rng.random() < 0.7 else f"{body}\n{signoff}"
        )
    if channel == "call-centre":
        actions = p.PHONE_ACTIONS if mood in ("neg", "pos") else p.PHONE_ANSWERS
        action = w.fill(rng.choice(actions))
        return w.join(rng.choice(p.PHONE_PREFIX) + text, action)
    return text


def junk(w: Writer) -> str:
    return w.fill(w.rng.choice(w.p.JUNK))


def repost(w: Writer, text: str) -> str:
    """A near-duplicate: a repost prefix, an emphasis or one small edit."""
    rng = w.rng
    choice = rng.randrange(4)
    if choice == 0:
        prefix: str = rng.choice(w.p.REPOST)
        return prefix + text
    if choice == 1 and text.rstrip(_END) != text:
        return text.rstrip(_END) + ("！！！" if w.lang == "zh" else "!!!")
    if choice == 2:
        edited = add_typo(w, text)
        if edited != text:
            return edited
    return text + (" " + rng.choice(vocab.EMOJI["neg"]))
