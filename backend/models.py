"""Imports every domain's tables so ``Base.metadata`` is complete (Alembic, tests)."""

from backend.analytics import models as analytics_models
from backend.auth import models as auth_models
from backend.cache import models as cache_models
from backend.cases import models as cases_models
from backend.db.base import Base
from backend.defects import models as defects_models
from backend.email import models as email_models
from backend.envvars import models as envvars_models
from backend.github import models as github_models
from backend.milestones import models as milestones_models
from backend.orgs import models as orgs_models
from backend.projects import models as projects_models
from backend.reports import models as reports_models
from backend.repositories import github_installations
from backend.repositories import models as repositories_models
from backend.runs import models as runs_models
from backend.workflows import models as workflows_models

__all__ = [
    "Base",
    "analytics_models",
    "auth_models",
    "cache_models",
    "cases_models",
    "defects_models",
    "email_models",
    "envvars_models",
    "github_installations",
    "github_models",
    "milestones_models",
    "orgs_models",
    "projects_models",
    "reports_models",
    "repositories_models",
    "runs_models",
    "workflows_models",
]
