"""Who is acting: a workspace member in the UI, or an API key."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from voxloop.accounts.models import ApiKey, User, Workspace
from voxloop.accounts.permissions import role_can, scopes_can


@dataclass(frozen=True)
class Actor:
    workspace: Workspace
    user: User | None = None
    key: ApiKey | None = None
    role: str = "viewer"

    def can(self, action: str) -> bool:
        if self.key is not None:
            return scopes_can(list(self.key.scopes), action)
        return role_can(self.role, action)

    def require(self, action: str) -> None:
        if not self.can(action):
            raise PermissionDenied(f"not allowed: {action}")

    @property
    def label(self) -> str:
        if self.user is not None:
            return str(self.user)
        if self.key is not None:
            return f"API key {self.key.prefix}"
        return "system"


def system_actor(workspace: Workspace) -> Actor:
    """The actor for work VoxLoop does by itself (imports from the CLI, the demo, tasks)."""
    return Actor(workspace=workspace, role="owner")
