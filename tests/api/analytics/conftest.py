"""Helpers for family 1: one place that knows its error shape."""

from typing import Any

from dashboards.api.schema_examples import EXECUTIVE_SUMMARY  # the source's own example

API = "/api"
__all__ = ["API", "EXECUTIVE_SUMMARY", "error"]


def error(response, status: int, code: str) -> dict[str, Any]:
    """Assert the family-1 error shape and return `error`."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    return body["error"]
