"""Test cases: keys allocated per project (``TC-12``, one atomic update, safe under
concurrent creation), create and change (every change a version with a readable diff),
search and filters, bulk edit, move/copy between suites and sections, merge.
Services never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cases import fields as custom_fields
from backend.cases.models import (
    CaseLink,
    CaseProjectSettings,
    CaseResult,
    CaseVersion,
    CustomField,
    PlanRunCase,
    Section,
    Suite,
    TestCase,
)
from backend.cases.schemas import CaseOut, CaseQuery
from backend.cases.suites import descendants
from backend.kit.errors import NotFound, Unprocessable
from backend.kit.jsondiff import json_diff
from backend.kit.time import utcnow
from backend.projects.models import Project

KEY_PREFIX = "TC-"
EDITABLE = (
    "title",
    "preconditions",
    "steps",
    "priority",
    "type",
    "status",
    "owner_id",
    "tags",
    "feature",
    "references",
    "automation",
    "suite_id",
    "section_id",
)


def key_of(case: TestCase) -> str:
    return f"{KEY_PREFIX}{case.number}"


def number_of(key: str) -> int | None:
    """``TC-12`` (any case, spaces around) -> 12; None when it is not a key."""
    text = key.strip().upper()
    if not text.startswith(KEY_PREFIX) or not text[len(KEY_PREFIX) :].isdigit():
        return None
    number = int(text[len(KEY_PREFIX) :])
    return number if 0 < number < 2**31 else None


def _insert_for(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def project_settings(session: AsyncSession, project_id: uuid.UUID) -> CaseProjectSettings:
    """The project's row, created on first use (concurrent first uses tolerated)."""
    insert = _insert_for(session)
    await session.execute(
        insert(CaseProjectSettings)
        .values(project_id=project_id, next_number=1, auto_create=True)
        .on_conflict_do_nothing(index_elements=["project_id"])
    )
    found = await session.get(CaseProjectSettings, project_id, populate_existing=True)
    assert found is not None
    return found


async def allocate_numbers(session: AsyncSession, project_id: uuid.UUID, count: int = 1) -> int:
    """The first of ``count`` new case numbers. One UPDATE … RETURNING: on PostgreSQL a
    concurrent creation waits for this transaction's row lock and then reads the new
    value; SQLite has one writer at a time."""
    await project_settings(session, project_id)
    after = (
        await session.execute(
            update(CaseProjectSettings)
            .where(CaseProjectSettings.project_id == project_id)
            .values(next_number=CaseProjectSettings.next_number + count)
            .returning(CaseProjectSettings.next_number)
        )
    ).scalar_one()
    return int(after) - count


# --------------------------------------------------------------------------- reading


async def get_case(session: AsyncSession, case_id: uuid.UUID) -> TestCase:
    case = await session.get(TestCase, case_id)
    if case is None:
        raise NotFound("No such test case.")
    return case


async def case_by_key(session: AsyncSession, project_id: uuid.UUID, key: str) -> TestCase | None:
    number = number_of(key)
    if number is None:
        return None
    return await session.scalar(
        select(TestCase).where(TestCase.project_id == project_id, TestCase.number == number)
    )


async def linked_tests(
    session: AsyncSession, case_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    found: dict[uuid.UUID, list[str]] = {}
    if not case_ids:
        return found
    rows = await session.execute(
        select(CaseLink.case_id, CaseLink.node_id)
        .where(CaseLink.case_id.in_(list(case_ids)))
        .order_by(CaseLink.node_id)
    )
    for case_id, node_id in rows:
        found.setdefault(case_id, []).append(node_id)
    return found


def out(case: TestCase, links: list[str] | None = None) -> CaseOut:
    return CaseOut(
        id=case.id,
        project_id=case.project_id,
        key=key_of(case),
        number=case.number,
        title=case.title,
        preconditions=case.preconditions,
        steps=list(case.steps),
        priority=case.priority,
        type=case.type,
        status=case.status,
        owner_id=case.owner_id,
        tags=list(case.tags),
        feature=case.feature,
        references=list(case.references),
        automation=case.automation,
        suite_id=case.suite_id,
        section_id=case.section_id,
        custom=dict(case.custom),
        version=case.version,
        merged_into_id=case.merged_into_id,
        linked_tests=links or [],
        created_at=case.created_at,
        updated_at=case.updated_at,
    )


async def outs(session: AsyncSession, cases: Sequence[TestCase]) -> list[CaseOut]:
    links = await linked_tests(session, [c.id for c in cases])
    return [out(c, links.get(c.id)) for c in cases]


async def _statement(
    session: AsyncSession, project_id: uuid.UUID, query: CaseQuery
) -> Select[TestCase]:
    """The SQL part of a search: every criterion but the tags."""
    statement = select(TestCase).where(
        TestCase.project_id == project_id, TestCase.merged_into_id.is_(None)
    )
    if query.q and query.q.strip():
        text = query.q.strip()
        number = number_of(text)
        escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions: list[ColumnElement[bool]] = [
            func.lower(TestCase.title).like(f"%{escaped}%", escape="\\")
        ]
        if number is not None:
            conditions.append(TestCase.number == number)
        statement = statement.where(or_(*conditions))
    if query.suite_ids:
        statement = statement.where(TestCase.suite_id.in_(query.suite_ids))
    if query.section_ids:
        subtree: set[uuid.UUID] = set()
        for section_id in query.section_ids:
            section = await session.get(Section, section_id)
            if section is not None:
                subtree |= await descendants(session, section)
        statement = statement.where(TestCase.section_id.in_(subtree or {uuid.uuid4()}))
    for column, values in (
        (TestCase.priority, query.priority),
        (TestCase.type, query.type),
        (TestCase.status, query.status),
        (TestCase.automation, query.automation),
    ):
        if values:
            statement = statement.where(column.in_(list(values)))
    if query.owner_id is not None:
        statement = statement.where(TestCase.owner_id == query.owner_id)
    if query.feature:
        statement = statement.where(TestCase.feature == query.feature)
    return statement.order_by(TestCase.number)


def _with_tags(rows: list[TestCase], tags: list[str]) -> list[TestCase]:
    # Tags live in a JSON list; compared here the same way on SQLite and PostgreSQL.
    wanted = {t.casefold() for t in tags}
    return [c for c in rows if wanted <= {str(t).casefold() for t in c.tags}]


async def search(session: AsyncSession, project_id: uuid.UUID, query: CaseQuery) -> list[TestCase]:
    """Cases matching every given criterion (lists: any of their values; tags: all),
    merged cases left out, by key."""
    rows = list(await session.scalars(await _statement(session, project_id, query)))
    return _with_tags(rows, query.tags) if query.tags else rows


async def search_page(
    session: AsyncSession, project_id: uuid.UUID, query: CaseQuery, offset: int, limit: int
) -> tuple[list[TestCase], int]:
    """One page of ``search`` and the total; paged in SQL unless tags are asked for."""
    if query.tags:
        found = await search(session, project_id, query)
        return found[offset : offset + limit], len(found)
    statement = await _statement(session, project_id, query)
    total = await session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = await session.scalars(statement.offset(offset).limit(limit))
    return list(rows), int(total or 0)


# --------------------------------------------------------------------------- versions


async def _document(
    session: AsyncSession, case: TestCase, fields: list[CustomField]
) -> dict[str, Any]:
    """What a version records and its diff compares, in a person's words: suite and
    section by name, custom fields by name."""
    suite = await session.get(Suite, case.suite_id) if case.suite_id else None
    section = await session.get(Section, case.section_id) if case.section_id else None
    return {
        "title": case.title,
        "preconditions": case.preconditions,
        "steps": list(case.steps),
        "priority": case.priority,
        "type": case.type,
        "status": case.status,
        "owner_id": str(case.owner_id) if case.owner_id else None,
        "tags": list(case.tags),
        "feature": case.feature,
        "references": list(case.references),
        "automation": case.automation,
        "suite": suite.name if suite else None,
        "section": section.name if section else None,
        "custom": custom_fields.named(fields, dict(case.custom)),
    }


async def list_versions(session: AsyncSession, case_id: uuid.UUID) -> list[CaseVersion]:
    rows = await session.scalars(
        select(CaseVersion).where(CaseVersion.case_id == case_id).order_by(CaseVersion.version)
    )
    return list(rows)


def _version(
    case: TestCase, document: dict[str, Any], diff: list[dict[str, Any]], user_id: uuid.UUID | None
) -> CaseVersion:
    return CaseVersion(
        id=uuid.uuid4(),
        case_id=case.id,
        version=case.version,
        document=document,
        diff=diff,
        changed_by_id=user_id,
        changed_at=utcnow(),
    )


# --------------------------------------------------------------------------- writing


async def _check_placement(
    session: AsyncSession,
    project_id: uuid.UUID,
    suite_id: uuid.UUID | None,
    section_id: uuid.UUID | None,
) -> uuid.UUID | None:
    """The suite the case ends up in: the section's, which must be in the given suite."""
    if section_id is not None:
        section = await session.get(Section, section_id)
        suite = await session.get(Suite, section.suite_id) if section else None
        if section is None or suite is None or suite.project_id != project_id:
            raise Unprocessable(
                "No such section in this project.",
                details=[{"field": "section_id", "message": "no such section"}],
            )
        if suite_id is not None and suite_id != suite.id:
            raise Unprocessable(
                "The section is not in the given suite.",
                details=[{"field": "section_id", "message": "not in that suite"}],
            )
        return suite.id
    if suite_id is not None:
        suite = await session.get(Suite, suite_id)
        if suite is None or suite.project_id != project_id:
            raise Unprocessable(
                "No such suite in this project.",
                details=[{"field": "suite_id", "message": "no such suite"}],
            )
    return suite_id


def _check_owner(owner_id: uuid.UUID | None, members: set[uuid.UUID], field: str) -> None:
    if owner_id is not None and owner_id not in members:
        raise Unprocessable(
            "The owner must be a member of the organisation.",
            details=[{"field": field, "message": "not a member of the organisation"}],
        )


def _clean_tags(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(t.strip() for t in tags if t.strip()))


async def create_case(
    session: AsyncSession,
    project: Project,
    values: dict[str, Any],
    *,
    user_id: uuid.UUID | None,
    enforce_required: bool = True,
    number: int | None = None,
) -> TestCase:
    """``values``: CaseCreate's fields (steps and references as dicts)."""
    fields = await custom_fields.list_fields(session, project.id)
    members = await custom_fields.project_members(session, project)
    _check_owner(values.get("owner_id"), members, "owner_id")
    suite_id = await _check_placement(
        session, project.id, values.get("suite_id"), values.get("section_id")
    )
    custom = custom_fields.apply_values(
        fields,
        {},
        custom_fields.resolve_keys(fields, values.get("custom") or {}),
        members,
        enforce_required=enforce_required,
    )
    case = TestCase(
        id=uuid.uuid4(),
        project_id=project.id,
        number=number if number is not None else await allocate_numbers(session, project.id),
        title=values["title"],
        preconditions=values.get("preconditions") or "",
        steps=list(values.get("steps") or []),
        priority=values.get("priority") or "medium",
        type=values.get("type") or "functional",
        status=values.get("status") or "draft",
        owner_id=values.get("owner_id"),
        tags=_clean_tags(values.get("tags") or []),
        feature=values.get("feature"),
        references=list(values.get("references") or []),
        automation=values.get("automation") or "manual",
        suite_id=suite_id,
        section_id=values.get("section_id"),
        custom=custom,
        version=1,
        created_by_id=user_id,
    )
    session.add(case)
    await session.flush()
    document = await _document(session, case, fields)
    session.add(_version(case, document, json_diff({}, document), user_id))
    await session.flush()
    return case


async def update_case(
    session: AsyncSession,
    project: Project,
    case: TestCase,
    changes: dict[str, Any],
    *,
    user_id: uuid.UUID | None,
    fields: list[CustomField] | None = None,
    members: set[uuid.UUID] | None = None,
) -> TestCase:
    """Apply the given fields (present keys; None clears the optional ones); a new
    version only when something changed."""
    fields = fields if fields is not None else await custom_fields.list_fields(session, project.id)
    members = (
        members if members is not None else await custom_fields.project_members(session, project)
    )
    before = await _document(session, case, fields)
    if "owner_id" in changes:
        _check_owner(changes["owner_id"], members, "owner_id")
    if "suite_id" in changes or "section_id" in changes:
        if "section_id" in changes:
            section_id = changes["section_id"]
            kept = None if section_id is not None else case.suite_id
            suite_id = changes.get("suite_id", kept)
        else:
            suite_id = changes["suite_id"]
            section_id = case.section_id if suite_id == case.suite_id else None
        case.suite_id = await _check_placement(session, project.id, suite_id, section_id)
        case.section_id = section_id
    for name in EDITABLE:
        if name in ("suite_id", "section_id") or name not in changes:
            continue
        value = changes[name]
        if name == "title" and value is None:
            raise Unprocessable(
                "title: must not be empty", details=[{"field": "title", "message": "required"}]
            )
        if name in ("priority", "type", "status", "automation") and value is None:
            continue  # required columns: null means "unchanged"
        if name == "tags":
            value = _clean_tags(value or [])
        if name in ("steps", "references"):
            value = list(value or [])
        if name == "preconditions":
            value = value or ""
        setattr(case, name, value)
    if "custom" in changes:
        case.custom = custom_fields.apply_values(
            fields,
            dict(case.custom),
            custom_fields.resolve_keys(fields, changes.get("custom") or {}),
            members,
        )
    after = await _document(session, case, fields)
    diff = json_diff(before, after)
    if diff:
        case.version += 1
        case.updated_at = utcnow()
        session.add(_version(case, after, diff, user_id))
    await session.flush()
    return case


async def cases_in_project(
    session: AsyncSession, project_id: uuid.UUID, case_ids: Sequence[uuid.UUID], field: str
) -> list[TestCase]:
    """The cases, in the given order; 422 naming ``field`` when one is not in the project
    (another project's or organisation's case looks the same as none)."""
    rows = await session.scalars(
        select(TestCase).where(TestCase.id.in_(list(case_ids)), TestCase.project_id == project_id)
    )
    found = {c.id: c for c in rows}
    missing = [str(i) for i in case_ids if i not in found]
    if missing:
        raise Unprocessable(
            f"No such case in this project: {', '.join(missing[:5])}.",
            details=[{"field": field, "message": "no such case in this project"}],
        )
    return [found[i] for i in dict.fromkeys(case_ids)]


async def bulk_edit(
    session: AsyncSession,
    project: Project,
    case_ids: Sequence[uuid.UUID],
    changes: dict[str, Any],
    *,
    user_id: uuid.UUID,
) -> list[TestCase]:
    """The same change on every case (each gets its own version); all or nothing."""
    cases = await cases_in_project(session, project.id, case_ids, "case_ids")
    fields = await custom_fields.list_fields(session, project.id)
    members = await custom_fields.project_members(session, project)
    add_tags = changes.pop("add_tags", []) or []
    remove_tags = {t.casefold() for t in changes.pop("remove_tags", []) or []}
    plain = {k: v for k, v in changes.items() if v is not None}
    for case in cases:
        per_case = dict(plain)
        if add_tags or remove_tags:
            tags = [t for t in case.tags if str(t).casefold() not in remove_tags]
            per_case["tags"] = tags + list(add_tags)
        await update_case(
            session, project, case, per_case, user_id=user_id, fields=fields, members=members
        )
    return cases


async def move_cases(
    session: AsyncSession,
    project: Project,
    case_ids: Sequence[uuid.UUID],
    *,
    suite_id: uuid.UUID | None,
    section_id: uuid.UUID | None,
    copy: bool,
    user_id: uuid.UUID,
) -> list[TestCase]:
    """Move the cases into a suite/section (None and None: out of any suite), or copy
    them there: copies get new keys, the same content and no linked tests."""
    cases = await cases_in_project(session, project.id, case_ids, "case_ids")
    target_suite = await _check_placement(session, project.id, suite_id, section_id)
    placement = {"suite_id": target_suite, "section_id": section_id}
    if not copy:
        fields = await custom_fields.list_fields(session, project.id)
        members = await custom_fields.project_members(session, project)
        for case in cases:
            await update_case(
                session, project, case, placement, user_id=user_id, fields=fields, members=members
            )
        return cases
    first = await allocate_numbers(session, project.id, len(cases))
    copies = []
    for offset, case in enumerate(cases):
        values = {name: getattr(case, name) for name in EDITABLE}
        values.update(placement)
        copy_case = await create_case(
            session,
            project,
            {**values, "custom": dict(case.custom)},
            user_id=user_id,
            enforce_required=False,
            number=first + offset,
        )
        copies.append(copy_case)
    return copies


async def merge_cases(
    session: AsyncSession,
    project: Project,
    target_id: uuid.UUID,
    source_ids: Sequence[uuid.UUID],
    *,
    user_id: uuid.UUID,
) -> TestCase:
    """Fold duplicates into one case: their linked tests, results and plan-run entries
    move to the target, the sources are marked merged (readable, no longer listed)."""
    if target_id in source_ids:
        raise Unprocessable(
            "A case cannot be merged into itself.",
            details=[{"field": "source_ids", "message": "contains the target"}],
        )
    (target,) = await cases_in_project(session, project.id, [target_id], "target_id")
    if target.merged_into_id is not None:
        raise Unprocessable(
            "The target was itself merged into another case.",
            details=[{"field": "target_id", "message": "already merged"}],
        )
    sources = await cases_in_project(session, project.id, source_ids, "source_ids")
    ids = [s.id for s in sources]
    await session.execute(
        update(CaseLink).where(CaseLink.case_id.in_(ids)).values(case_id=target.id)
    )
    taken = set(
        await session.scalars(select(CaseResult.run_test_id).where(CaseResult.case_id == target.id))
    )
    for result in await session.scalars(select(CaseResult).where(CaseResult.case_id.in_(ids))):
        if result.run_test_id in taken:
            await session.delete(result)
        else:
            taken.add(result.run_test_id)
            result.case_id = target.id
    in_runs = set(
        await session.scalars(
            select(PlanRunCase.plan_run_id).where(PlanRunCase.case_id == target.id)
        )
    )
    for entry in await session.scalars(select(PlanRunCase).where(PlanRunCase.case_id.in_(ids))):
        if entry.plan_run_id not in in_runs:
            in_runs.add(entry.plan_run_id)
            entry.case_id = target.id
    for source in sources:
        source.merged_into_id = target.id
        source.updated_at = utcnow()
    await session.flush()
    if any(s.automation == "automated" for s in sources) and target.automation != "automated":
        await update_case(session, project, target, {"automation": "automated"}, user_id=user_id)
    return target


async def history(session: AsyncSession, case: TestCase) -> tuple[list[CaseLink], list[CaseResult]]:
    links = await session.scalars(
        select(CaseLink).where(CaseLink.case_id == case.id).order_by(CaseLink.node_id)
    )
    results = await session.scalars(
        select(CaseResult)
        .where(CaseResult.case_id == case.id)
        .order_by(CaseResult.created_at.desc(), CaseResult.node_id)
        .limit(500)
    )
    return list(links), list(results)
