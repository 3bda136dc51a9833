"""A workflow's configuration (the seed's ``TestWorkflowConfig``): triggers, branch rules,
reporting destinations, environment and execution settings.

``parse_config`` is the one entry point: it validates a dict and answers a 422 whose
details name each bad field as a path (``triggers.schedule.cron``,
``reporting.destinations[1].settings.webhook_url``), never a 500.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from backend.execution.sandbox import outside_checkout
from backend.kit.errors import Unprocessable

if TYPE_CHECKING:
    from backend.workflows.models import Workflow

log = logging.getLogger(__name__)

PrAction = Literal["opened", "synchronize", "reopened", "ready_for_review"]
PR_ACTIONS: tuple[PrAction, ...] = ("opened", "synchronize", "reopened", "ready_for_review")

REGEX_PREFIX = "re:"
MIN_TIMEOUT_SECONDS = 60
CRON_ALIASES = ("@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually")
DEFAULT_MAX_TIMEOUT_SECONDS = 3 * 3600


class _Strict(BaseModel):
    # Unknown keys are a typo in the config, not something to drop silently.
    model_config = ConfigDict(extra="forbid")


class ScheduleConfig(_Strict):
    cron: str = Field(max_length=200)
    timezone: str = Field(default="UTC", max_length=64)

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        value = " ".join(value.split())
        if value in CRON_ALIASES:
            return value
        # Five fields only: seconds (a sixth field) would fire far more often than a beat ticks.
        if len(value.split(" ")) != 5 or not croniter.is_valid(value):
            raise ValueError(
                f"{value!r} is not a cron expression (five fields: minute hour day month "
                "weekday, or @hourly, @daily, @weekly, @monthly, @yearly)"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Paris)") from exc
        return value


class TriggerConfig(_Strict):
    push: bool = True
    pull_request: bool = True
    pr_actions: list[PrAction] = Field(default_factory=lambda: list(PR_ACTIONS))
    include_drafts: bool = False
    manual: bool = True
    schedule: ScheduleConfig | None = None
    skip_ci_markers: bool = True  # honour [skip ci] / [ci skip] in commit messages and PR titles
    required_labels: list[str] = Field(default_factory=list, max_length=50)
    # Cancel queued/running runs of the same workflow on the same PR or branch.
    cancel_superseded: bool = False


def check_pattern(pattern: str) -> str:
    """A glob, or ``re:<regex>``; the regex must compile."""
    if not pattern.strip():
        raise ValueError("a branch pattern must not be blank")
    if pattern.startswith(REGEX_PREFIX):
        try:
            re.compile(pattern[len(REGEX_PREFIX) :])
        except re.error as exc:
            raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}") from exc
    return pattern


# Validated one by one, so an error names its index (branches.exclude[2]).
BranchPattern = Annotated[str, Field(max_length=500), AfterValidator(check_pattern)]


class BranchConfig(_Strict):
    strategy: Literal["all", "list", "protected"] = "all"
    include: list[BranchPattern] = Field(default_factory=list, max_length=200)
    exclude: list[BranchPattern] = Field(default_factory=list, max_length=200)


class DestinationConfig(_Strict):
    type: str = Field(max_length=64)
    settings: dict[str, Any] = Field(default_factory=dict)


class ReportingConfig(_Strict):
    destinations: list[DestinationConfig] = Field(default_factory=list, max_length=20)


_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _check_variable_name(value: str) -> str:
    if not _ENV_NAME.match(value):
        raise ValueError(f"{value!r} is not an environment variable name")
    return value


VariableName = Annotated[str, Field(max_length=255), AfterValidator(_check_variable_name)]


class EnvironmentConfig(_Strict):
    name: str = Field(default="default", min_length=1, max_length=64)
    required: list[VariableName] = Field(default_factory=list, max_length=200)


class ExecutionConfig(_Strict):
    timeout: int = 1800
    parallel: bool = False
    max_workers: int = Field(default=2, ge=1, le=16)
    test_path: str | None = Field(default=None, max_length=500)
    markers: str | None = Field(default=None, max_length=500)
    keyword: str | None = Field(default=None, max_length=500)
    retries: int = Field(default=0, ge=0, le=5)
    cache: bool = True
    resolver: str = Field(default="local", max_length=64)

    @field_validator("timeout")
    @classmethod
    def _timeout(cls, value: int, info: ValidationInfo) -> int:
        context = info.context or {}
        maximum = int(context.get("max_timeout", DEFAULT_MAX_TIMEOUT_SECONDS))
        if not MIN_TIMEOUT_SECONDS <= value <= maximum:
            raise ValueError(f"must be between {MIN_TIMEOUT_SECONDS} and {maximum} seconds")
        return value

    @field_validator("test_path")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        if value is not None and value.startswith("-"):
            raise ValueError(f"{value!r} is an option, not a test path")
        if value is not None and (reason := outside_checkout(value)) is not None:
            raise ValueError(reason)
        return value


class WorkflowConfig(_Strict):
    triggers: TriggerConfig = Field(default_factory=TriggerConfig)
    branches: BranchConfig = Field(default_factory=BranchConfig)
    reporting: ReportingConfig = Field(default_factory=ReportingConfig)
    environment: EnvironmentConfig = Field(default_factory=EnvironmentConfig)
    execution: ExecutionConfig = Field(default_factory=ExecutionConfig)


# --------------------------------------------------------------------------- validation


def field_path(loc: Sequence[int | str], prefix: str = "") -> str:
    """``("reporting", "destinations", 1, "type")`` -> ``reporting.destinations[1].type``."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _details(error: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    details = []
    for item in error.errors():
        loc = [p for p in item["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        message = str(item["msg"]).removeprefix("Value error, ")
        details.append({"field": field_path(loc, prefix) or prefix or "config", "message": message})
    return details


# Reporters are plug-ins under this entry-point group (``backend.reports.registry`` loads
# the same ones as ``Reporter`` classes). A workflow reads only each one's
# ``settings_model`` through the group, so ``workflows`` does not import ``reports`` (the
# reporters import the workflow settings they validate).
REPORTERS_ENTRY_POINT_GROUP = "testable.reporters"


@lru_cache(maxsize=1)
def _settings_models() -> dict[str, type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    points = sorted(entry_points(group=REPORTERS_ENTRY_POINT_GROUP), key=lambda p: p.name)
    for point in points:
        try:
            reporter = point.load()
        except Exception as error:  # a missing or broken plug-in must not break the others
            log.warning("reporter %r (%s) cannot be loaded: %s", point.name, point.value, error)
            continue
        model = getattr(reporter, "settings_model", None)
        if isinstance(model, type) and issubclass(model, BaseModel):
            found[point.name] = model
    return found


def destination_types() -> dict[str, type[BaseModel] | None]:
    """Destination type -> its settings model, from the reporters installed as plug-ins."""
    return dict(_settings_models())


def _check_destinations(config: WorkflowConfig, prefix: str) -> list[dict[str, str]]:
    types = destination_types()
    details: list[dict[str, str]] = []
    for index, destination in enumerate(config.reporting.destinations):
        path = field_path(("reporting", "destinations", index), prefix)
        if destination.type not in types:
            known = ", ".join(sorted(types))
            details.append(
                {
                    "field": f"{path}.type",
                    "message": f"unknown destination {destination.type!r} (known: {known})",
                }
            )
            continue
        model = types[destination.type]
        if model is None:
            continue
        try:
            model.model_validate(destination.settings)
        except ValidationError as exc:
            details.extend(_details(exc, f"{path}.settings"))
    return details


def parse_config(
    data: Any, *, max_timeout: float = DEFAULT_MAX_TIMEOUT_SECONDS, prefix: str = ""
) -> WorkflowConfig:
    """A validated config, or ``Unprocessable`` naming every bad field."""
    try:
        config = WorkflowConfig.model_validate(data or {}, context={"max_timeout": max_timeout})
    except ValidationError as exc:
        details = _details(exc, prefix)
        raise _unprocessable(details) from None
    details = _check_destinations(config, prefix)
    if details:
        raise _unprocessable(details)
    return config


def _unprocessable(details: list[dict[str, str]]) -> Unprocessable:
    first = details[0]
    return Unprocessable(f"{first['field']}: {first['message']}", details=details)


def dump_config(config: WorkflowConfig) -> dict[str, Any]:
    return config.model_dump(mode="json")


def config_of(workflow: Workflow) -> WorkflowConfig:
    """The stored config (validated when saved; read leniently so an old row still loads)."""
    return WorkflowConfig.model_validate(workflow.config, context={"max_timeout": 10**9})
