"""A URLconf for the operations tests: a view that logs and writes an audit entry, like a service."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.urls import path

from accounts.models import User
from audit.services import audit_record

logger = logging.getLogger("tests.ops")


def touch(request: HttpRequest) -> JsonResponse:
    user = request.user
    assert isinstance(user, User)
    logger.info("touching")
    entry = audit_record(
        tenant=user.tenant, actor=user, action="ops.touched", entity_type="user", entity_id=user.pk
    )
    return JsonResponse({"audit": str(entry.pk)})


def boom(request: HttpRequest) -> JsonResponse:
    raise RuntimeError("boom")


urlpatterns = [path("touch", touch), path("boom", boom)]
