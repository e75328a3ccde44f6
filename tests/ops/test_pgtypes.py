"""Timestamps read through ops/pgtypes.py are the values written, in UTC, to the µs."""

import datetime as dt

import pytest
from django.db import DataError, connection

from ops.pgtypes import UtcTimestamptzLoader

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's loader")


def select(sql: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


def test_the_fast_loader_is_the_one_in_use(postgres):
    select("SELECT 1")
    loader = connection.connection.adapters.get_loader(1184, 0)  # timestamptz, text
    assert loader is UtcTimestamptzLoader


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2026, 12, 2, 19, 46, 10, 478878, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        dt.datetime(31, 7, 15, 12, 39, 11, 680000, tzinfo=dt.UTC),
        dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
    ],
)
def test_values_round_trip_in_utc(postgres, value):
    loaded = select("SELECT %s::timestamptz", [value])
    assert loaded == value
    assert loaded.tzinfo is dt.UTC


def test_another_session_zone_still_reads_correctly(postgres):
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Asia/Kolkata'")
        try:
            cursor.execute("SELECT '2026-12-02 10:00:00+00'::timestamptz")
            loaded = cursor.fetchone()[0]
        finally:
            cursor.execute("SET TIME ZONE 'UTC'")
    assert loaded == dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC)
    assert loaded.utcoffset() == dt.timedelta(0)


def test_infinity_falls_back_to_djangos_loader(postgres):
    with pytest.raises(DataError, match="infinity"):
        select("SELECT 'infinity'::timestamptz")
