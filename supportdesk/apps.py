from django.apps import AppConfig
from django.core.signals import request_finished
from django.db.backends.signals import connection_created


class SupportdeskConfig(AppConfig):
    name = "supportdesk"
    verbose_name = "Support Desk core"

    def ready(self) -> None:
        from supportdesk.database import install_slow_query_log
        from supportdesk.request_context import end_request

        connection_created.connect(install_slow_query_log, dispatch_uid="supportdesk.slow_query_log")
        request_finished.connect(end_request, dispatch_uid="supportdesk.end_request")
