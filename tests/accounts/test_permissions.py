"""The role matrix: documented exactly as coded, and sane."""

from __future__ import annotations

from pathlib import Path

import pytest

from accounts.choices import Role
from accounts.permissions import MATRIX, can, matrix_markdown, require
from supportdesk.errors import PermissionDenied
from tests.factories import UserFactory

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def test_docs_show_the_matrix_as_coded() -> None:
    assert matrix_markdown() in DOC.read_text(), "regenerate the table in docs/permissions.md"


@pytest.mark.django_db
def test_inactive_users_may_do_nothing() -> None:
    user = UserFactory(role=Role.ADMIN, status="inactive")
    assert not any(can(user, "view", resource) for resource in MATRIX)
    with pytest.raises(PermissionDenied):
        require(user, "view", "ticket")


def test_issue_rules() -> None:
    assert MATRIX["ticket"][Role.MANAGER] >= {"delete", "restore"}
    assert "delete" not in MATRIX["ticket"][Role.AGENT]
    assert "create" not in MATRIX["tag"][Role.AGENT]
    assert "view" not in MATRIX["audit_log"][Role.AGENT]
    assert MATRIX["user"][Role.MANAGER] == {"view"}
