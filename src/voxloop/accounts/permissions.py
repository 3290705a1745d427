"""The permission matrix (role × action), written once and enforced everywhere."""

from __future__ import annotations

from voxloop.accounts.models import Role

O, A, M, G, N, V = (  # noqa: E741 - one letter per role keeps the matrix readable
    Role.OWNER,
    Role.ADMIN,
    Role.MANAGER,
    Role.AGENT,
    Role.ANALYST,
    Role.VIEWER,
)

# action -> roles allowed. docs/user-guide.md renders the same table (a test checks it).
MATRIX: dict[str, frozenset[str]] = {
    "feedback.view": frozenset({O, A, M, G, N, V}),
    "feedback.view_raw": frozenset({O, A}),
    "feedback.create": frozenset({O, A, M, G}),
    "feedback.relabel": frozenset({O, A, M, G, N}),
    "feedback.bulk": frozenset({O, A, M, G}),
    "feedback.import": frozenset({O, A, M}),
    "feedback.export": frozenset({O, A, M, N}),
    "customers.view": frozenset({O, A, M, G, N, V}),
    "customers.edit": frozenset({O, A, M, G}),
    "customers.merge": frozenset({O, A, M}),
    "channels.manage": frozenset({O, A}),
    "taxonomy.manage": frozenset({O, A, M}),
    "teams.manage": frozenset({O, A, M}),
    "members.manage": frozenset({O, A}),
    "apikeys.manage": frozenset({O, A}),
    "audit.view": frozenset({O, A}),
    "notify.manage": frozenset({O, A}),
    "insights.manage_rules": frozenset({O, A, M}),
    "insights.handle_alerts": frozenset({O, A, M, G, N}),
    "workspace.manage": frozenset({O}),
}

ROLE_ORDER = [O, A, M, G, N, V]

# What an API key's scope lets it do, before the matrix of its creator's role.
SCOPE_ACTIONS: dict[str, frozenset[str]] = {
    "feedback:read": frozenset({"feedback.view", "customers.view"}),
    "feedback:write": frozenset(
        {"feedback.create", "feedback.relabel", "customers.edit", "insights.handle_alerts"}
    ),
    "admin": frozenset(MATRIX),
}


def role_can(role: str, action: str) -> bool:
    try:
        return role in MATRIX[action]
    except KeyError:
        raise KeyError(
            f"unknown action {action!r}; add it to accounts.permissions.MATRIX"
        ) from None


def scopes_can(scopes: list[str], action: str) -> bool:
    if action not in MATRIX:
        raise KeyError(f"unknown action {action!r}")
    return any(action in SCOPE_ACTIONS.get(scope, frozenset()) for scope in scopes)
