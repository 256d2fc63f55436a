"""The embedded PostgreSQL server used when no database is configured.

It comes from the ``pgserver`` package (PostgreSQL 16 binaries shipped in a wheel), keeps its data
under the project (``.data/pg`` by default) and listens on a Unix socket only, so it never competes
for a TCP port. The server is shared by every process of the project that needs it and stops when
the last of them exits.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

DATABASE_NAME = "supportdesk"


def start(data_dir: Path) -> dict[str, Any]:
    """Start (or join) the embedded server and return Django ``DATABASES`` connection fields."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); its fallback is fine.
        warnings.simplefilter("ignore")
        import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = _join_or_start(pgserver, data_dir)
    info = server.get_postmaster_info()
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{DATABASE_NAME}";')
    return {
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir) if info.socket_dir else "127.0.0.1",
        "PORT": str(info.port or ""),
    }


def _join_or_start(pgserver: Any, data_dir: Path) -> Any:
    """``pgserver.get_server``, waiting while another process's server is still starting or stopping.

    When one command ends (``make run``: ``migrate``) just as the next starts (``runserver``), the
    server's postmaster.pid can say "stopping"; pgserver then fails an assertion instead of waiting.
    """
    from pgserver.postgres_server import PostgresServer

    deadline = time.monotonic() + 30
    while True:
        try:
            return pgserver.get_server(data_dir, cleanup_mode="stop")
        except AssertionError:
            # pgserver caches the half-made handle; drop it so the next try starts afresh.
            PostgresServer._instances.pop(data_dir.expanduser().resolve(), None)
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
