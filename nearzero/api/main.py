"""The REST API at /api/ (OpenAPI at /api/openapi.json, docs at /api/docs).

Authentication: the browser session (with CSRF for writes). Errors share one shape:
``{"code": "...", "detail": "..."}``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import NinjaAPI

from nearzero import __version__
from nearzero.api.auth import staff_session
from nearzero.circle.api import router as circle_router
from nearzero.core.errors import DomainError
from nearzero.energy.api import router as energy_router
from nearzero.engagement.api import router as engagement_router
from nearzero.evaluation.api import router as evaluation_router
from nearzero.inventory.api import router as inventory_router
from nearzero.points.api import router as points_router
from nearzero.sites.api import router as sites_router

api = NinjaAPI(
    title="nearzero API",
    version=__version__,
    urls_namespace="api",
    auth=staff_session,
)
api.add_router("/", sites_router)
api.add_router("/", inventory_router)
api.add_router("/", energy_router)
api.add_router("/", engagement_router)
api.add_router("/", points_router)
api.add_router("/", circle_router)
api.add_router("/", evaluation_router)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"code": "not_found", "detail": "Not found."}, status=404)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    body = {"code": exc.code, "detail": exc.message, "field": exc.field}
    return api.create_response(request, body, status=getattr(exc, "http_status", 400))


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    body = {"code": "invalid", "detail": detail}
    return api.create_response(request, body, status=400)
