"""The docs cover every setting, command and permission (they are kept honest by tests)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings as dj_settings

from voxloop.accounts.permissions import MATRIX, ROLE_ORDER
from voxloop.cli import COMMANDS
from voxloop.conf import SETTINGS_DOC

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_setting_is_documented():
    assert dj_settings.configured
    guide = (DOCS / "operator-guide.md").read_text()
    missing = [name for name in SETTINGS_DOC if f"`{name}`" not in guide]
    assert not missing, f"document these in docs/operator-guide.md: {missing}"
    documented = set(re.findall(r"`(VOXLOOP_[A-Z_]+)`", guide))
    assert documented <= set(SETTINGS_DOC), documented - set(SETTINGS_DOC)


def test_every_command_is_documented():
    guide = (DOCS / "operator-guide.md").read_text()
    missing = [c for c in COMMANDS if f"`voxloop {c}" not in guide]
    assert not missing, f"document these commands in docs/operator-guide.md: {missing}"


def test_permission_table_matches_the_code():
    guide = (DOCS / "user-guide.md").read_text()
    header = "| action | " + " | ".join(ROLE_ORDER) + " |"
    assert header in guide
    for action, roles in MATRIX.items():
        row = f"| `{action}` | " + " | ".join("✓" if r in roles else "·" for r in ROLE_ORDER) + " |"
        assert row in guide, f"user guide row out of date: {action}"


def test_every_api_path_is_in_the_api_guide():
    from voxloop.api import api

    guide = (DOCS / "api-guide.md").read_text()
    for path in api.get_openapi_schema()["paths"]:
        generic = re.sub(r"\{[^}]+\}", "{", path)
        assert any(
            re.sub(r"\{[^}]+\}", "{", p) == generic for p in re.findall(r"/api/v1/[\w/{}]+", guide)
        ), path
