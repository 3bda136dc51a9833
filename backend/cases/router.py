"""The QA-management api of a project: test cases (``/api/projects/{id}/cases``,
``/api/cases/{id}``), suites and sections, custom fields, saved filters, CSV import and
export, test plans and plan runs.

Viewers read; members create and change cases, plans and results; admins configure
custom fields, suites and sections and the project's case settings. Another
organisation's objects answer 404.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import ValidationError
from sqlalchemy import select

from backend.auth.audit import AuditedSessionDep, AuditTrail, AuditTrailDep
from backend.auth.deps import CurrentUser
from backend.auth.models import User
from backend.cases import csvio, plans, service, suites
from backend.cases import fields as custom_fields
from backend.cases.access import object_for
from backend.cases.models import (
    CustomField,
    PlanRun,
    SavedFilter,
    Section,
    Suite,
    TestCase,
    TestPlan,
)
from backend.cases.schemas import (
    Assign,
    BulkEdit,
    BulkResult,
    CaseCreate,
    CaseHistory,
    CaseImportBody,
    CaseImportResult,
    CaseOut,
    CasePage,
    CaseQuery,
    CaseResultOut,
    CaseSettingsOut,
    CaseSettingsUpdate,
    CaseUpdate,
    CaseVersionOut,
    FieldCreate,
    FieldOut,
    FieldUpdate,
    FilterCreate,
    FilterOut,
    LinkOut,
    ManualResult,
    MergeCases,
    MoveCases,
    PlanCreate,
    PlanOut,
    PlanRunCaseOut,
    PlanRunCreate,
    PlanRunDetail,
    PlanRunOut,
    PlanRunResultOut,
    PlanUpdate,
    SectionCreate,
    SectionOut,
    SectionUpdate,
    SuiteCreate,
    SuiteOut,
    SuiteUpdate,
)
from backend.db.deps import DatabaseDep, ReadSessionDep, SessionDep
from backend.kit.errors import Conflict, NotFound, Unprocessable
from backend.kit.pagination import Limit, Offset
from backend.kit.time import utcnow
from backend.orgs.models import Role
from backend.projects.access import project_for
from backend.projects.models import Project

router = APIRouter(tags=["cases"])


def _audit(audit: AuditTrail, action: str, user: User, project: Project, **details: object) -> None:
    audit.record(
        action,
        user_id=user.id,
        org_id=project.org_id,
        details={"project_id": str(project.id), **{k: str(v) for k, v in details.items()}},
    )


# --------------------------------------------------------------------------- settings


async def _settings_out(session: SessionDep, project_id: uuid.UUID) -> CaseSettingsOut:
    row = await service.project_settings(session, project_id)
    return CaseSettingsOut(
        auto_create=row.auto_create, next_key=f"{service.KEY_PREFIX}{row.next_number}"
    )


@router.get("/api/projects/{project_id}/case-settings", response_model=CaseSettingsOut)
async def get_case_settings(
    project_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: SessionDep
) -> CaseSettingsOut:
    await project_for(database, user, project_id)
    return await _settings_out(session, project_id)


@router.patch("/api/projects/{project_id}/case-settings", response_model=CaseSettingsOut)
async def update_case_settings(
    project_id: uuid.UUID,
    body: CaseSettingsUpdate,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> CaseSettingsOut:
    project = await project_for(database, user, project_id, Role.ADMIN)
    row = await service.project_settings(session, project_id)
    row.auto_create = body.auto_create
    await session.flush()
    _audit(audit, "cases.settings", user, project, auto_create=body.auto_create)
    return await _settings_out(session, project_id)


# --------------------------------------------------------------------------- cases

ListQuery = Annotated[list[str] | None, Query()]


def _query(
    q: str | None,
    suite_id: list[uuid.UUID] | None,
    section_id: list[uuid.UUID] | None,
    tag: list[str] | None,
    priority: list[str] | None,
    type_: list[str] | None,
    status: list[str] | None,
    automation: list[str] | None,
    owner_id: uuid.UUID | None,
    feature: str | None,
) -> CaseQuery:
    try:
        return CaseQuery.model_validate(
            {
                "q": q,
                "suite_ids": suite_id or [],
                "section_ids": section_id or [],
                "tags": tag or [],
                "priority": priority or [],
                "type": type_ or [],
                "status": status or [],
                "automation": automation or [],
                "owner_id": owner_id,
                "feature": feature,
            }
        )
    except ValidationError as exc:  # name the parameter
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise Unprocessable(
            f"{where}: {first.get('msg')}", details=[{"field": where, "message": first["msg"]}]
        ) from None


async def _filtered(
    session: ReadSessionDep,
    project_id: uuid.UUID,
    query: CaseQuery,
    filter_id: uuid.UUID | None,
) -> list[TestCase]:
    query = await _with_filter(session, project_id, query, filter_id)
    return await service.search(session, project_id, query)


async def _with_filter(
    session: ReadSessionDep,
    project_id: uuid.UUID,
    query: CaseQuery,
    filter_id: uuid.UUID | None,
) -> CaseQuery:
    """The query with a saved filter's criteria under it (the query's own win)."""
    if filter_id is not None:
        saved = await session.get(SavedFilter, filter_id)
        if saved is None or saved.project_id != project_id:
            raise Unprocessable(
                "No such saved filter in this project.",
                details=[{"field": "filter_id", "message": "no such saved filter"}],
            )
        merged = {**saved.query, **query.model_dump(exclude_defaults=True)}
        query = CaseQuery.model_validate(merged)
    return query


@router.get("/api/projects/{project_id}/cases", response_model=CasePage)
async def list_cases(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: ReadSessionDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    suite_id: Annotated[list[uuid.UUID] | None, Query()] = None,
    section_id: Annotated[list[uuid.UUID] | None, Query()] = None,
    tag: ListQuery = None,
    priority: ListQuery = None,
    type: ListQuery = None,
    status: ListQuery = None,
    automation: ListQuery = None,
    owner_id: uuid.UUID | None = None,
    feature: Annotated[str | None, Query(max_length=200)] = None,
    filter_id: uuid.UUID | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> CasePage:
    await project_for(database, user, project_id)
    query = _query(
        q, suite_id, section_id, tag, priority, type, status, automation, owner_id, feature
    )
    query = await _with_filter(session, project_id, query, filter_id)
    page, total = await service.search_page(session, project_id, query, offset, limit)
    return CasePage(items=await service.outs(session, page), total=total)


@router.get("/api/projects/{project_id}/cases/export")
async def export_cases(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: ReadSessionDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    suite_id: Annotated[list[uuid.UUID] | None, Query()] = None,
    tag: ListQuery = None,
    filter_id: uuid.UUID | None = None,
) -> Response:
    """The cases as CSV (the columns the import reads, custom fields by name)."""
    project = await project_for(database, user, project_id)
    query = _query(q, suite_id, None, tag, None, None, None, None, None, None)
    found = await _filtered(session, project_id, query, filter_id)
    text = await csvio.export_csv(session, project, found)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cases.csv"'},
    )


@router.post("/api/projects/{project_id}/cases/import", response_model=CaseImportResult)
async def import_cases(
    project_id: uuid.UUID,
    body: CaseImportBody,
    user: CurrentUser,
    database: DatabaseDep,
    session: SessionDep,
) -> CaseImportResult:
    """All or nothing: with any problem (each names its line and column) nothing is
    stored and the answer is a 422 listing them; ``dry_run`` previews and stores nothing."""
    project = await project_for(database, user, project_id, Role.MEMBER)
    parsed = await csvio.import_csv(session, project, body.csv, user_id=user.id)
    result = CaseImportResult(
        dry_run=body.dry_run,
        created=sum(1 for r in parsed.rows if r.action == "create"),
        updated=sum(1 for r in parsed.rows if r.action == "update"),
        rows=parsed.rows,
        problems=parsed.problems,
        ignored_columns=parsed.ignored_columns,
    )
    if parsed.problems and not body.dry_run:
        first = parsed.problems[0]
        where = f"line {first.line}" + (f", column {first.column}" if first.column else "")
        raise Unprocessable(
            f"csv, {where}: {first.message} (nothing was imported)",
            code="import_invalid",
            details=[p.model_dump() for p in parsed.problems],
        )
    if body.dry_run:
        await session.rollback()
        return result.model_copy(update={"created": 0, "updated": 0} if parsed.problems else {})
    return result


@router.post("/api/projects/{project_id}/cases", status_code=201, response_model=CaseOut)
async def create_case(
    project_id: uuid.UUID,
    body: CaseCreate,
    user: CurrentUser,
    database: DatabaseDep,
    session: SessionDep,
) -> CaseOut:
    project = await project_for(database, user, project_id, Role.MEMBER)
    case = await service.create_case(
        session, project, body.model_dump(exclude_unset=True), user_id=user.id
    )
    return service.out(case)


@router.post("/api/projects/{project_id}/cases/bulk", response_model=BulkResult)
async def bulk_edit_cases(
    project_id: uuid.UUID,
    body: BulkEdit,
    user: CurrentUser,
    database: DatabaseDep,
    session: SessionDep,
) -> BulkResult:
    project = await project_for(database, user, project_id, Role.MEMBER)
    changes = body.changes.model_dump(exclude_unset=True)
    cases = await service.bulk_edit(session, project, body.case_ids, changes, user_id=user.id)
    return BulkResult(cases=await service.outs(session, cases))


@router.post("/api/projects/{project_id}/cases/move", response_model=BulkResult)
async def move_cases(
    project_id: uuid.UUID,
    body: MoveCases,
    user: CurrentUser,
    database: DatabaseDep,
    session: SessionDep,
) -> BulkResult:
    """Move (or with ``copy: true`` copy) cases into a suite and section."""
    project = await project_for(database, user, project_id, Role.MEMBER)
    cases = await service.move_cases(
        session,
        project,
        body.case_ids,
        suite_id=body.suite_id,
        section_id=body.section_id,
        copy=body.copy_cases,
        user_id=user.id,
    )
    return BulkResult(cases=await service.outs(session, cases))


@router.post("/api/projects/{project_id}/cases/merge", response_model=CaseOut)
async def merge_cases(
    project_id: uuid.UUID,
    body: MergeCases,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> CaseOut:
    project = await project_for(database, user, project_id, Role.MEMBER)
    target = await service.merge_cases(
        session, project, body.target_id, body.source_ids, user_id=user.id
    )
    _audit(audit, "cases.merge", user, project, target=service.key_of(target))
    return (await service.outs(session, [target]))[0]


@router.get("/api/projects/{project_id}/cases/by-key/{key}", response_model=CaseOut)
async def case_by_key(
    project_id: uuid.UUID,
    key: Annotated[str, Path(max_length=20)],
    user: CurrentUser,
    database: DatabaseDep,
    session: ReadSessionDep,
) -> CaseOut:
    await project_for(database, user, project_id)
    if service.number_of(key) is None:
        raise Unprocessable(
            f"key: {key[:20]!r} is not a case key like TC-12.",
            details=[{"field": "key", "message": "not a case key like TC-12"}],
        )
    case = await service.case_by_key(session, project_id, key)
    if case is None:
        raise NotFound(f"No case {key} in this project.")
    return (await service.outs(session, [case]))[0]


@router.get("/api/cases/{case_id}", response_model=CaseOut)
async def get_case(
    case_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> CaseOut:
    case, _ = await object_for(database, user, TestCase, case_id, Role.VIEWER)
    return (await service.outs(session, [case]))[0]


@router.patch("/api/cases/{case_id}", response_model=CaseOut)
async def update_case(
    case_id: uuid.UUID,
    body: CaseUpdate,
    user: CurrentUser,
    database: DatabaseDep,
    session: SessionDep,
) -> CaseOut:
    _, project = await object_for(database, user, TestCase, case_id, Role.MEMBER)
    case = await session.get(TestCase, case_id, with_for_update=True, populate_existing=True)
    if case is None:
        raise Conflict("The case was deleted.", code="case_deleted")
    case = await service.update_case(
        session, project, case, body.model_dump(exclude_unset=True), user_id=user.id
    )
    return (await service.outs(session, [case]))[0]


@router.delete("/api/cases/{case_id}", status_code=204)
async def delete_case(
    case_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> Response:
    case, project = await object_for(database, user, TestCase, case_id, Role.MEMBER)
    found = await session.get(TestCase, case_id)
    if found is not None:
        await session.delete(found)
    _audit(audit, "cases.delete", user, project, case=service.key_of(case), title=case.title)
    return Response(status_code=204)


@router.get("/api/cases/{case_id}/versions", response_model=list[CaseVersionOut])
async def case_versions(
    case_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> list[CaseVersionOut]:
    await object_for(database, user, TestCase, case_id, Role.VIEWER)
    return [CaseVersionOut.model_validate(v) for v in await service.list_versions(session, case_id)]


@router.get("/api/cases/{case_id}/history", response_model=CaseHistory)
async def case_history(
    case_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> CaseHistory:
    """The automated tests linked to the case and every one of their results."""
    case, _ = await object_for(database, user, TestCase, case_id, Role.VIEWER)
    links, results = await service.history(session, case)
    return CaseHistory(
        links=[LinkOut.model_validate(link) for link in links],
        results=[CaseResultOut.model_validate(r) for r in results],
    )


# --------------------------------------------------------------------------- suites


@router.get("/api/projects/{project_id}/suites", response_model=list[SuiteOut])
async def list_suites(
    project_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> list[SuiteOut]:
    """Every suite with its tree of sections."""
    await project_for(database, user, project_id)
    found = await suites.list_suites(session, project_id)
    sections = await suites.sections_of(session, [s.id for s in found])
    return [suites.tree(s, sections) for s in found]


@router.post("/api/projects/{project_id}/suites", status_code=201, response_model=SuiteOut)
async def create_suite(
    project_id: uuid.UUID,
    body: SuiteCreate,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> SuiteOut:
    project = await project_for(database, user, project_id, Role.ADMIN)
    suite = await suites.create_suite(
        session, project_id, name=body.name, description=body.description
    )
    _audit(audit, "cases.suite.create", user, project, suite=suite.name)
    return suites.tree(suite, [])


@router.patch("/api/suites/{suite_id}", response_model=SuiteOut)
async def update_suite(
    suite_id: uuid.UUID,
    body: SuiteUpdate,
    user: CurrentUser,
    database: DatabaseDep,
    session: SessionDep,
) -> SuiteOut:
    await object_for(database, user, Suite, suite_id, Role.ADMIN)
    suite = await suites.update_suite(
        session,
        await suites.get_suite(session, suite_id),
        name=body.name,
        description=body.description,
    )
    return suites.tree(suite, await suites.sections_of(session, [suite.id]))


@router.delete("/api/suites/{suite_id}", status_code=204)
async def delete_suite(
    suite_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> Response:
    """The suite and its sections go; its cases stay, outside any suite."""
    suite, project = await object_for(database, user, Suite, suite_id, Role.ADMIN)
    found = await session.get(Suite, suite_id)
    if found is not None:
        await _unplace(session, suite_id=suite_id)
        await session.delete(found)
    _audit(audit, "cases.suite.delete", user, project, suite=suite.name)
    return Response(status_code=204)


async def _unplace(
    session: SessionDep,
    *,
    suite_id: uuid.UUID | None = None,
    sections: set[uuid.UUID] | None = None,
) -> None:
    """Cases leave a deleted suite or section (the foreign keys say the same; SQLite
    without them enforced would not)."""
    statement = select(TestCase)
    if suite_id is not None:
        statement = statement.where(TestCase.suite_id == suite_id)
    else:
        statement = statement.where(TestCase.section_id.in_(sections or set()))
    now = utcnow()
    for case in await session.scalars(statement):
        if suite_id is not None:
            case.suite_id = None
        case.section_id = None
        case.updated_at = now


@router.post("/api/suites/{suite_id}/sections", status_code=201, response_model=SectionOut)
async def create_section(
    suite_id: uuid.UUID,
    body: SectionCreate,
    user: CurrentUser,
    database: DatabaseDep,
    session: SessionDep,
) -> SectionOut:
    await object_for(database, user, Suite, suite_id, Role.ADMIN)
    section = await suites.create_section(
        session,
        await suites.get_suite(session, suite_id),
        name=body.name,
        parent_id=body.parent_id,
        position=body.position,
    )
    return SectionOut(
        id=section.id,
        suite_id=section.suite_id,
        parent_id=section.parent_id,
        name=section.name,
        position=section.position,
    )


@router.patch("/api/sections/{section_id}", response_model=SectionOut)
async def update_section(
    section_id: uuid.UUID,
    body: SectionUpdate,
    user: CurrentUser,
    database: DatabaseDep,
    session: SessionDep,
) -> SectionOut:
    await object_for(database, user, Section, section_id, Role.ADMIN)
    section = await suites.update_section(
        session,
        await suites.get_section(session, section_id),
        name=body.name,
        parent_id=body.parent_id,
        top=body.top,
        position=body.position,
    )
    return SectionOut(
        id=section.id,
        suite_id=section.suite_id,
        parent_id=section.parent_id,
        name=section.name,
        position=section.position,
    )


@router.delete("/api/sections/{section_id}", status_code=204)
async def delete_section(
    section_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: SessionDep
) -> Response:
    """The section and the sections under it go; their cases stay in the suite."""
    await object_for(database, user, Section, section_id, Role.ADMIN)
    found = await session.get(Section, section_id)
    if found is not None:
        subtree = await suites.descendants(session, found)
        await _unplace(session, sections=subtree)
        for section in await session.scalars(select(Section).where(Section.id.in_(subtree))):
            await session.delete(section)
    return Response(status_code=204)


# --------------------------------------------------------------------------- custom fields


@router.get("/api/projects/{project_id}/case-fields", response_model=list[FieldOut])
async def list_fields(
    project_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> list[FieldOut]:
    await project_for(database, user, project_id)
    return [
        FieldOut.model_validate(f) for f in await custom_fields.list_fields(session, project_id)
    ]


@router.post("/api/projects/{project_id}/case-fields", status_code=201, response_model=FieldOut)
async def create_field(
    project_id: uuid.UUID,
    body: FieldCreate,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> FieldOut:
    project = await project_for(database, user, project_id, Role.ADMIN)
    field = await custom_fields.create_field(
        session,
        project_id,
        name=body.name,
        kind=body.kind,
        options=body.options,
        required=body.required,
        position=body.position,
    )
    _audit(audit, "cases.field.create", user, project, field=field.name, kind=field.kind)
    return FieldOut.model_validate(field)


@router.patch("/api/case-fields/{field_id}", response_model=FieldOut)
async def update_field(
    field_id: uuid.UUID,
    body: FieldUpdate,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> FieldOut:
    _, project = await object_for(database, user, CustomField, field_id, Role.ADMIN)
    field = await custom_fields.update_field(
        session,
        await custom_fields.get_field(session, field_id),
        name=body.name,
        options=body.options,
        required=body.required,
        position=body.position,
    )
    _audit(audit, "cases.field.update", user, project, field=field.name)
    return FieldOut.model_validate(field)


@router.delete("/api/case-fields/{field_id}", status_code=204)
async def delete_field(
    field_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> Response:
    """The field goes; cases' values of it are dropped when next changed (and never shown)."""
    field, project = await object_for(database, user, CustomField, field_id, Role.ADMIN)
    found = await session.get(CustomField, field_id)
    if found is not None:
        await session.delete(found)
    _audit(audit, "cases.field.delete", user, project, field=field.name)
    return Response(status_code=204)


# --------------------------------------------------------------------------- saved filters


@router.get("/api/projects/{project_id}/case-filters", response_model=list[FilterOut])
async def list_filters(
    project_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> list[FilterOut]:
    await project_for(database, user, project_id)
    rows = await session.scalars(
        select(SavedFilter).where(SavedFilter.project_id == project_id).order_by(SavedFilter.name)
    )
    return [FilterOut.model_validate(f) for f in rows]


@router.post("/api/projects/{project_id}/case-filters", status_code=201, response_model=FilterOut)
async def create_filter(
    project_id: uuid.UUID,
    body: FilterCreate,
    user: CurrentUser,
    database: DatabaseDep,
    session: SessionDep,
) -> FilterOut:
    await project_for(database, user, project_id, Role.MEMBER)
    taken = await session.scalar(
        select(SavedFilter.id).where(
            SavedFilter.project_id == project_id, SavedFilter.name == body.name
        )
    )
    if taken is not None:
        raise Conflict(f"A saved filter named {body.name!r} exists.", code="filter_exists")
    saved = SavedFilter(
        id=uuid.uuid4(),
        project_id=project_id,
        name=body.name,
        query=body.query.model_dump(mode="json", exclude_defaults=True),
        created_by_id=user.id,
    )
    session.add(saved)
    await session.flush()
    return FilterOut.model_validate(saved)


@router.delete("/api/case-filters/{filter_id}", status_code=204)
async def delete_filter(
    filter_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: SessionDep
) -> Response:
    await object_for(database, user, SavedFilter, filter_id, Role.MEMBER)
    found = await session.get(SavedFilter, filter_id)
    if found is not None:
        await session.delete(found)
    return Response(status_code=204)


# --------------------------------------------------------------------------- plans


@router.get("/api/projects/{project_id}/plans", response_model=list[PlanOut])
async def list_plans(
    project_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> list[PlanOut]:
    await project_for(database, user, project_id)
    return [PlanOut.model_validate(p) for p in await plans.list_plans(session, project_id)]


@router.post("/api/projects/{project_id}/plans", status_code=201, response_model=PlanOut)
async def create_plan(
    project_id: uuid.UUID,
    body: PlanCreate,
    user: CurrentUser,
    database: DatabaseDep,
    session: SessionDep,
) -> PlanOut:
    await project_for(database, user, project_id, Role.MEMBER)
    plan = TestPlan(
        id=uuid.uuid4(),
        project_id=project_id,
        name=body.name,
        description=body.description,
        milestone_id=body.milestone_id,
        selection=await plans.check_selection(session, project_id, body.selection),
        created_by_id=user.id,
    )
    session.add(plan)
    await session.flush()
    return PlanOut.model_validate(plan)


@router.get("/api/plans/{plan_id}", response_model=PlanOut)
async def get_plan(plan_id: uuid.UUID, user: CurrentUser, database: DatabaseDep) -> PlanOut:
    plan, _ = await object_for(database, user, TestPlan, plan_id, Role.VIEWER)
    return PlanOut.model_validate(plan)


@router.patch("/api/plans/{plan_id}", response_model=PlanOut)
async def update_plan(
    plan_id: uuid.UUID,
    body: PlanUpdate,
    user: CurrentUser,
    database: DatabaseDep,
    session: SessionDep,
) -> PlanOut:
    await object_for(database, user, TestPlan, plan_id, Role.MEMBER)
    plan = await plans.get_plan(session, plan_id)
    changes = body.model_dump(exclude_unset=True)
    if body.name is not None:
        plan.name = body.name
    if body.description is not None:
        plan.description = body.description
    if "milestone_id" in changes:
        plan.milestone_id = body.milestone_id
    if body.selection is not None:
        plan.selection = await plans.check_selection(session, plan.project_id, body.selection)
    plan.updated_at = utcnow()
    await session.flush()
    return PlanOut.model_validate(plan)


@router.delete("/api/plans/{plan_id}", status_code=204)
async def delete_plan(
    plan_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: SessionDep
) -> Response:
    await object_for(database, user, TestPlan, plan_id, Role.MEMBER)
    found = await session.get(TestPlan, plan_id)
    if found is not None:
        await session.delete(found)
    return Response(status_code=204)


@router.get("/api/plans/{plan_id}/cases", response_model=list[CaseOut])
async def plan_cases(
    plan_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> list[CaseOut]:
    """The cases the plan selects now (a run snapshots them)."""
    plan, _ = await object_for(database, user, TestPlan, plan_id, Role.VIEWER)
    found = await plans.selected_cases(session, plan.project_id, dict(plan.selection))
    return await service.outs(session, found)


@router.get("/api/plans/{plan_id}/runs", response_model=list[PlanRunOut])
async def list_plan_runs(
    plan_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> list[PlanRunOut]:
    await object_for(database, user, TestPlan, plan_id, Role.VIEWER)
    rows = await session.scalars(
        select(PlanRun).where(PlanRun.plan_id == plan_id).order_by(PlanRun.created_at.desc())
    )
    return await plans.summaries(session, list(rows))


@router.post("/api/plans/{plan_id}/runs", status_code=201, response_model=PlanRunDetail)
async def start_plan_run(
    plan_id: uuid.UUID,
    body: PlanRunCreate,
    user: CurrentUser,
    database: DatabaseDep,
    session: SessionDep,
) -> PlanRunDetail:
    _, project = await object_for(database, user, TestPlan, plan_id, Role.MEMBER)
    plan_run = await plans.create_plan_run(
        session,
        project,
        await plans.get_plan(session, plan_id),
        name=body.name,
        assignee_id=body.assignee_id,
        user_id=user.id,
    )
    return await plans.detail(session, plan_run)


@router.get("/api/projects/{project_id}/plan-runs", response_model=list[PlanRunOut])
async def project_plan_runs(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: ReadSessionDep,
    milestone_id: uuid.UUID | None = None,
) -> list[PlanRunOut]:
    """Every plan run of the project (of one milestone), newest first, with progress."""
    await project_for(database, user, project_id)
    statement = select(PlanRun).where(PlanRun.project_id == project_id)
    if milestone_id is not None:
        statement = statement.where(PlanRun.milestone_id == milestone_id)
    rows = await session.scalars(statement.order_by(PlanRun.created_at.desc()).limit(500))
    return await plans.summaries(session, list(rows))


@router.get("/api/plan-runs/{plan_run_id}", response_model=PlanRunDetail)
async def get_plan_run(
    plan_run_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: ReadSessionDep
) -> PlanRunDetail:
    plan_run, _ = await object_for(database, user, PlanRun, plan_run_id, Role.VIEWER)
    return await plans.detail(session, plan_run)


async def _plan_run(session: SessionDep, plan_run_id: uuid.UUID) -> PlanRun:
    found = await session.get(PlanRun, plan_run_id, with_for_update=True, populate_existing=True)
    if found is None:
        raise Conflict("The plan run was deleted.", code="plan_run_deleted")
    return found


@router.post("/api/plan-runs/{plan_run_id}/results", response_model=PlanRunCaseOut)
async def record_result(
    plan_run_id: uuid.UUID,
    body: ManualResult,
    user: CurrentUser,
    database: DatabaseDep,
    session: SessionDep,
) -> PlanRunCaseOut:
    """A manual result for one case of the plan run (it becomes the case's latest)."""
    await object_for(database, user, PlanRun, plan_run_id, Role.MEMBER)
    plan_run = await _plan_run(session, plan_run_id)
    await plans.record_result(
        session,
        plan_run,
        case_id=body.case_id,
        status=body.status,
        comment=body.comment,
        time_spent_seconds=body.time_spent_seconds,
        user_id=user.id,
    )
    detail = await plans.detail(session, plan_run)
    return next(c for c in detail.cases if c.case_id == body.case_id)


@router.get(
    "/api/plan-runs/{plan_run_id}/cases/{case_id}/results",
    response_model=list[PlanRunResultOut],
)
async def plan_run_case_results(
    plan_run_id: uuid.UUID,
    case_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: ReadSessionDep,
) -> list[PlanRunResultOut]:
    """Every result recorded for the case in this plan run, manual and automated."""
    plan_run, _ = await object_for(database, user, PlanRun, plan_run_id, Role.VIEWER)
    found = await plans.results_of(session, plan_run, case_id)
    return [PlanRunResultOut.model_validate(r) for r in found]


@router.post("/api/plan-runs/{plan_run_id}/assign", response_model=PlanRunDetail)
async def assign_cases(
    plan_run_id: uuid.UUID,
    body: Assign,
    user: CurrentUser,
    database: DatabaseDep,
    session: SessionDep,
) -> PlanRunDetail:
    _, project = await object_for(database, user, PlanRun, plan_run_id, Role.MEMBER)
    plan_run = await _plan_run(session, plan_run_id)
    await plans.assign(session, project, plan_run, body.case_ids, body.assignee_id)
    return await plans.detail(session, plan_run)


@router.post("/api/plan-runs/{plan_run_id}/close", response_model=PlanRunOut)
async def close_plan_run(
    plan_run_id: uuid.UUID, user: CurrentUser, database: DatabaseDep, session: SessionDep
) -> PlanRunOut:
    await object_for(database, user, PlanRun, plan_run_id, Role.MEMBER)
    plan_run = await plans.close(session, await _plan_run(session, plan_run_id))
    return (await plans.summaries(session, [plan_run]))[0]
