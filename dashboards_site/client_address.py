"""The client's address: the one thing every per-address limit keys on (docs/security.md).

By default no forwarding header is trusted: the address is the socket's (`REMOTE_ADDR`),
so a client cannot pick its own by sending `X-Forwarded-For`. Behind reverse proxies, say
which hops to trust, in one of two ways (settings from the environment):

- `NUM_PROXIES=n`: exactly n proxies append to `X-Forwarded-For`; the client is the n-th
  address from the right (what DRF's own `NUM_PROXIES` means).
- `TRUSTED_PROXIES=10.0.0.0/8,192.0.2.7`: walk the chain from the socket leftwards while
  the address is a trusted proxy; the first one that is not is the client.

Limits key on `client_key`: the address itself for IPv4, its /64 for IPv6, since one
IPv6 host usually holds a whole /64 and could otherwise change address at every try.
"""

import ipaddress
from functools import lru_cache
from typing import Any

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
UNKNOWN = "unknown"


def _parse(text: str) -> IPAddress | None:
    text = text.strip()
    candidates = [text]
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        candidates.append(text[1 : text.index("]")])
    elif text.count(":") == 1:  # 192.0.2.1:443
        candidates.append(text.split(":", 1)[0])
    for candidate in candidates:
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            continue
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            return address.ipv4_mapped
        return address
    return None


@lru_cache(maxsize=8)
def _trusted_networks(
    spec: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())


def _is_trusted(address: IPAddress, networks: tuple[Any, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_ip(meta: dict[str, Any]) -> IPAddress | None:
    """The client's address from a request's META, per NUM_PROXIES / TRUSTED_PROXIES."""
    remote = _parse(str(meta.get("REMOTE_ADDR") or ""))
    trusted = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    num_proxies = settings.NUM_PROXIES
    if remote is None or not (trusted or num_proxies):
        return remote
    header = str(meta.get("HTTP_X_FORWARDED_FOR") or "")
    forwarded = [item for item in header.split(",") if item.strip()]
    if trusted:
        if not _is_trusted(remote, trusted):
            return remote  # not from a proxy of ours: whatever it forwards is the client's say
        current = remote
        for item in reversed(forwarded):
            address = _parse(item)
            if address is None:
                return current  # a garbled hop: the last address we could trust
            current = address
            if not _is_trusted(address, trusted):
                return address
        return current
    if not forwarded:
        return remote
    return _parse(forwarded[-min(num_proxies, len(forwarded))]) or remote


def client_address(request: Any) -> str:
    """The client's address as text (`unknown` when the server gave none)."""
    address = client_ip(request.META)
    return str(address) if address is not None else UNKNOWN


def client_key(request: Any) -> str:
    """What limits count per: the IPv4 address, or the IPv6 /64 it belongs to."""
    address = client_ip(request.META)
    if address is None:
        return UNKNOWN
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
