"""Dashboards as code: `export_dashboards` writes one stable file per dashboard,
`import_dashboards` reads them back through the import service and prints its plan."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dashboards import services
from dashboards.models import Dashboard, DashboardVersion
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

KPI = {"id": "k", "type": "kpi", "title": "MRR", "size": "small", "config": {"metric": "mrr"}}


@pytest.fixture
def boards(alice, project):
    return [
        services.dashboard_create(
            user=alice,
            project=project,
            scope="project",
            name="Executive Summary",
            definition={"theme": "dark"},
            widgets=[KPI],
        ),
        services.dashboard_create(user=alice, project=project, scope="project", name="Sales"),
        services.dashboard_create(user=alice, project=project, name="Alice's own"),
    ]


def export(project, out, **options) -> str:
    stdout = io.StringIO()
    call_command(
        "export_dashboards", project=str(project.pk), out=str(out), stdout=stdout, **options
    )
    return stdout.getvalue()


def run_import(project, directory, **options) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(
        "import_dashboards",
        str(directory),
        project=str(project.pk),
        stdout=stdout,
        stderr=stderr,
        **options,
    )
    return stdout.getvalue(), stderr.getvalue()


def files(directory) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(directory.glob("*.json"))}


def test_export_writes_one_stable_file_per_dashboard(tmp_path, project, boards):
    out = export(project, tmp_path)
    written = files(tmp_path)
    assert sorted(written) == sorted(
        [
            f"executive-summary--{boards[0].pk}.json",
            f"sales--{boards[1].pk}.json",
            f"alices-own--{boards[2].pk}.json",
        ]
    )
    text = written[f"executive-summary--{boards[0].pk}.json"]
    assert text.endswith("}\n")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert json.loads(text)["dashboard"]["widgets"] == [KPI]
    assert "3 written, 0 unchanged, 0 removed" in out
    again = export(project, tmp_path)
    assert "0 written, 3 unchanged, 0 removed" in again
    assert files(tmp_path) == written


def test_export_follows_renames_and_deletes_and_leaves_other_files(
    tmp_path, alice, project, boards
):
    (tmp_path / "README.md").write_text("notes")
    (tmp_path / "hand-written.json").write_text("{}")
    export(project, tmp_path)
    services.dashboard_update(dashboard=boards[1], user=alice, name="Sales EMEA")
    services.dashboard_delete(dashboard=boards[2], user=alice)
    out = export(project, tmp_path)
    names = set(files(tmp_path))
    assert f"sales-emea--{boards[1].pk}.json" in names
    assert f"sales--{boards[1].pk}.json" not in names
    assert f"alices-own--{boards[2].pk}.json" not in names
    assert {"hand-written.json"} <= names
    assert (tmp_path / "README.md").exists()
    assert "1 written, 1 unchanged, 2 removed" in out


def test_export_acts_as_a_user_with_their_permissions(tmp_path, project, boards):
    export(project, tmp_path, user="bob")
    assert len(files(tmp_path)) == 2  # bob (viewer) sees the shared ones only


def test_export_import_round_trip_is_identical_in_git(tmp_path, alice, project, boards):
    first, second = tmp_path / "first", tmp_path / "second"
    export(project, first)
    Dashboard.objects.filter(project=project).delete()
    run_import(project, first)
    export(project, second)
    assert files(second) == files(first)


def test_import_into_an_empty_project_then_export_matches_but_for_the_uids(
    tmp_path, alice, project, boards
):
    first, second = tmp_path / "first", tmp_path / "second"
    export(project, first)
    empty = ProjectFactory(owner=alice, name="Empty")
    run_import(empty, first)
    export(empty, second)

    def documents(directory):
        found = [json.loads(text)["dashboard"] for text in files(directory).values()]
        return sorted(({**d, "uid": None} for d in found), key=lambda d: d["name"])

    assert documents(second) == documents(first)


def test_a_dry_run_prints_the_plan_and_writes_nothing(tmp_path, alice, project, boards):
    export(project, tmp_path)
    document = json.loads((tmp_path / f"sales--{boards[1].pk}.json").read_text())
    document["dashboard"]["description"] = "changed in git"
    (tmp_path / f"sales--{boards[1].pk}.json").write_text(json.dumps(document))
    before = DashboardVersion.objects.count()
    out, _ = run_import(project, tmp_path, dry_run=True, on_conflict="overwrite")
    assert "dry run: nothing written" in out
    assert f"updated    Sales  {boards[1].pk}  sales--{boards[1].pk}.json" in out
    assert "3 dashboards: 0 created, 1 updated, 2 unchanged, 0 renamed." in out
    assert DashboardVersion.objects.count() == before
    out, _ = run_import(project, tmp_path, on_conflict="overwrite", message="from git")
    assert out.startswith("Imported into project")
    boards[1].refresh_from_db()
    assert boards[1].description == "changed in git"
    assert DashboardVersion.objects.filter(dashboard=boards[1]).first().message == "from git"


def test_import_errors_name_the_file(tmp_path, project):
    good = {"schemaVersion": 1, "dashboard": {"name": "Good"}}
    bad = {"schemaVersion": 1, "dashboard": {"name": "Bad", "widgets": [{"type": "sparkline"}]}}
    (tmp_path / "a-good.json").write_text(json.dumps(good))
    (tmp_path / "b-bad.json").write_text(json.dumps(bad))
    with pytest.raises(CommandError, match=r"dashboards\[1\] \(b-bad\.json\)\.widgets\[0\]\.type"):
        run_import(project, tmp_path)
    assert not Dashboard.objects.filter(project=project).exists()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("not json", "not JSON"),
        ('{"schemaVersion": 1}', "'dashboard' or 'dashboards'"),
        ('{"schemaVersion": 1, "dashboards": {}}', "must be a list"),
    ],
)
def test_files_that_are_not_exports_are_refused(tmp_path, project, content, problem):
    (tmp_path / "x.json").write_text(content)
    with pytest.raises(CommandError, match=problem):
        run_import(project, tmp_path)


def test_files_of_two_schema_versions_are_refused(tmp_path, project):
    (tmp_path / "a.json").write_text('{"schemaVersion": 1, "dashboard": {"name": "A"}}')
    (tmp_path / "b.json").write_text('{"schemaVersion": 2, "dashboard": {"name": "B"}}')
    with pytest.raises(CommandError, match="mix schema versions"):
        run_import(project, tmp_path)


def test_a_project_export_file_imports_too(tmp_path, project):
    body = {"schemaVersion": 1, "dashboards": [{"name": "One"}, {"name": "Two"}]}
    (tmp_path / "project.json").write_text(json.dumps(body))
    out, _ = run_import(project, tmp_path)
    assert "project.json[1]" in out
    assert Dashboard.objects.filter(project=project).count() == 2


def test_long_runs_show_a_progress_bar(tmp_path, project):
    body = {"schemaVersion": 1, "dashboards": [{"name": f"D{i}"} for i in range(120)]}
    (tmp_path / "many.json").write_text(json.dumps(body))
    _, stderr = run_import(project, tmp_path, dry_run=True)
    assert "Importing" in stderr
    assert "120/120" in stderr
    _, quiet = run_import(project, tmp_path, dry_run=True, progress=False)
    assert "120/120" in quiet  # over the threshold, --progress is not needed


def test_short_runs_are_quiet_unless_asked(tmp_path, project, boards):
    (tmp_path / "one.json").write_text('{"schemaVersion": 1, "dashboard": {"name": "One"}}')
    _, stderr = run_import(project, tmp_path, dry_run=True)
    assert stderr == ""
    _, stderr = run_import(project, tmp_path, dry_run=True, progress=True)
    assert "1/1" in stderr


@pytest.mark.parametrize(
    ("options", "problem"),
    [({"project": "Nope"}, "No project"), ({"user": "ghost"}, "No active user")],
)
def test_unknown_project_or_user(tmp_path, project, options, problem):
    with pytest.raises(CommandError, match=problem):
        call_command(
            "export_dashboards", **{"project": str(project.pk), "out": str(tmp_path), **options}
        )


def test_a_project_may_be_named(tmp_path, project, boards):
    call_command("export_dashboards", project="analytics", out=str(tmp_path), stdout=io.StringIO())
    assert len(files(tmp_path)) == 3
