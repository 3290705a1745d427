"""Shared fixtures: named actors (alice owns, bob is an agent, charlie is an outsider)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests import factories


@dataclass
class World:
    alice: Any  # owner of workspace `acme`
    bob: Any  # agent in `acme`
    vera: Any  # viewer in `acme`
    charlie: Any  # owner of workspace `globex`, no access to `acme`
    acme: Any
    globex: Any
    acme_key: str  # feedback:write + feedback:read in acme
    globex_key: str


@pytest.fixture(autouse=True)
def _english_between_tests() -> Any:
    """A test that switches to Chinese must not leave it active for the next one."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture
def world(db: Any) -> World:
    alice = factories.UserFactory(email="alice@acme.test", name="Alice")
    bob = factories.UserFactory(email="bob@acme.test", name="Bob")
    vera = factories.UserFactory(email="vera@acme.test", name="Vera")
    charlie = factories.UserFactory(email="charlie@globex.test", name="Charlie")
    acme = factories.workspace("Acme", alice)
    globex = factories.workspace("Globex", charlie)
    factories.member(acme, bob, "agent")
    factories.member(acme, vera, "viewer")
    return World(
        alice=alice,
        bob=bob,
        vera=vera,
        charlie=charlie,
        acme=acme,
        globex=globex,
        acme_key=factories.api_key(acme, ["feedback:write", "feedback:read"]),
        globex_key=factories.api_key(globex, ["feedback:write", "feedback:read"]),
    )


class ApiClient:
    """Django's test client with an API key and JSON helpers."""

    def __init__(self, client: Any, key: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def _call(
        self,
        method: str,
        path: str,
        data: Any = None,
        raw: str | bytes | None = None,
        **headers: str,
    ) -> Any:
        import json

        body = raw if raw is not None else (json.dumps(data) if data is not None else None)
        kwargs: dict[str, Any] = {"headers": {**self.headers, **headers}}
        if body is not None:
            kwargs["data"] = body
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(f"/api/v1{path}", **kwargs)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("post", path, data, **kw)

    def patch(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("patch", path, data, **kw)


@pytest.fixture
def api(client: Any, world: World) -> ApiClient:
    return ApiClient(client, world.acme_key)


@pytest.fixture
def outsider_api(client: Any, world: World) -> ApiClient:
    return ApiClient(client, world.globex_key)
