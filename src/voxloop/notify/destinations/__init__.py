"""One module per destination kind, each with check_config / summary / send; KINDS maps them."""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType

from voxloop.notify.destinations import dingtalk, email, feishu, slack, webhook, wecom

KINDS: Mapping[str, ModuleType] = {
    "email": email,
    "webhook": webhook,
    "slack": slack,
    "wecom": wecom,
    "dingtalk": dingtalk,
    "feishu": feishu,
}


def module_for(kind: str) -> ModuleType:
    try:
        return KINDS[kind]
    except KeyError:
        raise KeyError(f"unknown destination kind {kind!r}") from None
