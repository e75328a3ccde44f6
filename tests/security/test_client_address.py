"""One client address for every limit: the socket's unless proxies are configured, so
X-Forwarded-For cannot choose it; behind configured proxies, the address they saw."""

import itertools

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from dashboards.api.throttling import AnonAddressRateThrottle
from dashboards_site.client_address import client_address, client_key

pytestmark = pytest.mark.django_db
_hosts = itertools.count(1)


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_by_default_forwarding_headers_are_ignored(settings):
    assert settings.NUM_PROXIES == 0
    assert settings.TRUSTED_PROXIES == []
    request = request_from("203.0.113.9", "1.2.3.4, 5.6.7.8")
    assert client_address(request) == "203.0.113.9"


def test_with_one_proxy_the_address_it_appended_is_the_client(settings):
    settings.NUM_PROXIES = 1
    # A client that sends its own header gets it prepended to, not believed.
    assert client_address(request_from("10.0.0.2", "1.2.3.4, 198.51.100.5")) == "198.51.100.5"
    assert client_address(request_from("10.0.0.2")) == "10.0.0.2"
    settings.NUM_PROXIES = 2
    assert client_address(request_from("10.0.0.2", "1.1.1.1, 198.51.100.5, 10.0.0.9")) == (
        "198.51.100.5"
    )


def test_trusted_proxies_are_walked_from_the_socket_leftwards(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.7"]
    forwarded = "6.6.6.6, 198.51.100.5, 192.0.2.7, 10.1.2.3"
    assert client_address(request_from("10.0.0.2", forwarded)) == "198.51.100.5"
    # Not sent by a trusted proxy: its header says nothing.
    assert client_address(request_from("203.0.113.9", forwarded)) == "203.0.113.9"
    # A garbled hop: the last address a trusted proxy vouched for.
    assert client_address(request_from("10.0.0.2", "nonsense, 10.1.2.3")) == "10.1.2.3"


def test_addresses_are_normalised_and_ipv6_is_limited_per_64(settings):
    settings.NUM_PROXIES = 1
    assert client_address(request_from("10.0.0.2", "198.51.100.5:4431")) == "198.51.100.5"
    assert client_address(request_from("10.0.0.2", "[2001:db8::1]:443")) == "2001:db8::1"
    assert client_address(request_from("::ffff:198.51.100.5")) == "198.51.100.5"
    assert client_key(request_from("2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::/64"
    assert client_key(request_from("2001:db8:1:2:bbbb::9")) == "2001:db8:1:2::/64"
    assert client_key(request_from("198.51.100.5")) == "198.51.100.5"
    assert client_key(request_from("")) == "unknown"


def test_the_settings_refuse_two_ways_of_trusting_proxies(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import dashboards_site.settings as site_settings

    monkeypatch.setenv("NUM_PROXIES", "1")
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8")
    with pytest.raises(ImproperlyConfigured):
        importlib.reload(site_settings)
    monkeypatch.delenv("NUM_PROXIES")
    monkeypatch.setenv("TRUSTED_PROXIES", "not-a-network")
    with pytest.raises(ImproperlyConfigured):
        importlib.reload(site_settings)
    monkeypatch.delenv("TRUSTED_PROXIES")
    importlib.reload(site_settings)


def test_the_anonymous_throttle_cannot_be_dodged_with_x_forwarded_for(monkeypatch):
    monkeypatch.setattr(AnonAddressRateThrottle, "THROTTLE_RATES", {"anon": "2/min"})
    client = APIClient(REMOTE_ADDR=f"198.51.100.{next(_hosts)}")
    statuses = [
        client.post(
            "/api/auth/token/",
            {"username": "x", "password": "y"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 429, 429]
    other = APIClient(REMOTE_ADDR=f"198.51.100.{next(_hosts) + 100}")
    assert other.post("/api/auth/token/", {}, format="json").status_code == 400
