"""A second floor for framework overhead: Django alone, without DRF or the ORM's query building.

The production WSGI application (the same settings and middleware: request ids and access logs,
metrics, security, sessions, CSRF, messages, htmx) with its URLs replaced by one, ``/bench/floor``:
a plain Django view that signs the request in with the API token (``live_token``, the app's own lookup)
and runs the page's SQL the bench captured (``BENCH_BARE_SQL``, as for ``bench.bare``) through
Django's connection, answering the API's JSON (written by ``bench.same_json``). Against
``bench.bare`` it shows what Django's request handling costs; against the real list, what DRF,
the FilterSet, the ORM and the serializers add on top.
"""

from __future__ import annotations

import json
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import clear_url_caches, path
from django.utils import timezone

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")
application = get_wsgi_application()

from accounts.services import api_token_digest  # noqa: E402 (needs the apps loaded)
from bench import same_json  # noqa: E402
from supportdesk.api.authentication import live_token  # noqa: E402

with open(os.environ["BENCH_BARE_SQL"]) as _f:
    _SQL = json.load(_f)


def floor(request: HttpRequest) -> HttpResponse:
    parts = request.headers.get("Authorization", "").split()
    if len(parts) != 2 or live_token(api_token_digest(parts[1]), timezone.now()) is None:
        return JsonResponse({"error": "Invalid token."}, status=401)
    rows: list[dict[str, object]] = []
    with connection.cursor() as cursor:
        for sql in _SQL["page"]:
            cursor.execute(sql)
            columns = [column.name for column in cursor.description]
            rows = rows or [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return HttpResponse(same_json.page(rows, _SQL["json"]), content_type="application/json")


# Only this URL: the server is started and checked through /healthz (the middleware answers it).
urlpatterns = [path("bench/floor", floor)]
settings.ROOT_URLCONF = __name__
clear_url_caches()
