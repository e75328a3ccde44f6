"""Copies of cache entries in the process, kept exact by Redis (dashboards_site/nearcache.py),
against the machine's real Redis."""

import os
import time
import uuid

import pytest
import redis

from dashboards_site import nearcache
from tests.ops.conftest import closed_port

URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def other():
    """Another process's connection: its writes reach the near cache only through Redis."""
    client = redis.Redis.from_url(URL)
    yield client
    client.close()


@pytest.fixture
def near():
    near = nearcache.NearCache(URL, f"test:{uuid.uuid4().hex}:")
    yield near
    if near.connected:
        near._client.close()


class Reads:
    """A read function that says how often it ran."""

    def __init__(self, client, key):
        self.client, self.key, self.count = client, key, 0

    def __call__(self):
        self.count += 1
        return self.client.get(self.key)


def test_a_copy_is_served_without_reading_again(near, other):
    other.set(f"{near.prefix}1", b"a")
    reads = Reads(other, f"{near.prefix}1")
    assert near.get("1", reads) == b"a"
    assert [near.get("1", reads) for _ in range(5)] == [b"a"] * 5
    assert reads.count == 1
    assert near.connected


@pytest.mark.parametrize(
    "change",
    [
        lambda client, key: client.set(key, b"b"),
        lambda client, key: client.delete(key),
        # Redis deletes an expired key when it next meets it (here, `exists`) or in its
        # expiry cycle: either way the deletion is what it reports.
        lambda client, key: (client.pexpire(key, 1), time.sleep(0.005), client.exists(key)),
    ],
    ids=["written", "deleted", "expired"],
)
def test_a_change_made_elsewhere_is_seen_by_the_next_read(near, other, change):
    key = f"{near.prefix}1"
    other.set(key, b"a")
    reads = Reads(other, key)
    assert near.get("1", reads) == b"a"
    change(other, key)
    assert near.get("1", reads) == other.get(key)
    assert reads.count == 2


def test_a_flush_drops_every_copy():
    # A database of its own: other tests keep keys in theirs while this one flushes.
    url = "redis://127.0.0.1:6379/13"
    near = nearcache.NearCache(url, f"test:{uuid.uuid4().hex}:")
    client = redis.Redis.from_url(url)
    try:
        client.set(f"{near.prefix}1", b"a")
        reads = Reads(client, f"{near.prefix}1")
        assert near.get("1", reads) == b"a"
        client.flushdb()
        assert near.get("1", reads) is None
        assert reads.count == 2
    finally:
        client.close()
        near._client.close()


def test_a_write_is_seen_by_a_read_right_after_it(near, other):
    key = f"{near.prefix}1"
    for value in range(300):
        other.set(key, value)
        assert near.get("1", Reads(other, key)) == str(value).encode()


def test_keys_outside_the_prefix_are_not_followed(near, other):
    other.set(f"{near.prefix}1", b"a")
    reads = Reads(other, f"{near.prefix}1")
    near.get("1", reads)
    other.set(f"elsewhere:{near.prefix}1", b"x")
    near.get("1", reads)
    assert reads.count == 1


def test_a_value_that_changed_while_it_was_read_is_not_kept(near, other):
    key = f"{near.prefix}1"
    other.set(key, b"old")

    def slow_read():
        value = other.get(key)
        other.set(key, b"new")  # another process writes between our read and our keeping it
        return value

    assert near.get("1", slow_read) == b"old"
    reads = Reads(other, key)
    assert near.get("1", reads) == b"new"
    assert reads.count == 1


def test_forget_drops_a_copy_at_once(near, other):
    reads = Reads(other, f"{near.prefix}1")
    near.get("1", reads)
    near.forget("1")
    near.get("1", reads)
    near.forget()
    near.get("1", reads)
    assert reads.count == 3


def test_a_copy_lives_at_most_its_lifetime(other):
    near = nearcache.NearCache(URL, f"test:{uuid.uuid4().hex}:", lifetime=0.05)
    reads = Reads(other, f"{near.prefix}1")
    near.get("1", reads)
    near.get("1", reads)
    time.sleep(0.06)
    near.get("1", reads)
    assert reads.count == 2


def test_a_lost_connection_drops_every_copy_and_reads_until_it_is_back(near, other, monkeypatch):
    failures = []
    near._failed = lambda operation, error: failures.append(operation)
    other.set(f"{near.prefix}1", b"a")
    reads = Reads(other, f"{near.prefix}1")
    near.get("1", reads)
    other.client_kill_filter(_id=near._client.client_id())
    time.sleep(0.01)
    assert near.get("1", reads) == b"a"
    assert not near.connected
    assert failures == ["near cache"]
    near.get("1", reads)  # not retried yet: every read goes to the cache
    assert reads.count == 3
    monkeypatch.setattr(near, "_retry_at", 0.0)
    near.get("1", reads)
    near.get("1", reads)
    assert near.connected
    assert reads.count == 4


def test_an_unreachable_redis_costs_reads_not_errors():
    failures = []
    near = nearcache.NearCache(
        f"redis://127.0.0.1:{closed_port()}/0",
        "test:",
        failed=lambda operation, error: failures.append(type(error).__name__),
    )
    assert [near.get("1", lambda: "from the cache") for _ in range(3)] == ["from the cache"] * 3
    assert failures == ["ConnectionError"]  # tried once, then not until RETRY_SECONDS


def test_an_open_breaker_means_no_connection_is_tried(other):
    near = nearcache.NearCache(URL, "test:", available=lambda: False)
    assert near.get("1", lambda: "read") == "read"
    assert not near.connected


def test_a_forked_child_holds_none_of_its_parents_copies(near, other):
    key = f"{near.prefix}1"
    other.set(key, b"a")
    near.get("1", Reads(other, key))
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answers how many reads it needed and whether it connected
        try:
            reads = Reads(redis.Redis.from_url(URL), key)
            parent_socket = near._client
            near.get("1", reads)
            near.get("1", reads)
            own = near.connected and near._client is not parent_socket
            os.write(writer, f"{reads.count} {own}".encode())
        finally:
            os._exit(0)
    os.close(writer)
    answer = os.read(reader, 100).decode()
    os.waitpid(pid, 0)
    assert answer == "1 True"
    # The parent's copy and connection are untouched by the child's.
    reads = Reads(other, key)
    assert near.get("1", reads) == b"a"
    assert reads.count == 0


def test_the_projects_redis_cache_gives_one_near_cache_per_process(settings):
    from django.core.cache import caches

    settings.CACHES = {
        "default": {"BACKEND": "dashboards_site.cache.ReusingRedisCache", "LOCATION": URL}
    }
    near = nearcache.for_prefix("auth:revocation:")
    assert near is nearcache.for_prefix("auth:revocation:")
    assert near.prefix == caches["default"].make_key("auth:revocation:")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert nearcache.for_prefix("auth:revocation:") is None


def test_a_redis_that_refuses_tracking_leaves_reads_to_the_cache(monkeypatch, caplog):
    """A Redis before 6, or a proxy that forbids CLIENT: one log line, and the cache as before
    (the breaker stays closed: Redis itself answers)."""
    failures = []
    near = nearcache.NearCache(
        URL, "test:", failed=lambda operation, error: failures.append(operation)
    )
    real = redis.Redis.execute_command

    def refuse(client, *args, **kwargs):
        if args[:2] == ("CLIENT", "TRACKING"):
            raise redis.ResponseError("ERR unknown subcommand 'TRACKING'")
        return real(client, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "execute_command", refuse)
    with caplog.at_level("WARNING", logger="dashboards.cache"):
        assert [near.get("1", lambda: "read") for _ in range(3)] == ["read"] * 3
    assert failures == []
    assert not near.connected
    assert len(caplog.records) == 1
    assert "tracking refused" in caplog.records[0].getMessage()
