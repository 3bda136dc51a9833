"""CSV import and export of a project's cases, in the columns TestRail and Qase export
(``Title``, ``Section Hierarchy``, ``Steps (Step)`` / ``Steps (Expected Result)``,
``Priority``, ``Type``, ``References``, ``Automation Type``…) plus any custom field by its
name. Every problem names the line and the column; the router stores nothing unless
every row is valid (and nothing at all for a dry run)."""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.models import User
from backend.cases import fields as custom_fields
from backend.cases import service
from backend.cases.models import CustomField, Section, Suite, TestCase
from backend.cases.schemas import CaseCreate, CaseImportProblem, CaseImportRow
from backend.kit.errors import TestableError
from backend.orgs.models import Membership
from backend.projects.models import Project

MAX_ROWS = 5000

# Our field -> the headers (lower case) that mean it, ours first (what export writes).
COLUMNS: dict[str, tuple[str, ...]] = {
    "key": ("id", "key", "case id", "case key"),
    "title": ("title", "name", "summary"),
    "suite": ("suite",),
    "section": ("section", "section hierarchy", "suite hierarchy", "folder"),
    "preconditions": ("preconditions", "pre-conditions", "precondition"),
    "steps": ("steps", "steps (step)", "steps actions", "steps (text)", "step"),
    "expected": (
        "expected result",
        "steps (expected result)",
        "steps result",
        "expected results",
        "expected",
    ),
    "priority": ("priority",),
    "type": ("type", "case type"),
    "status": ("status", "case status"),
    "owner": ("owner", "assigned to", "author"),
    "tags": ("tags", "labels"),
    "feature": ("feature", "component"),
    "references": ("references", "refs", "reference"),
    "automation": ("automation", "automation type", "automation status", "automated"),
}
EXPORT_HEADERS = {
    "key": "ID",
    "title": "Title",
    "suite": "Suite",
    "section": "Section",
    "preconditions": "Preconditions",
    "steps": "Steps",
    "expected": "Expected Result",
    "priority": "Priority",
    "type": "Type",
    "status": "Status",
    "owner": "Owner",
    "tags": "Tags",
    "feature": "Feature",
    "references": "References",
    "automation": "Automation",
}
PRIORITY_WORDS = {
    "low": "low",
    "minor": "low",
    "trivial": "low",
    "medium": "medium",
    "normal": "medium",
    "high": "high",
    "major": "high",
    "critical": "critical",
    "blocker": "critical",
    "urgent": "critical",
    "highest": "critical",
}
STATUS_WORDS = {"draft": "draft", "ready": "ready", "actual": "ready", "active": "ready"}
STATUS_WORDS |= {"deprecated": "deprecated", "obsolete": "deprecated"}
AUTOMATION_WORDS = {
    "manual": "manual",
    "none": "manual",
    "no": "manual",
    "not automated": "manual",
    "automated": "automated",
    "yes": "automated",
    "to automate": "to_automate",
    "to_automate": "to_automate",
    "to be automated": "to_automate",
}
# Error ``field`` names -> our column (custom.X is the custom field X).
_FIELD_COLUMN = {"owner_id": "owner", "suite_id": "suite", "section_id": "section"}
_NUMBERED = re.compile(r"^\s*\d+[.)]\s*")


@dataclass
class Parsed:
    rows: list[CaseImportRow] = field(default_factory=list)
    problems: list[CaseImportProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


class _RowError(Exception):
    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _lines(text: str) -> list[str]:
    return [_NUMBERED.sub("", line).strip() for line in text.splitlines() if line.strip()]


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;]", text) if part.strip()]


def _steps(actions: str, expected: str) -> list[dict[str, str]]:
    acts, exps = _lines(actions), _lines(expected)
    if not acts and exps:
        raise _RowError("expected", "expected results without steps")
    return [
        {"action": act, "expected": exps[i] if i < len(exps) else ""} for i, act in enumerate(acts)
    ]


def _references(text: str) -> list[dict[str, Any]]:
    found = []
    for part in _split(text):
        if "|" in part:
            ref_id, url = (p.strip() for p in part.split("|", 1))
            found.append({"id": ref_id, "url": url or None})
        elif part.startswith(("http://", "https://")):
            found.append({"id": part.rstrip("/").rsplit("/", 1)[-1], "url": part})
        else:
            found.append({"id": part, "url": None})
    return found


def _word(words: dict[str, str], value: str, column: str) -> str:
    key = value.strip().casefold()
    if key not in words:
        choices = ", ".join(sorted(set(words.values())))
        raise _RowError(column, f"{value!r} is not one of: {choices}")
    return words[key]


def _custom_value(field: CustomField, text: str, emails: dict[str, uuid.UUID]) -> Any:
    if field.kind == "number":
        try:
            number = float(text)
        except ValueError:
            raise _RowError(f"custom.{field.name}", f"{text!r} is not a number") from None
        return int(number) if number.is_integer() and "." not in text else number
    if field.kind == "multi_select":
        return _split(text)
    if field.kind == "user":
        user_id = emails.get(text.strip().lower())
        if user_id is None:
            raise _RowError(f"custom.{field.name}", f"{text!r} is not a member's e-mail")
        return str(user_id)
    return text


async def _emails(session: AsyncSession, project: Project) -> dict[str, uuid.UUID]:
    rows = await session.execute(
        select(User.email, User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.org_id == project.org_id)
    )
    return {email.lower(): user_id for email, user_id in rows}


async def _placement(
    session: AsyncSession, project: Project, suite_name: str, path: str, cache: dict[Any, Any]
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The suite (by name) and section (``A > B`` path, created as needed)."""
    if not suite_name and not path:
        return None, None
    suite_name = suite_name or "Imported"
    suite = cache.get(("suite", suite_name))
    if suite is None:
        suite = await session.scalar(
            select(Suite).where(Suite.project_id == project.id, Suite.name == suite_name)
        )
        if suite is None:
            suite = Suite(id=uuid.uuid4(), project_id=project.id, name=suite_name, description="")
            session.add(suite)
            await session.flush()
        cache[("suite", suite_name)] = suite
    parent: uuid.UUID | None = None
    for name in [p.strip() for p in re.split(r">|/", path) if p.strip()]:
        section = cache.get(("section", suite.id, parent, name))
        if section is None:
            section = await session.scalar(
                select(Section).where(
                    Section.suite_id == suite.id,
                    Section.name == name,
                    Section.parent_id.is_(None) if parent is None else Section.parent_id == parent,
                )
            )
            if section is None:
                section = Section(id=uuid.uuid4(), suite_id=suite.id, parent_id=parent, name=name)
                session.add(section)
                await session.flush()
            cache[("section", suite.id, parent, name)] = section
        parent = section.id
    return suite.id, parent


def _column_of(error_field: str) -> str:
    if error_field.startswith("custom."):
        return error_field
    head = error_field.split(".", 1)[0]
    return _FIELD_COLUMN.get(head, head)


async def import_csv(
    session: AsyncSession, project: Project, text: str, *, user_id: uuid.UUID
) -> Parsed:
    """Create or update (rows whose ID is an existing key) the cases; the caller rolls
    the session back when there are problems or it is a dry run."""
    parsed = Parsed()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        parsed.problems.append(CaseImportProblem(line=1, column=None, message="no header line"))
        return parsed
    fields_ = await custom_fields.list_fields(session, project.id)
    by_field_name = {f.name.casefold(): f for f in fields_}
    columns: dict[str, int] = {}
    custom_columns: dict[int, CustomField] = {}
    headers: dict[str, str] = {}  # our field or custom.X -> the header as written
    for index, raw in enumerate(header):
        name = raw.strip().casefold()
        ours = next((f for f, names in COLUMNS.items() if name in names), None)
        if ours is not None and ours not in columns:
            columns[ours] = index
            headers[ours] = raw.strip()
        elif name in by_field_name:
            custom_columns[index] = by_field_name[name]
            headers[f"custom.{by_field_name[name].name}"] = raw.strip()
        elif raw.strip():
            parsed.ignored_columns.append(raw.strip())
    if "title" not in columns:
        parsed.problems.append(
            CaseImportProblem(line=1, column=None, message="no Title column in the header")
        )
        return parsed
    emails = await _emails(session, project)
    cache: dict[Any, Any] = {}
    seen_keys: dict[int, int] = {}
    start = reader.line_num + 1
    try:
        records = list(reader)
    except csv.Error as exc:
        parsed.problems.append(
            CaseImportProblem(line=reader.line_num, column=None, message=str(exc))
        )
        return parsed
    # Line numbers of each record (a quoted cell may span lines): re-read to count them.
    starts = _record_lines(text.lstrip("\ufeff"))
    if len(records) > MAX_ROWS:
        parsed.problems.append(
            CaseImportProblem(line=1, column=None, message=f"more than {MAX_ROWS} rows")
        )
        return parsed
    for position, record in enumerate(records):
        line = starts[position] if position < len(starts) else start + position
        if not any(cell.strip() for cell in record):
            continue

        def cell(name: str, record: list[str] = record) -> str:
            index = columns.get(name)
            return record[index].strip() if index is not None and index < len(record) else ""

        try:
            await _import_row(
                session,
                project,
                parsed,
                line,
                cell,
                {i: record[i] for i in custom_columns if i < len(record)},
                custom_columns,
                emails,
                cache,
                seen_keys,
                user_id,
            )
        except _RowError as exc:
            column = headers.get(exc.column or "", exc.column) if exc.column else None
            parsed.problems.append(CaseImportProblem(line=line, column=column, message=exc.message))
        except TestableError as exc:
            details = exc.details if isinstance(exc.details, list) else []
            first = details[0].get("field") if details and isinstance(details[0], dict) else None
            column = headers.get(_column_of(first), _column_of(first)) if first else None
            parsed.problems.append(CaseImportProblem(line=line, column=column, message=exc.message))
    return parsed


def _record_lines(text: str) -> list[int]:
    """The line each data record starts on (the header is line 1)."""
    reader = csv.reader(io.StringIO(text))
    starts: list[int] = []
    previous = 0
    try:
        for index, _ in enumerate(reader):
            if index > 0:
                starts.append(previous + 1)
            previous = reader.line_num
    except csv.Error:
        pass
    return starts


async def _import_row(
    session: AsyncSession,
    project: Project,
    parsed: Parsed,
    line: int,
    cell: Any,
    custom_cells: dict[int, str],
    custom_columns: dict[int, CustomField],
    emails: dict[str, uuid.UUID],
    cache: dict[Any, Any],
    seen_keys: dict[int, int],
    user_id: uuid.UUID,
) -> None:
    existing: TestCase | None = None
    key = cell("key")
    if key and service.number_of(key) is not None:
        existing = await service.case_by_key(session, project.id, key)
        if existing is None:
            raise _RowError("key", f"no case {key.upper()} in this project")
        if existing.number in seen_keys:
            raise _RowError("key", f"{key.upper()} is also on line {seen_keys[existing.number]}")
        seen_keys[existing.number] = line
    values: dict[str, Any] = {"title": cell("title")}
    if cell("preconditions"):
        values["preconditions"] = cell("preconditions")
    if cell("steps") or cell("expected"):
        values["steps"] = _steps(cell("steps"), cell("expected"))
    if cell("priority"):
        values["priority"] = _word(PRIORITY_WORDS, cell("priority"), "priority")
    if cell("type"):
        values["type"] = cell("type").strip().casefold().replace(" ", "_")
    if cell("status"):
        values["status"] = _word(STATUS_WORDS, cell("status"), "status")
    if cell("automation"):
        values["automation"] = _word(AUTOMATION_WORDS, cell("automation"), "automation")
    if cell("owner"):
        owner = emails.get(cell("owner").lower())
        if owner is None:
            raise _RowError("owner", f"{cell('owner')!r} is not a member's e-mail")
        values["owner_id"] = owner
    if cell("tags"):
        values["tags"] = _split(cell("tags"))
    if cell("feature"):
        values["feature"] = cell("feature")
    if cell("references"):
        values["references"] = _references(cell("references"))
    custom: dict[str, Any] = {}
    for index, text in custom_cells.items():
        if text.strip():
            column = custom_columns[index]
            custom[column.name] = _custom_value(column, text.strip(), emails)
    if custom:
        values["custom"] = custom
    if not values["title"] and existing is not None:
        values["title"] = existing.title
    try:
        checked = CaseCreate.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error.get("loc", ()))
        raise _RowError(_column_of(where) if where else None, str(error["msg"])) from None
    data = checked.model_dump(exclude_unset=True, mode="python")
    if cell("suite") or cell("section"):
        data["suite_id"], data["section_id"] = await _placement(
            session, project, cell("suite"), cell("section"), cache
        )
    if existing is None:
        case = await service.create_case(session, project, data, user_id=user_id)
        parsed.rows.append(
            CaseImportRow(line=line, key=service.key_of(case), title=case.title, action="create")
        )
    else:
        await service.update_case(session, project, existing, data, user_id=user_id)
        parsed.rows.append(
            CaseImportRow(
                line=line, key=service.key_of(existing), title=existing.title, action="update"
            )
        )


async def export_csv(session: AsyncSession, project: Project, cases: list[TestCase]) -> str:
    fields_ = await custom_fields.list_fields(session, project.id)
    emails = {user_id: email for email, user_id in (await _emails(session, project)).items()}
    suites = {
        s.id: s.name
        for s in await session.scalars(select(Suite).where(Suite.project_id == project.id))
    }
    sections = {
        s.id: s
        for s in await session.scalars(
            select(Section)
            .join(Suite, Suite.id == Section.suite_id)
            .where(Suite.project_id == project.id)
        )
    }

    def path(section_id: uuid.UUID | None) -> str:
        names: list[str] = []
        while section_id is not None and section_id in sections and len(names) < 50:
            names.append(sections[section_id].name)
            section_id = sections[section_id].parent_id
        return " > ".join(reversed(names))

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*EXPORT_HEADERS.values(), *(f.name for f in fields_)])
    for case in cases:
        steps = list(case.steps)
        references = [
            f"{r.get('id')}|{r['url']}" if r.get("url") else str(r.get("id"))
            for r in case.references
        ]
        custom = []
        for f in fields_:
            value = case.custom.get(str(f.id))
            if value is None:
                custom.append("")
            elif f.kind == "multi_select":
                custom.append(", ".join(value))
            elif f.kind == "user":
                custom.append(emails.get(uuid.UUID(value), value))
            else:
                custom.append(str(value))
        writer.writerow(
            [
                service.key_of(case),
                case.title,
                suites.get(case.suite_id, "") if case.suite_id else "",
                path(case.section_id),
                case.preconditions,
                "\n".join(f"{i}. {s.get('action', '')}" for i, s in enumerate(steps, 1)),
                "\n".join(f"{i}. {s.get('expected', '')}" for i, s in enumerate(steps, 1)),
                case.priority,
                case.type,
                case.status,
                emails.get(case.owner_id, "") if case.owner_id else "",
                ", ".join(case.tags),
                case.feature or "",
                ", ".join(references),
                case.automation,
                *custom,
            ]
        )
    return buffer.getvalue()
