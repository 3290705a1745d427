"""Strict shapes of feedback coming in (API, import) and going out."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
)

LANGUAGES = ("zh", "en", "mixed", "other")
# Key in FeedbackItem.analysis marking a language the sender named (analysis keeps it).
LANGUAGE_GIVEN = "language_given"
MAX_TEXT = 20_000
MAX_BATCH = 1_000
FUTURE_SKEW = timedelta(minutes=10)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%d.%m.%Y",
)


def parse_datetime(value: Any, tz: str = "UTC") -> datetime:
    """Parse ISO 8601 and common spreadsheet formats; naive times are in the workspace zone."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)  # noqa: DTZ001 - zone added below
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError("empty date")
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for fmt in _DATE_FORMATS:
                try:
                    parsed = datetime.strptime(text, fmt)  # noqa: DTZ007 - zone added below
                    break
                except ValueError:
                    continue
            else:
                raise ValueError(
                    f"unparseable date {text[:40]!r}; use ISO 8601 such as 2026-03-01T14:30:00+08:00"
                ) from None
    else:
        raise ValueError("must be an ISO 8601 date-time string")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(tz))
    return parsed


def clean_text(value: str, field: str = "text") -> str:
    if _SURROGATE.search(value):
        raise ValueError("contains invalid UTF-8 (unpaired surrogates)")
    if _CONTROL.search(value):
        raise ValueError("contains control characters")
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        raise ValueError(f"{field} must not be empty")
    if len(value) > MAX_TEXT:
        raise ValueError(f"is {len(value):,} characters long; the limit is {MAX_TEXT:,}")
    return value


class CustomerIn(BaseModel):
    """A customer, upserted by external_id."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    name: Annotated[StrictStr, Field(max_length=200)] | None = None
    email: Annotated[StrictStr, Field(max_length=254)] | None = None
    phone: Annotated[StrictStr, Field(max_length=40)] | None = None
    segment: Annotated[StrictStr, Field(max_length=80)] | None = None
    tier: Annotated[StrictStr, Field(max_length=40)] | None = None
    attributes: dict[str, Any] | None = None
    consent_email: StrictBool | None = None
    consent_sms: StrictBool | None = None
    consent_survey: StrictBool | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError("is not an email address")
        return value.lower() if value else value


class FeedbackIn(BaseModel):
    """One piece of feedback. Only `text` is required."""

    model_config = ConfigDict(extra="forbid")

    text: StrictStr = Field(description=f"The feedback, 1–{MAX_TEXT:,} characters.")
    channel: Annotated[StrictStr, Field(max_length=60)] | None = Field(
        None, description="Channel slug; default `api`."
    )
    external_id: Annotated[StrictStr, Field(min_length=1, max_length=200)] | None = Field(
        None, description="Your id for the item; the same id on the same channel is stored once."
    )
    occurred_at: StrictStr | None = Field(
        None, description="When the customer gave it (ISO 8601); default now."
    )
    nps: Annotated[StrictInt, Field(ge=0, le=10)] | None = None
    csat: Annotated[StrictInt, Field(ge=1, le=5)] | None = None
    ces: Annotated[StrictInt, Field(ge=1, le=7)] | None = None
    stars: Annotated[StrictInt, Field(ge=1, le=5)] | None = None
    customer: StrictStr | CustomerIn | None = Field(
        None, description="A customer external id, or a customer object to upsert."
    )
    metadata: dict[str, Any] | None = None
    language: Literal["zh", "en", "mixed", "other"] | None = Field(
        None,
        description="The text's language if you know it: zh, en, mixed or other. "
        "Analysis keeps it instead of detecting; empty or absent: detected.",
    )

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return clean_text(value)

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: Any) -> Any:
        if value == "":
            return None
        if value is not None and value not in LANGUAGES:
            shown = repr(value)[:40]
            raise ValueError(f"{shown} is not one of {', '.join(LANGUAGES)} (or empty to detect)")
        return value

    @field_validator("metadata")
    @classmethod
    def _metadata(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(repr(value)) > 20_000:
            raise ValueError("is larger than 20,000 characters")
        return value


def error_list(exc: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    """Pydantic errors as [{"field": "items[3].nps", "message": "..."}]."""
    out = []
    for err in exc.errors():
        parts: list[str] = []
        for loc in err["loc"]:
            if isinstance(loc, int):
                parts.append(f"[{loc}]")
            elif loc in {"str", "CustomerIn", "constrained-str"}:
                continue
            else:
                parts.append(("." if parts else "") + str(loc))
        field = prefix + "".join(parts)
        message = err["msg"].removeprefix("Value error, ")
        out.append({"field": field or prefix.rstrip(".") or "body", "message": message})
    return out


def check_occurred_at(value: str | None, tz: str, now: datetime) -> datetime:
    if value is None:
        return now
    parsed = parse_datetime(value, tz)
    if parsed > now + FUTURE_SKEW:
        raise ValueError("is in the future")
    if parsed.year < 1990:
        raise ValueError("is before 1990")
    return parsed.astimezone(UTC)
