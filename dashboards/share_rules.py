"""Share links' one-row rules: the token (made, hashed, shown), locked variables, the
variables a viewer may choose, and the origins that may frame the page (docs/sharing.md).

The model's field validators and the settings check call these; rules that need the
dashboard (its declared variables) are in `dashboards.services.shares`.
"""

import hashlib
import re
import secrets
from typing import Any

from django.core.exceptions import ValidationError

from dashboards.limits import (
    MAX_SHARE_FRAME_ANCESTORS,
    MAX_SHARE_VARIABLES,
    SHARE_ORIGIN_MAX_LENGTH,
    SHARE_TOKEN_BYTES,
    SHARE_TOKEN_SHOWN_CHARS,
    SHARE_VARIABLE_VALUE_MAX_LENGTH,
    VARIABLE_NAME_PATTERN,
)

_NAME = re.compile(VARIABLE_NAME_PATTERN)
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# A CSP source that is an origin: scheme, host (optionally `*.` for its subdomains), port;
# no path, no userinfo, nothing a header could be split or widened with.
_ORIGIN = re.compile(rf"^https?://(?:\*\.)?{_LABEL}(?:\.{_LABEL})*(?::(?P<port>[0-9]{{1,5}}))?$")


def token_new() -> str:
    """A new link token: 256 bits from the OS's CSPRNG, URL-safe."""
    return secrets.token_urlsafe(SHARE_TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What is stored and looked up: SHA-256 of the token, hex. The token is already 256
    random bits, so a slow or salted hash adds nothing (there is nothing to guess)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_last4(token: str) -> str:
    return token[-SHARE_TOKEN_SHOWN_CHARS:]


def variable_name_problem(name: Any) -> str | None:
    if not isinstance(name, str) or not _NAME.match(name):
        return (
            f"{name!r} is not a variable name (a letter, then letters, digits or '_'; "
            "at most 50 characters)."
        )
    return None


def validate_share_variables(value: Any) -> None:
    """Locked values: a JSON object of variable name -> string value."""
    if not isinstance(value, dict):
        raise ValidationError("Must be a JSON object of variable name to value.")
    if len(value) > MAX_SHARE_VARIABLES:
        raise ValidationError(f"At most {MAX_SHARE_VARIABLES} variables.")
    for name, item in value.items():
        problem = variable_name_problem(name)
        if problem:
            raise ValidationError(problem)
        if not isinstance(item, str):
            raise ValidationError(f"{name}: the value must be a string.")
        if len(item) > SHARE_VARIABLE_VALUE_MAX_LENGTH:
            raise ValidationError(f"{name}: at most {SHARE_VARIABLE_VALUE_MAX_LENGTH} characters.")
        if "\x00" in item:
            raise ValidationError(f"{name}: null characters are not allowed.")


def validate_allow_variables(value: Any) -> None:
    """The variables a viewer may set: a list of distinct names."""
    if not isinstance(value, list):
        raise ValidationError("Must be a list of variable names.")
    if len(value) > MAX_SHARE_VARIABLES:
        raise ValidationError(f"At most {MAX_SHARE_VARIABLES} variables.")
    for name in value:
        problem = variable_name_problem(name)
        if problem:
            raise ValidationError(problem)
    if len(set(value)) != len(value):
        raise ValidationError("Each variable may be named once.")


def origin_problem(origin: Any) -> str | None:
    """Why `origin` is not a framing origin we accept, or None."""
    if not isinstance(origin, str) or len(origin) > SHARE_ORIGIN_MAX_LENGTH:
        return (
            "Use an origin such as https://intranet.example.com "
            f"(at most {SHARE_ORIGIN_MAX_LENGTH} characters)."
        )
    match = _ORIGIN.match(origin)
    if match is None or (match.group("port") and not 0 < int(match.group("port")) <= 65535):
        return (
            f"{origin!r} is not an origin: use scheme://host[:port] in lowercase, "
            "e.g. https://intranet.example.com or https://*.example.com, no path."
        )
    return None


def validate_frame_ancestors(value: Any) -> None:
    """The origins that may embed the share page (empty: the site's setting decides)."""
    if not isinstance(value, list):
        raise ValidationError("Must be a list of origins.")
    if len(value) > MAX_SHARE_FRAME_ANCESTORS:
        raise ValidationError(f"At most {MAX_SHARE_FRAME_ANCESTORS} origins.")
    for origin in value:
        problem = origin_problem(origin)
        if problem:
            raise ValidationError(problem)
    if len(set(value)) != len(value):
        raise ValidationError("Each origin may be named once.")
