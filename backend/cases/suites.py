"""Suites of a project and their sections (a tree): create, rename, move a section under
another of the same suite (never under itself or its own descendants), delete."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cases.models import Section, Suite
from backend.cases.schemas import SectionOut, SuiteOut
from backend.kit.errors import Conflict, NotFound, Unprocessable


async def list_suites(session: AsyncSession, project_id: uuid.UUID) -> list[Suite]:
    rows = await session.scalars(
        select(Suite).where(Suite.project_id == project_id).order_by(Suite.name)
    )
    return list(rows)


async def get_suite(session: AsyncSession, suite_id: uuid.UUID) -> Suite:
    suite = await session.get(Suite, suite_id)
    if suite is None:
        raise NotFound("No such suite.")
    return suite


async def get_section(session: AsyncSession, section_id: uuid.UUID) -> Section:
    section = await session.get(Section, section_id)
    if section is None:
        raise NotFound("No such section.")
    return section


async def _check_name_free(
    session: AsyncSession, project_id: uuid.UUID, name: str, other_than: uuid.UUID | None = None
) -> None:
    found = await session.scalar(
        select(Suite.id).where(Suite.project_id == project_id, Suite.name == name)
    )
    if found is not None and found != other_than:
        raise Conflict(f"A suite named {name!r} already exists.", code="suite_exists")


async def create_suite(
    session: AsyncSession, project_id: uuid.UUID, *, name: str, description: str
) -> Suite:
    await _check_name_free(session, project_id, name)
    suite = Suite(id=uuid.uuid4(), project_id=project_id, name=name, description=description)
    session.add(suite)
    await session.flush()
    return suite


async def update_suite(
    session: AsyncSession, suite: Suite, *, name: str | None, description: str | None
) -> Suite:
    if name is not None and name.strip() != suite.name:
        await _check_name_free(session, suite.project_id, name.strip(), suite.id)
        suite.name = name.strip()
    if description is not None:
        suite.description = description
    await session.flush()
    return suite


async def sections_of(session: AsyncSession, suite_ids: list[uuid.UUID]) -> list[Section]:
    if not suite_ids:
        return []
    rows = await session.scalars(
        select(Section)
        .where(Section.suite_id.in_(suite_ids))
        .order_by(Section.position, Section.name)
    )
    return list(rows)


def tree(suite: Suite, sections: list[Section]) -> SuiteOut:
    nodes = {
        s.id: SectionOut(
            id=s.id, suite_id=s.suite_id, parent_id=s.parent_id, name=s.name, position=s.position
        )
        for s in sections
        if s.suite_id == suite.id
    }
    roots: list[SectionOut] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id else None
        (parent.children if parent is not None else roots).append(node)
    return SuiteOut(
        id=suite.id,
        project_id=suite.project_id,
        name=suite.name,
        description=suite.description,
        sections=roots,
        created_at=suite.created_at,
    )


async def _parent_in(
    session: AsyncSession, suite: Suite, parent_id: uuid.UUID | None
) -> Section | None:
    if parent_id is None:
        return None
    parent = await session.get(Section, parent_id)
    if parent is None or parent.suite_id != suite.id:
        raise Unprocessable(
            "The parent section is not in this suite.",
            details=[{"field": "parent_id", "message": "not a section of this suite"}],
        )
    return parent


async def create_section(
    session: AsyncSession, suite: Suite, *, name: str, parent_id: uuid.UUID | None, position: int
) -> Section:
    await _parent_in(session, suite, parent_id)
    section = Section(
        id=uuid.uuid4(), suite_id=suite.id, parent_id=parent_id, name=name, position=position
    )
    session.add(section)
    await session.flush()
    return section


async def descendants(session: AsyncSession, section: Section) -> set[uuid.UUID]:
    """The section and every section under it."""
    sections = await sections_of(session, [section.suite_id])
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for s in sections:
        children.setdefault(s.parent_id, []).append(s.id)
    found, todo = {section.id}, [section.id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


async def update_section(
    session: AsyncSession,
    section: Section,
    *,
    name: str | None,
    parent_id: uuid.UUID | None,
    top: bool,
    position: int | None,
) -> Section:
    if name is not None:
        section.name = name.strip()
    if top:
        section.parent_id = None
    elif parent_id is not None:
        suite = await get_suite(session, section.suite_id)
        await _parent_in(session, suite, parent_id)
        if parent_id in await descendants(session, section):
            raise Unprocessable(
                "A section cannot move under itself or one of its own sections.",
                details=[{"field": "parent_id", "message": "would make a cycle"}],
            )
        section.parent_id = parent_id
    if position is not None:
        section.position = position
    await session.flush()
    return section
