"""`voxloop init`: migrate, then create a workspace and its owner."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from voxloop.accounts.models import User, Workspace
from voxloop.accounts.services import do_create_workspace


class Command(BaseCommand):
    help = "Create the database (migrations), a workspace and an owner account."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", default="My company", help="Workspace name.")
        parser.add_argument("--email", default="owner@example.com", help="Owner's email.")
        parser.add_argument(
            "--password",
            default=None,
            help="Owner's password; default: a random one, printed once.",
        )
        parser.add_argument(
            "--timezone", default="UTC", help="Workspace time zone, e.g. Asia/Shanghai."
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        email = opts["email"].strip().lower()
        password = opts["password"] or secrets.token_urlsafe(12)
        with transaction.atomic():
            user = User.objects.filter(email=email).first()
            created_user = user is None
            if user is None:
                user = User.objects.create_user(email=email, password=password, name="Owner")
            if Workspace.objects.filter(name=opts["workspace"], memberships__user=user).exists():
                raise CommandError(f"{email} already has a workspace called {opts['workspace']!r}")
            workspace = do_create_workspace(opts["workspace"], user, tz=opts["timezone"])
        self.stdout.write(f"Workspace: {workspace.name} ({workspace.slug})")
        if created_user:
            self.stdout.write(f"Owner:     {email}\nPassword:  {password}")
        else:
            self.stdout.write(f"Owner:     {email} (existing account)")
