"""Column mapping: which column of the file feeds which field of a feedback item."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

TARGETS = (
    "text",
    "occurred_at",
    "external_id",
    "customer",
    "customer_name",
    "customer_email",
    "segment",
    "nps",
    "csat",
    "ces",
    "stars",
    "language",
)
RATINGS = ("nps", "csat", "ces", "stars")
CUSTOMER_DETAILS = {"customer_name": "name", "customer_email": "email", "segment": "segment"}
METADATA_PREFIX = "metadata."
_METADATA_KEY = re.compile(r"^[\w.\- ]{1,80}$")

_SYNONYMS = {
    "text": "text feedback comment comments review reviewtext content message body verbatim "
    "response 评论 评论内容 内容 反馈 反馈内容 意见 留言 评价 评价内容 用户评价 文本",
    "occurred_at": "occurredat date time datetime createdat created timestamp submittedat "
    "reviewdate 日期 时间 评论时间 评价时间 提交时间 创建时间 反馈时间 下单时间",
    "external_id": "externalid id reviewid feedbackid commentid responseid 编号 评论id 评价id "
    "反馈id 反馈编号 序号",
    "customer": "customer customerid userid memberid clientid 会员id 会员号 会员编号 用户id "
    "客户id 客户编号 用户编号",
    "customer_name": "customername name 姓名 客户名称 客户姓名 用户名 昵称",
    "customer_email": "email customeremail mail 邮箱 电子邮件 邮件",
    "segment": "segment customersegment tier 分群 客户分群 会员等级 客户类型",
    "nps": "nps npsscore 推荐度 推荐值 推荐意愿 nps评分",
    "csat": "csat satisfaction 满意度 满意度评分",
    "ces": "ces effort customereffort 费力度 费力程度",
    "stars": "stars star rating starrating 星级 评分 星数",
    "language": "language lang 语言",
}
# Language cells people write, compared after _norm, to FeedbackIn's language codes.
_LANGUAGE_NAMES = {
    **dict.fromkeys(
        [
            "zh",
            "zhcn",
            "zhhans",
            "zhtw",
            "zhhant",
            "zhhk",
            "cn",
            "chinese",
            "中文",
            "汉语",
            "简体中文",
            "繁体中文",
        ],
        "zh",
    ),
    **dict.fromkeys(["en", "enus", "engb", "english", "英文", "英语"], "en"),
    **dict.fromkeys(["mixed", "中英", "中英文", "中英混合", "混合"], "mixed"),
    "other": "other",
}
# Header names people use for each field (zh and en), compared after _norm.
SYNONYMS: dict[str, tuple[str, ...]] = {t: tuple(n.split()) for t, n in _SYNONYMS.items()}


class MappingError(ValueError):
    """The mapping names something the file or VoxLoop does not have."""


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-/()（）]+", "", name.strip().lower())


def parse_map_spec(specs: str | Sequence[str] | None) -> dict[str, str]:
    """`text=评论内容,nps=推荐度` (one string or several) -> {"text": "评论内容", ...}."""
    if not specs:
        return {}
    if isinstance(specs, str):
        specs = [specs]
    out: dict[str, str] = {}
    for spec in specs:
        for part in spec.split(","):
            if not part.strip():
                continue
            target, sep, column = part.partition("=")
            target, column = target.strip(), column.strip()
            if not sep or not target or not column:
                raise MappingError(f"--map: {part.strip()!r} is not target=column")
            check_target(target)
            if target in out:
                raise MappingError(f"--map: {target} is mapped twice")
            out[target] = column
    return out


def check_target(target: str) -> None:
    if target.startswith(METADATA_PREFIX):
        key = target[len(METADATA_PREFIX) :]
        if not _METADATA_KEY.match(key):
            raise MappingError(f"{target!r}: a metadata key is 1–80 letters, digits, ._- or space")
        return
    if target not in TARGETS:
        raise MappingError(
            f"unknown target {target!r}; use one of {', '.join(TARGETS)} or metadata.<key>"
        )


def guess_mapping(columns: Iterable[str], taken: Iterable[str] = ()) -> dict[str, str]:
    """Targets whose usual header name (zh or en) appears among the columns."""
    used = set(taken)
    by_norm: dict[str, str] = {}
    for column in columns:
        by_norm.setdefault(_norm(column), column)
    out: dict[str, str] = {}
    for target, names in SYNONYMS.items():
        for name in names:
            found = by_norm.get(name)
            if found is not None and found not in used:
                out[target] = found
                used.add(found)
                break
    return out


@dataclass
class Mapping:
    columns: dict[str, str]  # target -> source column
    keep_unmapped: bool = False
    guessed: list[str] = field(default_factory=list)  # targets filled by guessing

    def as_json(self) -> dict[str, Any]:
        return {"columns": dict(self.columns), "keep_unmapped": self.keep_unmapped}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Mapping:
        return cls(dict(data.get("columns") or {}), bool(data.get("keep_unmapped")))


def resolve_mapping(
    columns: Sequence[str],
    explicit: dict[str, str],
    *,
    keep_unmapped: bool = False,
    guess: bool = True,
) -> Mapping:
    """Check an explicit mapping against the file's columns and fill the rest by guessing."""
    by_norm = {_norm(c): c for c in columns}
    resolved: dict[str, str] = {}
    for target, column in explicit.items():
        check_target(target)
        if not column:
            continue
        if column not in columns:
            near = by_norm.get(_norm(column))
            if near is None:
                raise MappingError(
                    f"{target}={column}: the file has no column named {column!r}; "
                    f"its columns are: {', '.join(columns)}"
                )
            column = near
        resolved[target] = column
    guessed: list[str] = []
    if guess:
        for target, column in guess_mapping(columns, taken=resolved.values()).items():
            if target not in resolved and target not in explicit:
                resolved[target] = column
                guessed.append(target)
    if "text" not in resolved:
        raise MappingError(
            "no column for text; map one, e.g. text=<column>; "
            f"the file's columns are: {', '.join(columns)}"
        )
    details = [t for t in CUSTOMER_DETAILS if t in resolved]
    if details and "customer" not in resolved:
        if all(t in guessed for t in details):
            for t in details:
                del resolved[t]
                guessed.remove(t)
        else:
            raise MappingError(
                f"{details[0]} needs customer (the customer's external id) mapped too"
            )
    return Mapping(resolved, keep_unmapped, guessed)


Problem = dict[str, str]


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict | list):
        raise ValueError(
            "must be text, not a JSON " + ("object" if isinstance(value, dict) else "list")
        )
    text = str(value).strip()
    return text or None


def _as_int(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(f"{value!r} is not a whole number")
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{text[:40]!r} is not a whole number") from None
        if number.is_integer():
            return int(number)
        raise ValueError(f"{text[:40]!r} is not a whole number")
    raise ValueError(f"{type(value).__name__} is not a whole number")


def _as_date(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip() or None
    raise ValueError(f"{value!r} is not a date; use ISO 8601 such as 2026-03-01 14:30")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def row_to_payload(
    mapping: Mapping, values: dict[str, Any]
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """A FeedbackIn-shaped payload from one row, or the problems naming field and column."""
    cols = mapping.columns
    payload: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    problems: list[Problem] = []

    def get(target: str) -> Any:
        return values.get(cols[target]) if target in cols else None

    def fail(target: str, message: str) -> None:
        problems.append({"field": target, "column": cols.get(target, ""), "message": message})

    try:
        payload["text"] = _as_text(get("text")) or ""
    except ValueError as exc:
        fail("text", str(exc))
    try:
        occurred = _as_date(get("occurred_at"))
        if occurred is not None:
            payload["occurred_at"] = occurred
    except ValueError as exc:
        fail("occurred_at", str(exc))
    for target in RATINGS:
        if target in cols:
            try:
                number = _as_int(get(target))
            except ValueError as exc:
                fail(target, str(exc))
                continue
            if number is not None:
                payload[target] = number
    try:
        ext = _as_text(get("external_id"))
        if ext is not None:
            payload["external_id"] = ext
        customer = _as_text(get("customer"))
        if customer is not None:
            details = {}
            for target, attr in CUSTOMER_DETAILS.items():
                value = _as_text(get(target))
                if value is not None:
                    details[attr] = value
            payload["customer"] = {"external_id": customer, **details} if details else customer
        language = _as_text(get("language"))
        if language is not None:
            known = _LANGUAGE_NAMES.get(_norm(language))
            if known is not None:
                payload["language"] = known  # analysis keeps it instead of detecting
            else:  # a language VoxLoop has no code for: kept, and analysis detects one
                metadata["language"] = language
    except ValueError as exc:
        fail("customer", str(exc))
    for target, column in cols.items():
        if target.startswith(METADATA_PREFIX):
            value = values.get(column)
            if value is not None and value != "":
                metadata[target[len(METADATA_PREFIX) :]] = _jsonable(value)
    if mapping.keep_unmapped:
        used = set(cols.values())
        for column, value in values.items():
            if column not in used and value is not None and value != "":
                metadata.setdefault(column, _jsonable(value))
    if metadata:
        payload["metadata"] = metadata
    if problems:
        return None, problems
    return payload, []


def content_key(channel_id: int, raw: str) -> str:
    """Stable idempotency key of a row without an external id: re-importing the same rows
    finds them again. Two identical rows of one file are one item (the second is reported
    as existing)."""
    digest = hashlib.sha256(f"{channel_id}\n{raw}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"import:{digest[:48]}"
