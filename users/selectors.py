"""Reads of the users app."""

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework.exceptions import AuthenticationFailed


def current_user(user: Any) -> Any:
    """The stored row of the authenticated user: `request.user` may be built from token
    claims (users/authentication.py) and lacks the email; a removed account is a 401."""
    stored = get_user_model().objects.filter(pk=user.pk, is_active=True).first()
    if stored is None:
        raise AuthenticationFailed("This account no longer exists or is inactive.")
    return stored
