"""Dashboards as code: a project's dashboards as a directory of JSON files, one a dashboard.

Used by `manage.py export_dashboards` and `import_dashboards`. Each file is an export of
one dashboard (`{"dashboard": {...}, "schemaVersion": 1}`), indented, keys sorted, with a
final newline, named `<name-slug>--<uid>.json`: the text is stable from one export to the
next, so a directory under git shows exactly what changed. Decisions: docs/transfer.md.
"""

import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.text import slugify

from dashboards.limits import EXPORT_SCHEMA_VERSION

SLUG_LENGTH = 60
FILE_PATTERN = re.compile(
    r"^.*--(?P<uid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.json$"
)


def file_name(document: dict[str, Any]) -> str:
    slug = slugify(document["name"])[:SLUG_LENGTH].strip("-") or "dashboard"
    return f"{slug}--{document['uid']}.json"


def file_text(document: dict[str, Any]) -> str:
    body = {"dashboard": document, "schemaVersion": EXPORT_SCHEMA_VERSION}
    return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@dataclass
class WriteReport:
    written: list[str]
    unchanged: list[str]
    removed: list[str]


def write_directory(directory: Path, documents: Iterable[dict[str, Any]]) -> WriteReport:
    """Write one file per document (only those whose text changed), then remove the files
    of dashboards no longer exported: files named `*--<uuid>.json` that this run did not
    write. Other files in the directory are left alone."""
    directory.mkdir(parents=True, exist_ok=True)
    report = WriteReport([], [], [])
    kept: set[str] = set()
    for document in documents:
        name = file_name(document)
        kept.add(name)
        path = directory / name
        text = file_text(document)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            report.unchanged.append(name)
            continue
        path.write_text(text, encoding="utf-8")
        report.written.append(name)
    for path in sorted(directory.glob("*--*.json")):
        if FILE_PATTERN.match(path.name) and path.name not in kept:
            path.unlink()
            report.removed.append(path.name)
    return report


class FileError(ValueError):
    """A file that is not an export: names the file."""


@dataclass(frozen=True)
class Source:
    """Where an import document came from: a file, and its index there (project exports
    hold many)."""

    file: str
    index: int | None


def read_directory(directory: Path) -> tuple[int, list[Any], list[Source]]:
    """(schema version, documents, where each came from) of every `*.json` file, in file
    name order. A file holds one export (`dashboard`) or a project export (`dashboards`);
    all must have one schema version."""
    files = sorted(directory.glob("*.json"))
    if not files:
        raise FileError(f"No *.json files in {directory}.")
    versions: set[Any] = set()
    documents: list[Any] = []
    sources: list[Source] = []
    for path in files:
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise FileError(f"{path.name}: not JSON ({error}).") from None
        if not isinstance(body, dict) or ("dashboard" in body) == ("dashboards" in body):
            raise FileError(f"{path.name}: expected an object with 'dashboard' or 'dashboards'.")
        versions.add(body.get("schemaVersion"))
        if "dashboard" in body:
            documents.append(body["dashboard"])
            sources.append(Source(path.name, None))
        elif isinstance(body["dashboards"], list):
            documents.extend(body["dashboards"])
            sources.extend(Source(path.name, i) for i in range(len(body["dashboards"])))
        else:
            raise FileError(f"{path.name}: 'dashboards' must be a list.")
    if len(versions) > 1:
        found = ", ".join(sorted(map(str, versions)))
        raise FileError(f"The files mix schema versions ({found}); export them again.")
    return versions.pop(), documents, sources


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
