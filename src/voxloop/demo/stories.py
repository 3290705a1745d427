"""The demo's calendar: daily and hourly rhythm, and the three built-in stories over 90 days.

Days are numbered 0..89 in the company's time zone; day 89 is today (up to now).

1. Late deliveries grow from week 10 (day 63, about four weeks ago), spread from app reviews
   to Weibo and support email, and surge in the last SURGE_HOURS hours (counted back from
   the moment the demo is made, so the alert centre shows the surge at any time of day);
   they drag NPS down.
2. The new packaging leaks: a theme outside the taxonomy, only in the last 14 days and
   growing fast (more than twice as much in the last week as in the week before).
3. The payment flow was fixed on day FIX_DAY (about a month ago, app 4.8.0): payment
   complaints fall afterwards and praise of the new checkout appears.
"""

from __future__ import annotations

import math

DAYS = 90
TIMEZONE = "Asia/Shanghai"
LATE_START = 63  # first day of week 10
LOUD_START = 87  # the last three days: Weibo leads and the call centre rings
# The surge: this much late-delivery feedback on top of the ordinary volume, in the hours
# before the demo was made. Detection weighs the last day against the days before it; a
# surge older than about a day has become the baseline, so it is counted back from now.
SURGE_HOURS = 20
SURGE = 2.0
PACKAGING_START = 76  # the last 14 days
FIX_DAY = 58

# Meal peaks: lunch 11-13 and dinner 17-20 (local time).
HOURS = [
    0.15, 0.09, 0.05, 0.03, 0.03, 0.05, 0.18, 0.42, 0.6, 0.72, 0.95, 1.65,
    2.0, 1.45, 0.9, 0.78, 0.88, 1.45, 2.05, 2.1, 1.5, 1.1, 0.78, 0.42,
]  # fmt: skip
# Monday .. Sunday: weekends order more.
WEEKDAYS = [0.92, 0.9, 0.95, 0.97, 1.1, 1.22, 1.18]

CHANNELS: list[tuple[str, str, str]] = [  # slug, kind, name (slugs come from the names)
    ("app-reviews", "review", "App reviews"),
    ("nps-survey", "survey", "NPS survey"),
    ("delivery-csat", "survey", "Delivery CSAT"),
    ("email", "email", "Email"),
    ("weibo", "social", "Weibo"),
    ("widget", "widget", "Web widget"),
    ("call-centre", "phone", "Call centre"),
]
CHANNEL_SHARE = {
    "app-reviews": 0.22,
    "nps-survey": 0.17,
    "delivery-csat": 0.2,
    "email": 0.1,
    "weibo": 0.1,
    "widget": 0.09,
    "call-centre": 0.12,
}


def base_volume(day: int) -> float:
    """Ordinary feedback volume: the business grows about 20 % over the quarter."""
    return 0.9 + 0.2 * day / (DAYS - 1)


def late_extra(day: int, hours_ago: float = math.inf) -> float:
    """Extra late-delivery feedback on top of the ordinary volume, relative to it."""
    if day < LATE_START:
        return 0.0
    if hours_ago < SURGE_HOURS:
        return SURGE
    return 0.05 + 0.013 * (day - LATE_START)


def packaging_extra(day: int) -> float:
    if day < PACKAGING_START:
        return 0.0
    # Grows ~15 % a day, so the last week has well over twice the week before: the
    # "emerging theme" rule sees it growing, not only present.
    return 0.04 * 1.15 ** (day - PACKAGING_START)


def late_channels(day: int) -> dict[str, float]:
    """Where late-delivery complaints show up: app reviews first, then Weibo, then email."""
    if day < 72:
        return {"app-reviews": 0.55, "delivery-csat": 0.3, "nps-survey": 0.15}
    if day < 80:
        return {"app-reviews": 0.35, "weibo": 0.3, "delivery-csat": 0.2, "nps-survey": 0.15}
    if day < LOUD_START:
        return {
            "app-reviews": 0.22,
            "weibo": 0.23,
            "email": 0.18,
            "delivery-csat": 0.15,
            "nps-survey": 0.17,
            "call-centre": 0.05,
        }
    return {
        "weibo": 0.27,
        "app-reviews": 0.18,
        "email": 0.17,
        "call-centre": 0.1,
        "nps-survey": 0.18,
        "delivery-csat": 0.1,
    }


PACKAGING_CHANNELS = {
    "delivery-csat": 0.3,
    "app-reviews": 0.3,
    "weibo": 0.2,
    "email": 0.1,
    "widget": 0.1,
}

# Ordinary themes and their share of ordinary feedback (payment depends on the day).
THEMES: dict[str, float] = {
    "delivery.late": 0.05,
    "delivery.eta": 0.035,
    "delivery.rider_attitude": 0.04,
    "delivery.wrong_address": 0.03,
    "delivery.fee": 0.025,
    "quality.spoiled": 0.07,
    "quality.taste": 0.09,
    "quality.portion": 0.03,
    "quality.missing": 0.045,
    "quality.wrong": 0.03,
    "price.high": 0.04,
    "price.coupon_fail": 0.04,
    "price.member": 0.025,
    "app.crash": 0.035,
    "app.search": 0.025,
    "app.feature": 0.04,
    "payment.failure": 0.0,
    "payment.double": 0.0,
    "service.response": 0.04,
    "service.attitude": 0.035,
    "refund.progress": 0.035,
    "refund.request": 0.025,
    "general": 0.1,
}


def theme_weights(day: int) -> dict[str, float]:
    weights = dict(THEMES)
    after = max(0.0, min(1.0, (day - FIX_DAY) / 5))  # the fix rolls out over five days
    weights["payment.failure"] = 0.065 * (1 - after) + 0.03 * after
    weights["payment.double"] = 0.02 * (1 - after) + 0.003 * after
    return weights


# Mood shares per theme: complaint (neg), praise (pos), question (ask), suggestion (idea).
DEFAULT_MOODS = {"neg": 0.7, "pos": 0.14, "ask": 0.09, "idea": 0.07}
MOODS: dict[str, dict[str, float]] = {
    "quality.taste": {"neg": 0.35, "pos": 0.55, "ask": 0.05, "idea": 0.05},
    "quality.spoiled": {"neg": 0.6, "pos": 0.3, "ask": 0.05, "idea": 0.05},
    "delivery.rider_attitude": {"neg": 0.5, "pos": 0.4, "ask": 0.05, "idea": 0.05},
    "price.member": {"neg": 0.4, "pos": 0.4, "ask": 0.15, "idea": 0.05},
    "app.feature": {"neg": 0.1, "pos": 0.05, "ask": 0.25, "idea": 0.6},
    "general": {"neg": 0.1, "pos": 0.75, "ask": 0.05, "idea": 0.1},
    "delivery.late": {"neg": 0.72, "pos": 0.2, "ask": 0.05, "idea": 0.03},
}


def moods(theme: str, day: int) -> dict[str, float]:
    shares = dict(MOODS.get(theme, DEFAULT_MOODS))
    if theme == "payment.failure":  # after the fix, people notice the new checkout
        after = max(0.0, min(1.0, (day - FIX_DAY) / 5))
        shares = {"neg": 0.8 - 0.45 * after, "pos": 0.02 + 0.5 * after, "ask": 0.12, "idea": 0.06}
    return shares


def channel_weights(theme: str, mood: str) -> dict[str, float]:
    weights = dict(CHANNEL_SHARE)
    area = theme.split(".")[0]
    if area == "app":
        weights["app-reviews"] *= 2.5
        weights["widget"] *= 1.5
        weights["delivery-csat"] *= 0.2
    elif area in ("refund", "payment", "service"):
        weights["email"] *= 2.0
        weights["call-centre"] *= 2.0
        weights["delivery-csat"] *= 0.4
    elif area in ("delivery", "quality"):
        weights["delivery-csat"] *= 1.5
    elif area == "general":
        weights["nps-survey"] *= 2.0
        weights["app-reviews"] *= 1.5
        weights["call-centre"] *= 0.2
    if mood == "pos":  # happy customers answer surveys; unhappy ones write and post
        weights["nps-survey"] *= 4.5
        weights["delivery-csat"] *= 1.5
    if mood == "ask":
        for slug in ("email", "widget", "call-centre"):
            weights[slug] *= 2.0
        weights["weibo"] *= 0.5
    return weights


def app_version(day: int) -> str:
    if day < 20:
        return "4.6.3"
    if day < 41:
        return "4.7.0"
    if day < FIX_DAY:
        return "4.7.2"
    if day < 80:
        return "4.8.0"
    return "4.8.1"
