"""The deployment files are valid and keep their promises (health checks, runbooks, variables)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def test_every_alert_links_to_a_runbook_section_that_exists() -> None:
    rules = yaml.safe_load((BASE_DIR / "deploy" / "alerts.yml").read_text())["groups"][0]["rules"]
    names = {rule["alert"] for rule in rules}
    assert names == {
        "SupportDeskHigh5xxRate",
        "SupportDeskNotReady",
        "SupportDeskSlowResponses",
        "SupportDeskDatabasePoolExhausted",
        "SupportDeskMigrationPending",
    }
    operations = (BASE_DIR / "docs" / "operations.md").read_text()
    anchors = {
        re.sub(r"[^a-z0-9 -]", "", heading.strip().lower()).replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", operations, flags=re.MULTILINE)
    }
    for rule in rules:
        page, _, anchor = rule["annotations"]["runbook_url"].partition("#")
        assert page == "docs/operations.md"
        assert anchor in anchors, f"{rule['alert']}: no heading for #{anchor} in docs/operations.md"
        assert rule["expr"].strip() and rule["labels"]["severity"] in {"warning", "critical"}


def test_compose_has_app_postgresql_redis_a_migrate_step_and_health_checks() -> None:
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"app", "db", "redis", "migrate"}
    assert services["db"]["image"].startswith("postgres:16")
    assert services["migrate"]["command"][-2:] == ["migrate", "--noinput"]
    assert services["app"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in ("app", "db", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert "/readyz" in " ".join(services["app"]["healthcheck"]["test"])


def compose_cli() -> list[str] | None:
    """`docker compose` (the plugin) or the standalone `docker-compose`, whichever is installed."""
    if shutil.which("docker"):
        plugin = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
        if plugin.returncode == 0:
            return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


def test_compose_file_parses() -> None:
    cli = compose_cli()
    if cli is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    out = subprocess.run([*cli, "config", "-q"], cwd=BASE_DIR, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_env_example_lists_every_variable_the_settings_read() -> None:
    read = set(
        re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', (BASE_DIR / "supportdesk" / "settings.py").read_text())
    )
    read |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z_]+)"', (BASE_DIR / "gunicorn.conf.py").read_text()))
    example = (BASE_DIR / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z_]+)=", example, flags=re.MULTILINE))
    assert read - listed == set(), f"missing from .env.example: {sorted(read - listed)}"
    # Each variable has a comment right above it.
    lines = example.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^#? ?[A-Z_]+=", line):
            assert i > 0 and lines[i - 1].startswith("#"), f"no comment above {line!r}"
