"""Strict readers for VOXLOOP_* environment variables (a bad value stops start-up)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

# Every setting VoxLoop reads, with a one-line description; docs/operator-guide.md
# lists the same names (a test checks that they agree).
SETTINGS_DOC: dict[str, str] = {}


class ConfigError(ValueError):
    """An environment variable has a value VoxLoop cannot use."""


def _raw(name: str, env: Mapping[str, str] | None) -> str | None:
    value = (env if env is not None else os.environ).get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def _register(name: str, doc: str, env: Mapping[str, str] | None) -> None:
    if env is None:  # reads of the real environment are settings; explicit maps are tests
        SETTINGS_DOC.setdefault(name, doc)


def env_str(name: str, default: str, doc: str, env: Mapping[str, str] | None = None) -> str:
    _register(name, doc, env)
    value = _raw(name, env)
    return default if value is None else value


def env_bool(name: str, default: bool, doc: str, env: Mapping[str, str] | None = None) -> bool:
    _register(name, doc, env)
    value = _raw(name, env)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean (use true/false, yes/no, 1/0, on/off)")


def env_int(
    name: str,
    default: int,
    doc: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    _register(name, doc, env)
    value = _raw(name, env)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not an integer") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name}={number} is below the minimum {minimum}")
    if maximum is not None and number > maximum:
        raise ConfigError(f"{name}={number} is above the maximum {maximum}")
    return number


def env_list(
    name: str, default: list[str], doc: str, env: Mapping[str, str] | None = None
) -> list[str]:
    _register(name, doc, env)
    value = _raw(name, env)
    if value is None:
        return list(default)
    return [part.strip() for part in value.split(",") if part.strip()]


def env_choice(
    name: str,
    default: str,
    choices: tuple[str, ...],
    doc: str,
    env: Mapping[str, str] | None = None,
) -> str:
    _register(name, doc, env)
    value = _raw(name, env)
    if value is None:
        return default
    if value not in choices:
        raise ConfigError(f"{name}={value!r} must be one of: {', '.join(choices)}")
    return value


def env_path(name: str, default: str, doc: str, env: Mapping[str, str] | None = None) -> Path:
    _register(name, doc, env)
    value = _raw(name, env)
    return Path(value if value is not None else default).expanduser().resolve()


def env_url(
    name: str,
    default: str,
    schemes: tuple[str, ...],
    doc: str,
    env: Mapping[str, str] | None = None,
) -> str:
    _register(name, doc, env)
    value = _raw(name, env)
    if value is None:
        return default
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme not in schemes:
        raise ConfigError(
            f"{name} must be a URL starting with one of {', '.join(s + '://' for s in schemes)}"
        )
    return value
