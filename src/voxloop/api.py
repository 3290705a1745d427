"""The REST API root: authentication, error format and the app routers (/api/v1/)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from voxloop.accounts.actors import Actor
from voxloop.accounts.services import check_api_key


def _key_actor(request: HttpRequest, token: str) -> Actor | None:
    key = check_api_key(token)
    if key is None:
        return None
    actor = Actor(workspace=key.workspace, key=key)
    request.actor = actor  # type: ignore[attr-defined]
    return actor


class BearerKey(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        return _key_actor(request, token)


class HeaderKey(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        return _key_actor(request, key or "")


class WorkspaceSession(SessionAuth):
    """A signed-in person acting in the workspace they have open in the UI."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        user = super().authenticate(request, key)
        if not user:
            return None
        actor = getattr(request, "actor", None)
        if actor is None:
            return None
        return actor  # type: ignore[no-any-return]


api = NinjaAPI(
    title="VoxLoop API",
    version="1",
    description=(
        "Collect and read customer feedback. Authenticate with an API key "
        "(`Authorization: Bearer vxk_…` or `X-API-Key: vxk_…`). Errors come back as "
        '`{"errors": [{"field": …, "message": …}]}`.'
    ),
    auth=[BearerKey(), HeaderKey(), WorkspaceSession()],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _errors(request: HttpRequest, status: int, errors: list[dict[str, Any]]) -> HttpResponse:
    return api.create_response(request, {"errors": errors}, status=status)


@api.exception_handler(NinjaValidationError)
def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for err in exc.errors:
        field = ""
        for part in err.get("loc", ()):
            if part in ("body", "query", "path", "payload"):
                continue
            field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
        field = field or "body"
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        errors.append({"field": field, "message": msg})
    return _errors(request, 422, errors)


@api.exception_handler(DjangoValidationError)
def _django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "message_dict"):
        errors = [
            {"field": field, "message": " ".join(str(m) for m in messages)}
            for field, messages in exc.message_dict.items()
        ]
    else:
        errors = [{"field": "body", "message": " ".join(exc.messages)}]
    return _errors(request, 422, errors)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _errors(request, 403, [{"field": "auth", "message": str(exc) or "not allowed"}])


@api.exception_handler(ObjectDoesNotExist)
def _not_found(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    return _errors(request, 404, [{"field": "id", "message": "not found"}])


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _errors(
        request, 401, [{"field": "auth", "message": "missing, unknown or revoked API key"}]
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _errors(request, exc.status_code, [{"field": "body", "message": str(exc)}])


def _register() -> None:
    from voxloop.customers.api import router as customers_router
    from voxloop.feedback.api import router as feedback_router

    api.add_router("/", feedback_router)
    api.add_router("/customers", customers_router)
    from voxloop.insights.api import router as insights_router

    api.add_router("/insights", insights_router)
    from voxloop.feedback.api_themes import router as themes_router

    api.add_router("/themes", themes_router)


_register()
