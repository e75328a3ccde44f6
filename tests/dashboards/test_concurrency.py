"""Concurrent writers on PostgreSQL: the database decides, and the loser gets the domain error.

Real threads, each with its own database connection, released together by a barrier. The
services have no "check, then insert" step for names, so whichever order the two inserts
reach the database in, the unique index is what refuses the second one.

SQLite is skipped: it runs one write transaction at a time (`transaction_mode` IMMEDIATE),
so two writers never overlap there and there is no race to test.
"""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from dashboards import services
from dashboards.exceptions import Conflict, DuplicateDashboard, PreconditionFailed
from dashboards.models import Dashboard, Project, UserDashboard
from tests.factories import DashboardFactory, UserDashboardFactory

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises write transactions; concurrent writers need PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]

ROUNDS = 5


def run_together(*calls: Callable[[], Any]) -> list[Any]:
    """Run each call in its own thread, all released at once; return result or exception."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def worker(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a writer is stuck"
    return outcomes


def winners_and_losers(outcomes: list[Any]) -> tuple[list[Any], list[Exception]]:
    losers = [o for o in outcomes if isinstance(o, Exception)]
    return [o for o in outcomes if not isinstance(o, Exception)], losers


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_owners_sharing_the_same_name_at_once_one_wins(alice, dave, project, round_):
    name = f"Race {round_}"
    outcomes = run_together(
        lambda: services.dashboard_create(user=alice, project=project, name=name, scope="project"),
        lambda: services.dashboard_create(
            user=dave, project=project, name=name.upper(), scope="project"
        ),
    )
    winners, losers = winners_and_losers(outcomes)
    assert len(winners) == 1, outcomes
    assert len(losers) == 1
    assert type(losers[0]) is DuplicateDashboard, repr(losers[0])
    assert Dashboard.objects.filter(project=project, name__iexact=name).count() == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_one_user_creating_the_same_private_name_twice_at_once_one_wins(alice, round_):
    # Without a project, so both writers also race to create alice's personal project.
    outcomes = run_together(
        lambda: services.dashboard_create(user=alice, name="Mine"),
        lambda: services.dashboard_create(user=alice, name="mine"),
    )
    winners, losers = winners_and_losers(outcomes)
    assert len(winners) == 1, outcomes
    assert type(losers[0]) is DuplicateDashboard, repr(losers[0])
    assert Dashboard.objects.filter(owner=alice).count() == 1
    assert Project.objects.filter(owner=alice, is_personal=True).count() == 1
    # Clean up for the next round (the transactional test flushes only at the end).
    Dashboard.objects.filter(owner=alice).delete()


def test_personal_project_is_created_once_under_concurrency(alice):
    outcomes = run_together(*[lambda: services.project_get_personal(user=alice)] * 4)
    winners, losers = winners_and_losers(outcomes)
    assert losers == []
    assert len({project.pk for project in winners}) == 1
    assert Project.objects.filter(owner=alice, is_personal=True).count() == 1


@pytest.fixture
def two_assigned(alice, bob, project):
    boards = [
        DashboardFactory(owner=alice, project=project, scope="project", name=f"Board {i}")
        for i in range(2)
    ]
    for board in boards:
        UserDashboardFactory(user=bob, dashboard=board)
    return boards


def _assert_one_default(bob, outcomes: list[Any], boards: list[Dashboard]) -> None:
    _, losers = winners_and_losers(outcomes)
    # Domain errors only (a lost race may be told to retry); never an IntegrityError.
    assert all(isinstance(error, Conflict) for error in losers), losers
    assert len(losers) < len(outcomes)
    defaults = UserDashboard.objects.filter(user=bob, is_default=True)
    assert defaults.count() == 1
    assert defaults.get().dashboard_id in {board.pk for board in boards}


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_defaults_set_at_once_leave_exactly_one(bob, two_assigned, round_):
    first, second = two_assigned
    outcomes = run_together(
        lambda: services.dashboard_set_default(actor=bob, user_id=bob.pk, dashboard=first),
        lambda: services.dashboard_set_default(actor=bob, user_id=bob.pk, dashboard=second),
    )
    _assert_one_default(bob, outcomes, two_assigned)
    UserDashboard.objects.filter(user=bob).update(is_default=False)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_default_assignments_at_once_leave_exactly_one(staff, bob, two_assigned, round_):
    # Staff: a default for someone else is staff's (or the user's own) choice.
    first, second = two_assigned
    UserDashboard.objects.filter(user=bob).delete()
    outcomes = run_together(
        lambda: services.dashboard_assign(
            actor=staff, user_id=bob.pk, dashboard=first, is_default=True
        ),
        lambda: services.dashboard_assign(
            actor=staff, user_id=bob.pk, dashboard=second, is_default=True
        ),
    )
    _assert_one_default(bob, outcomes, two_assigned)
    positions = sorted(UserDashboard.objects.filter(user=bob).values_list("position", flat=True))
    assert positions == [0, 1]  # appended one after the other, not both at 0


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_edits_of_the_same_version_one_wins_no_lost_update(alice, dave, project, round_):
    board = DashboardFactory(owner=alice, project=project, scope="project", name=f"Ed {round_}")
    outcomes = run_together(
        lambda: services.dashboard_update(
            dashboard=board, user=alice, expected_version=1, description="alice"
        ),
        lambda: services.dashboard_update(
            dashboard=board, user=dave, expected_version=1, description="dave"
        ),
    )
    winners, losers = winners_and_losers(outcomes)
    assert len(winners) == 1, outcomes
    assert type(losers[0]) is PreconditionFailed, repr(losers[0])
    board.refresh_from_db()
    assert board.version == 2
    assert board.description == winners[0].description


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_unconditional_edits_at_once_each_get_their_own_version(alice, project, round_):
    # Each writer must learn the version *its* write produced (the ETag it answers with),
    # not a later one read after another writer committed.
    writers = 6
    board = DashboardFactory(
        owner=alice, project=project, scope="project", name=f"Counted {round_}"
    )
    outcomes = run_together(
        *[
            lambda n=n: services.dashboard_update(dashboard=board, user=alice, description=f"{n}")
            for n in range(writers)
        ]
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(o.version for o in outcomes) == list(range(2, writers + 2))
    board.refresh_from_db()
    assert board.version == writers + 1
