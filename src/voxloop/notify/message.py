"""The message every destination kind renders: one value object shared by alerts and digests."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    title: str  # one line
    text: str  # plain text body (several lines)
    url: str = ""  # link to the thing in VoxLoop (absolute when BASE_URL is set)
    severity: int = 0  # 1..10 for alerts, 0 for digests/info
    kind: str = "alert"  # alert | digest | test
    fields: dict[str, str] = field(default_factory=dict)  # short label → value pairs
    payload: dict[str, Any] = field(default_factory=dict)  # machine-readable body for webhooks

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Message:
        return cls(
            title=str(data.get("title", "")),
            text=str(data.get("text", "")),
            url=str(data.get("url", "")),
            severity=int(data.get("severity", 0) or 0),
            kind=str(data.get("kind", "alert")),
            fields={str(k): str(v) for k, v in (data.get("fields") or {}).items()},
            payload=dict(data.get("payload") or {}),
        )

    @property
    def is_urgent(self) -> bool:
        """Urgent messages ignore quiet hours."""
        return self.severity >= URGENT_SEVERITY


URGENT_SEVERITY = 8
