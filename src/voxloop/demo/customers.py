"""FreshDash's customers: names, contacts, segments, tiers and cities, generated from a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from voxloop.demo import vocab

SEGMENTS = {"new": 0.2, "active": 0.5, "vip": 0.12, "at-risk": 0.18}
SEGMENT_NAMES = {"new": "新客", "active": "活跃", "vip": "VIP", "at-risk": "流失风险"}
TIERS = {
    "new": {"regular": 0.9, "silver": 0.1},
    "active": {"regular": 0.45, "silver": 0.35, "gold": 0.2},
    "vip": {"gold": 0.55, "black-gold": 0.45},
    "at-risk": {"regular": 0.5, "silver": 0.3, "gold": 0.2},
}
# How much each segment writes, relative to the others.
ACTIVITY = {"new": 0.6, "active": 1.0, "vip": 1.6, "at-risk": 1.2}
ZH_SHARE = 0.66


@dataclass(frozen=True)
class DemoCustomer:
    external_id: str
    name: str
    email: str
    phone: str
    segment: str
    tier: str
    language: str  # zh or en
    city_zh: str
    city_en: str
    district_zh: str
    district_en: str
    weight: float
    attributes: dict[str, Any] = field(default_factory=dict)
    consent_email: bool = False
    consent_sms: bool = False
    consent_survey: bool = False


def pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"


def _email(rng: random.Random, base: str, n: int) -> str:
    return f"{base}{n % 97 if rng.random() < 0.6 else ''}@{rng.choice(vocab.EMAIL_DOMAINS)}"


def _zh_name(rng: random.Random) -> tuple[str, str]:
    surname = rng.choice(vocab.ZH_SURNAMES)
    given = "".join(rng.choice(vocab.ZH_GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return surname + given, f"user{rng.randint(1000, 99999)}"


def generate_customers(count: int, seed: int) -> list[DemoCustomer]:
    """`count` customers with ids M100001, M100002 ... (the README's M100234 among them)."""
    rng = random.Random(f"freshdash-customers-{seed}")
    cities = vocab.CITIES
    out = []
    for i in range(count):
        segment = pick(rng, SEGMENTS)
        tier = pick(rng, TIERS[segment])
        language = "zh" if rng.random() < ZH_SHARE else "en"
        city_zh, city_en, districts, _ = rng.choices(cities, weights=[c[3] for c in cities])[0]
        district_zh, district_en = rng.choice(districts)
        if language == "zh":
            name, handle = _zh_name(rng)
        else:
            first, last = rng.choice(vocab.EN_FIRST), rng.choice(vocab.EN_LAST)
            name, handle = f"{first} {last}", f"{first}.{last}".lower()
        email = _email(rng, handle, i) if rng.random() < 0.7 else ""
        phone = mobile(rng) if rng.random() < 0.85 else ""
        since_months = {"new": (0, 2), "active": (3, 36), "vip": (12, 48), "at-risk": (4, 40)}
        months = rng.randint(*since_months[segment])
        orders = {"new": (1, 4), "active": (6, 40), "vip": (25, 90), "at-risk": (0, 5)}
        out.append(
            DemoCustomer(
                external_id=f"M{100001 + i}",
                name=name,
                email=email,
                phone=phone,
                segment=segment,
                tier=tier,
                language=language,
                city_zh=city_zh,
                city_en=city_en,
                district_zh=district_zh,
                district_en=district_en,
                weight=ACTIVITY[segment] * rng.paretovariate(2.5),
                attributes={
                    "city": city_zh,
                    "city_en": city_en,
                    "district": district_zh,
                    "language": language,
                    "segment_zh": SEGMENT_NAMES[segment],
                    "member_months": months,
                    "orders_90d": rng.randint(*orders[segment]),
                    "platform": rng.choice(("iOS", "Android", "Android", "mini-program")),
                },
                consent_email=bool(email) and rng.random() < 0.6,
                consent_sms=bool(phone) and rng.random() < 0.5,
                consent_survey=rng.random() < 0.8,
            )
        )
    return out
