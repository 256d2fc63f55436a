from django.apps import AppConfig
from django.db.backends.signals import connection_created


class SupportdeskConfig(AppConfig):
    name = "supportdesk"
    verbose_name = "Support Desk core"

    def ready(self) -> None:
        from supportdesk.database import install_slow_query_log

        connection_created.connect(install_slow_query_log, dispatch_uid="supportdesk.slow_query_log")
