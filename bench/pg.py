"""The benchmark's databases: scratch databases on the embedded PostgreSQL 16 server.

Each stage gets its own database (``bench_*``), created empty and migrated by ``manage.py migrate``
in a subprocess, so the project's own database is never touched. The client tools (``pg_dump``,
``psql``) are pgserver's, of the server's own version: an older ``pg_dump`` refuses a newer server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def start_server() -> dict[str, str]:
    """Start (or join) the embedded server; keep it up for as long as this process lives."""
    sys.path.insert(0, str(ROOT))
    from supportdesk import embedded_db

    data_dir = Path(os.environ.get("EMBEDDED_PG_DIR", ROOT / ".data" / "pg"))
    return embedded_db.start(data_dir)


def client_bin(name: str) -> str:
    import pgserver

    return str(Path(pgserver.__file__).parent / "pginstall" / "bin" / name)


class Database:
    """One scratch database on the server described by ``server`` (Django connection fields)."""

    def __init__(self, server: dict[str, str], name: str) -> None:
        self.server = server
        self.name = name

    @property
    def url(self) -> str:
        # A Unix-socket directory goes in the path (django-environ's form for socket hosts).
        host = quote(self.server["HOST"], safe="")
        port = f":{self.server['PORT']}" if self.server.get("PORT") else ""
        return f"postgres://{self.server['USER']}@{port}/{host}/{self.name}"

    def conninfo(self, dbname: str | None = None) -> dict[str, str]:
        info = {"dbname": dbname or self.name, "user": self.server["USER"], "host": self.server["HOST"]}
        if self.server.get("PORT"):
            info["port"] = self.server["PORT"]
        return info

    def connect(self, **kwargs: object) -> psycopg.Connection:
        return psycopg.connect(**self.conninfo(), **kwargs)  # type: ignore[arg-type]

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for a subprocess of the project that should use this database."""
        env = {**os.environ, "DEBUG": "false", **extra, "DATABASE_URL": self.url}
        env.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789")
        return env

    def recreate(self) -> Database:
        with psycopg.connect(**self.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return self

    def drop(self) -> None:
        with psycopg.connect(**self.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def migrate(self) -> None:
        """The project's schema, exactly as `manage.py migrate` builds it (indexes, constraints, triggers)."""
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=self.env(),
            check=True,
        )

    def vacuum_analyze(self) -> None:
        with self.connect(autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE)")

    def scalar(self, sql: str, params: tuple[object, ...] = ()) -> object:
        with self.connect() as conn:
            row = conn.execute(sql, params).fetchone()
            return row[0] if row else None
