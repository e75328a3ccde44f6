"""Helpers for family 2: every answer is an envelope, so tests check it in one place."""

from typing import Any

import pytest

from tests.factories import ProjectFactory

V1 = "/api/v1"


def ok(response, message: str | None = None, status: int = 200) -> Any:
    """Assert a success envelope and return its `data`."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"data", "message", "status"}
    assert body["status"] == "success"
    if message is not None:
        assert body["message"] == message
    return body["data"]


def error(response, status: int, code: str, envelope_status: str = "error") -> str:
    """Assert an error envelope and return its message."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body == {
        "data": None,
        "message": body["message"],
        "status": envelope_status,
        "code": code,
    }
    assert isinstance(body["message"], str)
    assert body["message"]
    return body["message"]


def save_body(name: str, definition: Any = None, **dashboard: Any) -> dict:
    payload = {"name": name, "definition": {} if definition is None else definition}
    payload.update(dashboard)
    scope = payload.pop("scope", "user")
    return {"scope": scope, "dashboard": payload}


@pytest.fixture
def other_project(charlie):
    """A project of the outsider's, which alice's cast cannot see."""
    return ProjectFactory(owner=charlie, name="Charlie's")
