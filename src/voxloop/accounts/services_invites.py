"""Inviting people by email: a member without a password gets a one-time set-password link."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from voxloop.accounts.actors import Actor
from voxloop.accounts.models import Membership, User
from voxloop.accounts.services import do_add_member, do_audit


def is_pending(user: User) -> bool:
    """True while an invited person has not chosen a password yet."""
    return not user.has_usable_password()


def invite_path(user: User) -> str:
    """The set-password path for an invited user.

    Django's token embeds the password hash and last login, so the link stops working the
    moment the password is set (one use) or after PASSWORD_RESET_TIMEOUT.
    """
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("accounts:invite_accept", args=[uid, token])


@transaction.atomic
def do_invite_member(actor: Actor, email: str, role: str) -> tuple[Membership, str | None]:
    """Add a member by email; returns the membership and, for a new person, the invite path."""
    membership = do_add_member(actor, email, role)
    user = membership.user
    return membership, (invite_path(user) if is_pending(user) else None)


@transaction.atomic
def do_renew_invite(actor: Actor, membership_id: int) -> str:
    """A fresh set-password path for a member who has not set a password yet (audited)."""
    actor.require("members.manage")
    membership = Membership.objects.select_related("user").get(
        pk=membership_id, workspace=actor.workspace
    )
    if not is_pending(membership.user):
        raise ValidationError({"email": "This member has already set a password."})
    do_audit(actor, "member.invite", membership, after={"email": membership.user.email})
    return invite_path(membership.user)
