"""Generate FreshDash's 90 days of feedback: deterministic for a seed and an end time."""

from __future__ import annotations

import bisect
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from voxloop.analysis.dedupe import DedupeIndex
from voxloop.analysis.text import normalize
from voxloop.demo import phrases_en, phrases_zh, stories
from voxloop.demo.compose import Writer, add_emoji, add_typo, frame, junk, mood_sentence, repost
from voxloop.demo.customers import DemoCustomer, generate_customers, mobile, pick

DEFAULT_ITEMS = 6_000
DEFAULT_CUSTOMERS = 1_500
DUPLICATE_SHARE = 0.02
JUNK_SHARE = 0.015
PII_SHARE = 0.03
# Share of items per channel that name a customer (Weibo posts are anonymous).
CUSTOMER_SHARE = {
    "app-reviews": 0.35,
    "nps-survey": 1.0,
    "delivery-csat": 1.0,
    "email": 1.0,
    "weibo": 0.0,
    "widget": 0.8,
    "call-centre": 1.0,
}
SENTIMENT = {"neg": "negative", "pos": "positive", "ask": "neutral", "idea": "neutral"}
KIND = {"neg": "complaint", "pos": "praise", "ask": "question", "idea": "suggestion"}


@dataclass
class DemoItem:
    index: int
    channel: str
    occurred_at: datetime
    text: str
    language: str
    customer: str | None
    theme: str | None  # None for junk
    mood: str  # neg, pos, ask, idea, junk
    story: str | None = None  # late, packaging, payment
    mixed: bool = False
    nps: int | None = None
    csat: int | None = None
    stars: int | None = None
    duplicate_of: int | None = None
    has_pii: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    original: DemoItem | None = field(default=None, repr=False, compare=False)

    @property
    def sentiment(self) -> str:
        return "neutral" if self.mood == "junk" else SENTIMENT[self.mood]

    @property
    def kind(self) -> str:
        return "other" if self.mood == "junk" else KIND[self.mood]

    def payload(self) -> dict[str, Any]:
        """The item as the ingestion API takes it."""
        data: dict[str, Any] = {
            "text": self.text,
            "channel": self.channel,
            "external_id": f"fd-{self.index:06d}",
            "occurred_at": self.occurred_at.isoformat(),
            "metadata": self.metadata,
        }
        for name in ("nps", "csat", "stars", "customer"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        return data


@dataclass
class DemoData:
    now: datetime
    customers: list[DemoCustomer]
    items: list[DemoItem]


# (day, hour, weekday, hours before now) -> relative volume
Weight = Callable[[int, int, int, float], float]


class Calendar:
    """Hourly slots from day 0 00:00 to now (local time), with weighted sampling per stream."""

    def __init__(self, now: datetime) -> None:
        tz = ZoneInfo(stories.TIMEZONE)
        self.now = now.astimezone(tz)
        today = self.now.replace(hour=0, minute=0, second=0, microsecond=0)
        self.start = today - timedelta(days=stories.DAYS - 1)
        self.slots: list[datetime] = []
        slot = self.start
        while slot < self.now:
            self.slots.append(slot)
            slot = (slot + timedelta(hours=1)).astimezone(tz)

    def day(self, when: datetime) -> int:
        return (when.astimezone(self.start.tzinfo).date() - self.start.date()).days

    def _fraction(self, slot: datetime) -> float:
        """The share of the slot that is in the past (the current hour is partial)."""
        return min(1.0, (self.now - slot).total_seconds() / 3600)

    def _weight(self, weight: Weight, slot: datetime) -> float:
        ago = (self.now - slot).total_seconds() / 3600
        return weight(self.day(slot), slot.hour, slot.weekday(), ago) * self._fraction(slot)

    def sample(self, rng: random.Random, count: int, weight: Weight) -> list[datetime]:
        cum: list[float] = []
        total = 0.0
        for slot in self.slots:
            total += self._weight(weight, slot)
            cum.append(total)
        out = []
        for _ in range(count):
            i = bisect.bisect_left(cum, rng.random() * total)
            slot = self.slots[min(i, len(self.slots) - 1)]
            span = self._fraction(slot) * 3600
            out.append(slot + timedelta(seconds=rng.uniform(0, max(1.0, span - 1))))
        return out

    def total(self, weight: Weight) -> float:
        return sum(self._weight(weight, s) for s in self.slots)


def _base(day: int, hour: int, dow: int, ago: float = 0.0) -> float:
    return stories.base_volume(day) * stories.HOURS[hour] * stories.WEEKDAYS[dow]


def _late(day: int, hour: int, dow: int, ago: float) -> float:
    # Late deliveries cluster at meal peaks, when riders are short.
    return _base(day, hour, dow) * stories.late_extra(day, ago) * (stories.HOURS[hour] / 1.2)


def _packaging(day: int, hour: int, dow: int, ago: float) -> float:
    return _base(day, hour, dow) * stories.packaging_extra(day)


class Generator:
    def __init__(self, items: int, seed: int, now: datetime, customers: int) -> None:
        if items < 50:
            raise ValueError("the demo needs at least 50 items")
        self.rng = random.Random(f"freshdash-{seed}")
        self.count = items
        self.calendar = Calendar(now)
        self.customers = generate_customers(customers, seed)
        self.by_lang = {
            lang: [c for c in self.customers if c.language == lang] for lang in ("zh", "en")
        }
        self.weights = {
            lang: _cumulative([c.weight for c in group]) for lang, group in self.by_lang.items()
        }
        self.all_weights = _cumulative([c.weight for c in self.customers])
        self.seen: set[str] = set()
        # The analysis's own near-duplicate index, so that only the planned reposts read as
        # duplicates. A rejected text stays indexed: that only makes later draws stricter.
        self.near = DedupeIndex()
        self.tries = 0

    def is_new(self, text: str) -> bool:
        if text in self.seen:
            return False
        self.tries += 1
        return self.near.add_batch([self.tries], [normalize(text)])[0] is None

    def remember(self, text: str) -> None:
        self.seen.add(text)

    # -- choosing who, where and what ---------------------------------------------------------

    def customer(self, channel: str) -> DemoCustomer | None:
        if self.rng.random() >= CUSTOMER_SHARE[channel]:
            return None
        cum = self.all_weights
        i = bisect.bisect_left(cum, self.rng.random() * cum[-1])
        return self.customers[min(i, len(self.customers) - 1)]

    def language(self, channel: str, customer: DemoCustomer | None) -> str:
        if customer is not None:
            return customer.language
        zh = 0.93 if channel == "weibo" else 0.6
        return "zh" if self.rng.random() < zh else "en"

    # -- writing ------------------------------------------------------------------------------

    def write(
        self,
        when: datetime,
        theme: str,
        mood: str,
        channel: str,
        *,
        story: str | None = None,
        mixed_share: float = 0.08,
    ) -> DemoItem:
        rng = self.rng
        day = self.calendar.day(when)
        cust = self.customer(channel)
        if cust is not None and cust.segment == "at-risk" and mood == "pos" and rng.random() < 0.5:
            mood = "neg"
        if cust is not None and cust.segment == "new" and mood == "neg" and rng.random() < 0.2:
            mood = "ask"
        lang = self.language(channel, cust)
        mixed = mood == "neg" and rng.random() < mixed_share
        extra = {"phone": cust.phone if cust and cust.phone else mobile(rng)}
        extra["email"] = (
            cust.email if cust and cust.email else f"fd{rng.randint(100, 999)}@example.com"
        )
        if cust is not None:
            extra["city"] = cust.city_zh if lang == "zh" else cust.city_en
            extra["district"] = cust.district_zh if lang == "zh" else cust.district_en
        extra["app_ver"] = stories.app_version(day)
        writer = Writer(rng, lang, extra)
        has_pii = False
        text = ""
        fixed = dict(extra)
        for attempt in range(12):
            writer.extra = dict(fixed)  # each draw picks its own dish, amount ...
            text = mood_sentence(writer, theme, mood, mixed=mixed)
            at_risk = mood == "neg" and cust is not None and cust.segment == "at-risk"
            if at_risk and rng.random() < 0.3:
                text = writer.join(text, rng.choice(writer.p.CHURN))
            has_pii = channel in ("email", "widget", "call-centre", "app-reviews") and (
                rng.random() < PII_SHARE * 2
            )
            if has_pii:
                text = writer.join(text, writer.fill(rng.choice(writer.p.PII)))
            if rng.random() < (0.1 if lang == "zh" else 0.12):
                text = add_typo(writer, text)
            if channel in ("app-reviews", "weibo", "widget") and rng.random() < 0.22:
                text = add_emoji(writer, text, mood)
            name = cust.name if cust is not None else ""
            body = text
            text = frame(writer, channel, text, name=name, mood=mood)
            if attempt >= 8:  # a rare collision: an order number makes it unique
                text = writer.join(
                    text, writer.fill("（订单{order}）" if lang == "zh" else "(order {order})")
                )
            if self.is_new(text):
                break
        self.remember(text)
        item = DemoItem(
            index=-1,
            channel=channel,
            occurred_at=when,
            text=text,
            language=lang,
            customer=cust.external_id if cust else None,
            theme=theme,
            mood=mood,
            story=story,
            mixed=mixed,
            has_pii=has_pii,
        )
        self.rate(item)
        item.metadata = self.metadata(item, day, cust, body)
        return item

    def rate(self, item: DemoItem) -> None:
        """Ratings follow the text's mood; mixed feedback lands in the middle."""
        rng = self.rng
        mood = "mixed" if item.mixed else item.mood
        # In the last week, late-delivery customers rate 0-5: NPS drops week over week.
        late_spike = (
            item.story == "late" and self.calendar.day(item.occurred_at) >= stories.DAYS - 7
        )
        if item.channel == "nps-survey":
            nps = {
                "pos": {10: 0.45, 9: 0.35, 8: 0.15, 7: 0.05},
                "neg": {
                    0: 0.04,
                    1: 0.04,
                    2: 0.07,
                    3: 0.1,
                    4: 0.12,
                    5: 0.15,
                    6: 0.18,
                    7: 0.2,
                    8: 0.1,
                },
                "mixed": {4: 0.15, 5: 0.25, 6: 0.3, 7: 0.25, 8: 0.05},
            }.get(mood, {6: 0.15, 7: 0.3, 8: 0.35, 9: 0.15, 10: 0.05})
            if late_spike:
                nps = {0: 0.25, 1: 0.2, 2: 0.2, 3: 0.15, 4: 0.1, 5: 0.1}
            item.nps = int(pick(rng, {str(k): v for k, v in nps.items()}))
            return
        five = {
            "pos": {5: 0.7, 4: 0.3},
            "neg": {1: 0.55, 2: 0.35, 3: 0.1},
            "mixed": {2: 0.3, 3: 0.5, 4: 0.2},
        }.get(mood, {3: 0.45, 4: 0.4, 2: 0.15})
        score = int(pick(rng, {str(k): v for k, v in five.items()}))
        if item.channel == "delivery-csat" or (item.channel == "widget" and rng.random() < 0.4):
            item.csat = score
        elif item.channel == "app-reviews":
            item.stars = score

    def metadata(
        self, item: DemoItem, day: int, cust: DemoCustomer | None, body: str
    ) -> dict[str, Any]:
        rng = self.rng
        data: dict[str, Any] = {}
        if cust is not None:
            data["city"] = cust.city_zh
        if item.channel == "app-reviews":
            data["platform"] = rng.choice(("iOS", "Android"))
            data["app_version"] = stories.app_version(day)
        elif item.channel == "weibo":
            data["handle"] = (
                f"@{rng.choice(('吃货', '打工人', 'foodie', '小', 'user'))}{rng.randint(10, 9999)}"
            )
            data["reposts"] = int(rng.paretovariate(1.5)) - 1
        elif item.channel in ("nps-survey", "delivery-csat", "call-centre"):
            data["order_id"] = f"FD{item.occurred_at:%y%m%d}-{rng.randint(10000, 99999)}"
        elif item.channel == "email":
            first = re.split(r"(?<=[。！？!?.])\s*", body, maxsplit=1)[0]
            data["subject"] = first if len(first) <= 40 else first[:39] + "…"
        elif item.channel == "widget":
            data["page"] = rng.choice(("/checkout", "/orders", "/store", "/help", "/account"))
        return data

    # -- the streams --------------------------------------------------------------------------

    def run(self) -> DemoData:
        rng, cal = self.rng, self.calendar
        n_dup = max(1, round(self.count * DUPLICATE_SHARE))
        n_junk = max(1, round(self.count * JUNK_SHARE))
        core = self.count - n_dup - n_junk
        totals = {"base": cal.total(_base), "late": cal.total(_late), "pack": cal.total(_packaging)}
        whole = sum(totals.values())
        n_late = round(core * totals["late"] / whole)
        n_pack = max(1, round(core * totals["pack"] / whole))
        n_base = core - n_late - n_pack
        items: list[DemoItem] = []
        for when in cal.sample(rng, n_base, _base):
            day = cal.day(when)
            theme = pick(rng, stories.theme_weights(day))
            mood = pick(rng, _written(theme, stories.moods(theme, day)))
            channel = pick(rng, stories.channel_weights(theme, mood))
            story = "payment" if theme.startswith("payment.") else None
            items.append(self.write(when, theme, mood, channel, story=story))
        for when in cal.sample(rng, n_late, _late):
            mood = pick(rng, {"neg": 0.9, "ask": 0.07, "idea": 0.03})
            channel = pick(rng, stories.late_channels(cal.day(when)))
            items.append(
                self.write(when, "delivery.late", mood, channel, story="late", mixed_share=0.15)
            )
        for when in cal.sample(rng, n_pack, _packaging):
            mood = pick(rng, {"neg": 0.85, "ask": 0.08, "idea": 0.07})
            channel = pick(rng, stories.PACKAGING_CHANNELS)
            items.append(self.write(when, "packaging.leak", mood, channel, story="packaging"))
        for when in cal.sample(rng, n_junk, _base):
            items.append(self.junk_item(when))
        items.extend(self.reposts(items, n_dup))
        items.sort(key=lambda i: i.occurred_at)
        for n, item in enumerate(items):
            item.index = n
        for item in items:
            if item.original is not None:
                item.duplicate_of = item.original.index
        return DemoData(now=cal.now, customers=self.customers, items=items)

    def junk_item(self, when: datetime) -> DemoItem:
        rng = self.rng
        channel = pick(rng, {"weibo": 0.4, "app-reviews": 0.35, "widget": 0.25})
        lang = "zh" if rng.random() < 0.6 else "en"
        writer = Writer(rng, lang, {})
        text = junk(writer)
        while text in self.seen:
            text = junk(writer) + str(rng.randint(1, 999))
        self.seen.add(text)  # junk is never analysed for duplicates
        return DemoItem(
            index=-1,
            channel=channel,
            occurred_at=when,
            text=text,
            language=lang,
            customer=None,
            theme=None,
            mood="junk",
        )

    def reposts(self, items: list[DemoItem], count: int) -> list[DemoItem]:
        """Near-duplicate reposts (and a few exact double submissions) of complaints."""
        rng, now = self.rng, self.calendar.now
        pool = [
            i
            for i in items
            if i.mood == "neg" and i.channel in ("weibo", "app-reviews", "email", "widget")
        ]
        pool.sort(key=lambda i: i.occurred_at)
        # Recent complaints are reposted most (the late-delivery spike trends on Weibo).
        weights = _cumulative([1.0 + 3.0 * (i.story == "late") for i in pool])
        out = []
        for _ in range(count):
            k = bisect.bisect_left(weights, rng.random() * weights[-1])
            original = pool[min(k, len(pool) - 1)]
            exact = rng.random() < 0.2
            delay = (
                timedelta(minutes=rng.uniform(0.5, 5))
                if exact
                else timedelta(hours=rng.uniform(1, 48))
            )
            when = min(original.occurred_at + delay, now - timedelta(seconds=rng.uniform(5, 600)))
            if when <= original.occurred_at:
                when = original.occurred_at + timedelta(seconds=1)
            writer = Writer(rng, original.language, {})
            text = original.text if exact else repost(writer, original.text)
            copy = DemoItem(
                index=-1,
                channel=original.channel,
                occurred_at=when,
                text=text,
                language=original.language,
                customer=original.customer,
                theme=original.theme,
                mood=original.mood,
                story=original.story,
                mixed=original.mixed,
                nps=original.nps,
                csat=original.csat,
                stars=original.stars,
                has_pii=original.has_pii,
                metadata={**original.metadata, "repost": True},
            )
            copy.original = original
            out.append(copy)
        return out


def _written(theme: str, moods: dict[str, float]) -> dict[str, float]:
    """The moods this theme has sentences for, in both languages."""
    return {
        mood: share
        for mood, share in moods.items()
        if phrases_zh.CORES[theme].get(mood) and phrases_en.CORES[theme].get(mood)
    }


def _cumulative(values: list[float]) -> list[float]:
    out, total = [], 0.0
    for v in values:
        total += v
        out.append(total)
    return out


def generate(
    items: int = DEFAULT_ITEMS,
    *,
    seed: int = 7,
    now: datetime,
    customers: int = DEFAULT_CUSTOMERS,
) -> DemoData:
    """FreshDash's customers and `items` feedback items over the 90 days ending at `now`."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return Generator(items, seed, now, customers).run()
