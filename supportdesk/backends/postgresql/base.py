"""Django's PostgreSQL backend with django-prometheus's query metrics, its cursor class made once.

django-prometheus builds a new cursor class in ``get_connection_params``, which Django calls on
every connect; with the connection pool that is every request (the pool hands back a connection
made with the first request's parameters, so the new class is not even used). Making a class costs
about 0.1 ms and leaves a reference cycle for the garbage collector. The class depends only on the
base cursor class, the alias and the vendor, so it is made once per combination.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db.backends.postgresql import base as django_base
from django_prometheus.db.backends.postgresql import base as prometheus_base
from django_prometheus.db.common import ExportingCursorWrapper


@functools.cache
def exporting_cursor(cursor_class: type, alias: str, vendor: str) -> type:
    """django-prometheus's counting cursor class for ``cursor_class`` (made once)."""
    return ExportingCursorWrapper(cursor_class, alias, vendor)


class DatabaseWrapper(prometheus_base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        conn_params = django_base.DatabaseWrapper.get_connection_params(self)
        conn_params["cursor_factory"] = exporting_cursor(
            conn_params["cursor_factory"], self.alias, self.vendor
        )
        return conn_params
