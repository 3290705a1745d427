"""Factories for the big objects tests need."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from voxloop.accounts.actors import Actor, system_actor
from voxloop.accounts.models import Membership, User, Workspace
from voxloop.accounts.services import do_create_api_key, do_create_workspace
from voxloop.feedback.models import Channel, FeedbackItem, Topic


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")


def workspace(name: str, owner: User, tz: str = "UTC") -> Workspace:
    return do_create_workspace(name, owner, tz=tz)


def member(ws: Workspace, user: User, role: str) -> Membership:
    return Membership.objects.create(workspace=ws, user=user, role=role)


def actor(ws: Workspace, user: User | None = None) -> Actor:
    if user is None:
        return system_actor(ws)
    m = Membership.objects.get(workspace=ws, user=user)
    return Actor(workspace=ws, user=user, role=m.role)


def api_key(ws: Workspace, scopes: list[str]) -> str:
    _, raw = do_create_api_key(system_actor(ws), "test key", scopes)
    return raw


def topic(
    ws: Workspace,
    name_en: str,
    name_zh: str,
    parent: Topic | None = None,
    keywords: list[str] | None = None,
) -> Topic:
    return Topic.objects.create(
        workspace=ws,
        name_en=name_en,
        name_zh=name_zh,
        parent=parent,
        level=(parent.level + 1) if parent else 1,
        keywords=keywords or [],
    )


def item(ws: Workspace, text: str = "The delivery was late", **kw: Any) -> FeedbackItem:
    channel = kw.pop("channel", None) or Channel.objects.get(workspace=ws, slug="api")
    kw.setdefault("occurred_at", timezone.now() - timedelta(hours=1))
    return FeedbackItem.objects.create(
        workspace=ws, channel=channel, text=text, raw_payload=text, **kw
    )
