"""`voxloop createkey`: create an API key and print it once."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from voxloop.accounts.actors import system_actor
from voxloop.accounts.models import Scope, Workspace
from voxloop.accounts.services import do_create_api_key


class Command(BaseCommand):
    help = "Create an API key for a workspace; the key is printed once and stored hashed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", required=True, help="Workspace slug.")
        parser.add_argument("--name", default="cli", help="A name to recognise the key by.")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            choices=Scope.values,
            help="Scope (repeatable); default feedback:write and feedback:read.",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        workspace = Workspace.objects.filter(slug=opts["workspace"]).first()
        if workspace is None:
            raise CommandError(f"no workspace with slug {opts['workspace']!r}")
        scopes = opts["scopes"] or ["feedback:write", "feedback:read"]
        try:
            _, raw = do_create_api_key(system_actor(workspace), opts["name"], scopes)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(raw)
