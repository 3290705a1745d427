"""Changes to workspaces, members, teams and API keys (each one audited)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from voxloop.accounts.actors import Actor
from voxloop.accounts.models import (
    ApiKey,
    AuditLog,
    Membership,
    Role,
    Scope,
    Team,
    User,
    Workspace,
)
from voxloop.ttlcache import TTLCache

KEY_PREFIX = "vxk_"
_LAST_USED_RESOLUTION = timedelta(minutes=1)


def do_audit(
    actor: Actor,
    action: str,
    obj: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditLog:
    return AuditLog.objects.create(
        workspace=actor.workspace,
        actor_user=actor.user,
        actor_key=actor.key,
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=str(getattr(obj, "pk", "") or ""),
        before=before,
        after=after,
    )


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "workspace"
    slug, n = base, 1
    while Workspace.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def do_create_workspace(name: str, owner: User, *, tz: str = "UTC") -> Workspace:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "A workspace needs a name."})
    workspace = Workspace.objects.create(name=name, slug=_unique_slug(name), timezone=tz)
    Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    actor = Actor(workspace=workspace, user=owner, role=Role.OWNER)
    do_audit(actor, "workspace.create", workspace, after={"name": name})
    from voxloop.feedback.services import do_create_default_channels

    do_create_default_channels(workspace)
    return workspace


def access_membership(user: User, workspace_slug: str) -> Membership:
    """The user's membership in a workspace, or PermissionDenied (never reveals others)."""
    membership = (
        Membership.objects.select_related("workspace")
        .filter(user=user, workspace__slug=workspace_slug)
        .first()
    )
    if membership is None:
        raise PermissionDenied("not a member of this workspace")
    return membership


def actor_for(membership: Membership) -> Actor:
    return Actor(workspace=membership.workspace, user=membership.user, role=membership.role)


@transaction.atomic
def do_add_member(
    actor: Actor, email: str, role: str, *, password: str | None = None
) -> Membership:
    actor.require("members.manage")
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    if role == Role.OWNER and actor.role != Role.OWNER:
        raise PermissionDenied("only an owner can add an owner")
    email = email.strip().lower()
    if "@" not in email:
        raise ValidationError({"email": "Enter a valid email address."})
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password)
        if password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    membership, created = Membership.objects.get_or_create(
        workspace=actor.workspace, user=user, defaults={"role": role}
    )
    if not created:
        raise ValidationError({"email": f"{email} is already a member."})
    do_audit(actor, "member.add", membership, after={"email": email, "role": role})
    return membership


def _owner_count(workspace: Workspace) -> int:
    return Membership.objects.filter(workspace=workspace, role=Role.OWNER).count()


@transaction.atomic
def do_change_role(actor: Actor, membership_id: int, role: str) -> Membership:
    actor.require("members.manage")
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    membership = Membership.objects.select_for_update().get(
        pk=membership_id, workspace=actor.workspace
    )
    if Role.OWNER in (role, membership.role) and actor.role != Role.OWNER:
        raise PermissionDenied("only an owner can grant or remove the owner role")
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(actor.workspace) == 1:
        raise ValidationError({"role": "A workspace must keep at least one owner."})
    before = {"role": membership.role}
    membership.role = role
    membership.save(update_fields=["role"])
    do_audit(actor, "member.role", membership, before=before, after={"role": role})
    return membership


@transaction.atomic
def do_remove_member(actor: Actor, membership_id: int) -> None:
    actor.require("members.manage")
    membership = Membership.objects.get(pk=membership_id, workspace=actor.workspace)
    if membership.role == Role.OWNER:
        if actor.role != Role.OWNER:
            raise PermissionDenied("only an owner can remove an owner")
        if _owner_count(actor.workspace) == 1:
            raise ValidationError({"role": "A workspace must keep at least one owner."})
    do_audit(actor, "member.remove", membership, before={"email": membership.user.email})
    membership.delete()


@transaction.atomic
def do_create_team(actor: Actor, name: str, member_ids: list[int] | None = None) -> Team:
    actor.require("teams.manage")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "A team needs a name."})
    if Team.objects.filter(workspace=actor.workspace, name=name).exists():
        raise ValidationError({"name": f"A team called {name!r} exists already."})
    team = Team.objects.create(workspace=actor.workspace, name=name)
    if member_ids:
        do_set_team_members(actor, team.pk, member_ids)
    do_audit(actor, "team.create", team, after={"name": name})
    return team


@transaction.atomic
def do_set_team_members(actor: Actor, team_id: int, user_ids: list[int]) -> Team:
    actor.require("teams.manage")
    team = Team.objects.get(pk=team_id, workspace=actor.workspace)
    allowed = set(
        Membership.objects.filter(workspace=actor.workspace, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    unknown = set(user_ids) - allowed
    if unknown:
        raise ValidationError({"members": f"Not members of this workspace: {sorted(unknown)}"})
    before = sorted(team.members.values_list("id", flat=True))
    team.members.set(sorted(allowed))
    do_audit(
        actor, "team.members", team, before={"members": before}, after={"members": sorted(allowed)}
    )
    return team


@transaction.atomic
def do_delete_team(actor: Actor, team_id: int) -> None:
    actor.require("teams.manage")
    team = Team.objects.get(pk=team_id, workspace=actor.workspace)
    do_audit(actor, "team.delete", team, before={"name": team.name})
    team.delete()


def hash_key(raw: str) -> str:
    # API keys carry 256 bits of randomness, so one round of SHA-256 is enough (no
    # dictionary attack is possible); a slow hash would cost every API request.
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def do_create_api_key(actor: Actor, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the plaintext, which is never stored or shown again."""
    actor.require("apikeys.manage")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "A key needs a name."})
    bad = [s for s in scopes if s not in Scope.values]
    if bad or not scopes:
        raise ValidationError(
            {"scopes": f"Choose scopes from {', '.join(Scope.values)}; got {scopes!r}."}
        )
    prefix = secrets.token_hex(4)
    raw = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        workspace=actor.workspace,
        name=name,
        prefix=prefix,
        key_hash=hash_key(raw),
        scopes=sorted(set(scopes)),
        created_by=actor.user,
    )
    do_audit(
        actor, "apikey.create", key, after={"name": name, "scopes": key.scopes, "prefix": prefix}
    )
    return key, raw


@transaction.atomic
def do_revoke_api_key(actor: Actor, key_id: int) -> ApiKey:
    actor.require("apikeys.manage")
    key = ApiKey.objects.get(pk=key_id, workspace=actor.workspace)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        _key_cache.clear()
        do_audit(actor, "apikey.revoke", key, after={"prefix": key.prefix})
    return key


# Keys looked up in the last few seconds, by prefix: API traffic would otherwise pay a
# query per request. Revoking clears this process's cache at once; other processes see a
# revocation within KEY_CACHE_SECONDS.
KEY_CACHE_SECONDS = 5.0
_key_cache: TTLCache[str, ApiKey] = TTLCache(ttl=KEY_CACHE_SECONDS)


def check_api_key(raw: str) -> ApiKey | None:
    """The active key for a presented secret, or None. Records last use (at most once a minute)."""
    if not raw.startswith(KEY_PREFIX):
        return None
    prefix = raw[len(KEY_PREFIX) :].split("_", 1)[0]
    key = _key_cache.get(prefix)
    if key is None:
        key = ApiKey.objects.select_related("workspace").filter(prefix=prefix).first()
        if key is None:
            return None
        _key_cache.set(prefix, key)
    if key.revoked_at is not None:
        return None
    if not secrets.compare_digest(key.key_hash, hash_key(raw)):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
