"""Request and response shapes of the cases api (cases, suites, sections, custom fields,
saved filters, CSV import, plans and plan runs)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.kit.text import Name

Priority = Literal["low", "medium", "high", "critical"]
CaseType = Literal[
    "functional",
    "regression",
    "smoke",
    "acceptance",
    "security",
    "performance",
    "usability",
    "other",
]
CaseStatus = Literal["draft", "ready", "deprecated"]
Automation = Literal["manual", "automated", "to_automate"]
FieldKind = Literal["text", "number", "select", "multi_select", "user", "date"]
ResultStatus = Literal["passed", "failed", "blocked", "skipped", "retest"]

PRIORITIES: tuple[str, ...] = ("low", "medium", "high", "critical")
TYPES: tuple[str, ...] = (
    "functional",
    "regression",
    "smoke",
    "acceptance",
    "security",
    "performance",
    "usability",
    "other",
)
STATUSES: tuple[str, ...] = ("draft", "ready", "deprecated")
AUTOMATIONS: tuple[str, ...] = ("manual", "automated", "to_automate")
RESULT_STATUSES: tuple[str, ...] = ("passed", "failed", "blocked", "skipped", "retest")

Title = Annotated[Name, Field(min_length=1, max_length=500)]
Tag = Annotated[Name, Field(min_length=1, max_length=100)]
LongText = Annotated[str, Field(max_length=20_000)]


def _strip_title(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: LongText = Field(min_length=1)
    expected: LongText = ""


class Reference(BaseModel):
    """A requirement or story: its id (``PROJ-12``, ``#42``) and a link."""

    model_config = ConfigDict(extra="forbid")

    id: Name = Field(min_length=1, max_length=200)
    url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://\S+$")


class CaseFields(BaseModel):
    """What a person edits on a case (every field optional: a change names only some)."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    preconditions: LongText | None = None
    steps: list[Step] | None = Field(default=None, max_length=200)
    priority: Priority | None = None
    type: CaseType | None = None
    status: CaseStatus | None = None
    owner_id: uuid.UUID | None = None
    tags: list[Tag] | None = Field(default=None, max_length=50)
    feature: Name | None = Field(default=None, max_length=200)
    references: list[Reference] | None = Field(default=None, max_length=50)
    automation: Automation | None = None
    suite_id: uuid.UUID | None = None
    section_id: uuid.UUID | None = None
    # Custom field values by the field's name or id; null clears a value.
    custom: dict[str, Any] | None = Field(default=None, max_length=100)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        return None if value is None else _strip_title(value)


class CaseCreate(CaseFields):
    title: Title


class CaseUpdate(CaseFields):
    pass


class CaseOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    key: str
    number: int
    title: str
    preconditions: str
    steps: list[dict[str, Any]]
    priority: str
    type: str
    status: str
    owner_id: uuid.UUID | None
    tags: list[str]
    feature: str | None
    references: list[dict[str, Any]]
    automation: str
    suite_id: uuid.UUID | None
    section_id: uuid.UUID | None
    custom: dict[str, Any]  # field id -> value
    version: int
    merged_into_id: uuid.UUID | None
    linked_tests: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime


class CasePage(BaseModel):
    items: list[CaseOut]
    total: int


class CaseVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    document: dict[str, Any]
    diff: list[dict[str, Any]]
    changed_by_id: uuid.UUID | None
    changed_at: datetime


class LinkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    node_id: str
    file: str | None
    source: str
    created_at: datetime
    last_seen_at: datetime


class CaseResultOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    run_id: uuid.UUID
    run_test_id: uuid.UUID
    node_id: str
    outcome: str
    created_at: datetime


class CaseHistory(BaseModel):
    links: list[LinkOut]
    results: list[CaseResultOut]


class BulkChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")

    priority: Priority | None = None
    type: CaseType | None = None
    status: CaseStatus | None = None
    automation: Automation | None = None
    owner_id: uuid.UUID | None = None
    feature: Name | None = Field(default=None, max_length=200)
    add_tags: list[Tag] = Field(default_factory=list, max_length=50)
    remove_tags: list[Tag] = Field(default_factory=list, max_length=50)


class BulkEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)
    changes: BulkChanges


class MoveCases(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)
    suite_id: uuid.UUID | None = None
    section_id: uuid.UUID | None = None
    copy_cases: bool = Field(default=False, alias="copy")


class MergeCases(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_id: uuid.UUID
    source_ids: list[uuid.UUID] = Field(min_length=1, max_length=100)


class BulkResult(BaseModel):
    cases: list[CaseOut]


class CaseSettingsOut(BaseModel):
    auto_create: bool
    next_key: str


class CaseSettingsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    auto_create: bool


# --------------------------------------------------------------------------- suites


class SuiteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Title
    description: LongText = ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _strip_title(value)


class SuiteUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Title | None = None
    description: LongText | None = None


class SectionOut(BaseModel):
    id: uuid.UUID
    suite_id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    position: int
    children: list[SectionOut] = Field(default_factory=list)


class SuiteOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    description: str
    sections: list[SectionOut] = Field(default_factory=list)
    created_at: datetime


class SectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Title
    parent_id: uuid.UUID | None = None
    position: int = Field(default=0, ge=0, le=100_000)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _strip_title(value)


class SectionUpdate(BaseModel):
    """``parent_id``: move the section under another of the same suite; ``top: true`` moves
    it to the top level."""

    model_config = ConfigDict(extra="forbid")

    name: Title | None = None
    parent_id: uuid.UUID | None = None
    top: bool = False
    position: int | None = Field(default=None, ge=0, le=100_000)


# --------------------------------------------------------------------------- custom fields


class FieldCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(min_length=1, max_length=100)
    kind: FieldKind
    options: list[Tag] = Field(default_factory=list, max_length=200)
    required: bool = False
    position: int = Field(default=0, ge=0, le=100_000)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _strip_title(value)


class FieldUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = Field(default=None, min_length=1, max_length=100)
    options: list[Tag] | None = Field(default=None, max_length=200)
    required: bool | None = None
    position: int | None = Field(default=None, ge=0, le=100_000)


class FieldOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    kind: str
    options: list[str]
    required: bool
    position: int


# --------------------------------------------------------------------------- filters


class CaseQuery(BaseModel):
    """A search over a project's cases (the list's query parameters; a saved filter)."""

    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(default=None, max_length=200)
    suite_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    section_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    priority: list[Priority] = Field(default_factory=list)
    type: list[CaseType] = Field(default_factory=list)
    status: list[CaseStatus] = Field(default_factory=list)
    automation: list[Automation] = Field(default_factory=list)
    owner_id: uuid.UUID | None = None
    feature: str | None = Field(default=None, max_length=200)


class FilterCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Title
    query: CaseQuery


class FilterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    query: dict[str, Any]
    created_at: datetime


# --------------------------------------------------------------------------- CSV


class CaseImportBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    csv: str = Field(min_length=1, max_length=5_000_000)
    dry_run: bool = Field(default=False, description="Only preview: nothing is stored.")


class CaseImportProblem(BaseModel):
    line: int
    column: str | None
    message: str


class CaseImportRow(BaseModel):
    line: int
    key: str | None  # an existing case the row updates; None: a new case
    title: str
    action: Literal["create", "update"]


class CaseImportResult(BaseModel):
    dry_run: bool
    created: int
    updated: int
    rows: list[CaseImportRow]
    problems: list[CaseImportProblem]
    ignored_columns: list[str] = Field(default_factory=list)  # headers that map to nothing


# --------------------------------------------------------------------------- plans


class PlanSelection(BaseModel):
    """Which cases a plan takes: the listed ones plus those matching the suites, sections
    and tags (all of them) and the saved filter. Deprecated and merged cases never."""

    model_config = ConfigDict(extra="forbid")

    case_ids: list[uuid.UUID] = Field(default_factory=list, max_length=2000)
    suite_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    section_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    filter_id: uuid.UUID | None = None


class PlanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Title
    description: LongText = ""
    milestone_id: uuid.UUID | None = None
    selection: PlanSelection = Field(default_factory=PlanSelection)


class PlanUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Title | None = None
    description: LongText | None = None
    milestone_id: uuid.UUID | None = None
    selection: PlanSelection | None = None


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    description: str
    milestone_id: uuid.UUID | None
    selection: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class PlanRunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Title | None = None
    assignee_id: uuid.UUID | None = None


class PlanRunCaseOut(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    key: str
    title: str
    automation: str
    assignee_id: uuid.UUID | None
    status: str
    source: str | None
    comment: str
    time_spent_seconds: int | None
    run_id: uuid.UUID | None
    executed_by_id: uuid.UUID | None
    executed_at: datetime | None


class Progress(BaseModel):
    total: int = 0
    executed: int = 0
    untested: int = 0
    passed: int = 0
    failed: int = 0
    blocked: int = 0
    skipped: int = 0
    retest: int = 0


class AssigneeProgress(Progress):
    assignee_id: uuid.UUID | None


class PlanRunOut(BaseModel):
    id: uuid.UUID
    plan_id: uuid.UUID
    project_id: uuid.UUID
    name: str
    milestone_id: uuid.UUID | None
    status: str
    closed_at: datetime | None
    created_at: datetime
    progress: Progress
    by_assignee: list[AssigneeProgress]


class PlanRunDetail(PlanRunOut):
    cases: list[PlanRunCaseOut]


class ManualResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_id: uuid.UUID
    status: ResultStatus
    comment: LongText = ""
    time_spent_seconds: int | None = Field(default=None, ge=0, le=7 * 24 * 3600)


class Assign(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_ids: list[uuid.UUID] = Field(min_length=1, max_length=2000)
    assignee_id: uuid.UUID | None


class PlanRunResultOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: str
    source: str
    comment: str
    time_spent_seconds: int | None
    run_id: uuid.UUID | None
    recorded_by_id: uuid.UUID | None
    recorded_at: datetime
