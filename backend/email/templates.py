"""E-mail templates: an HTML and a plain-text version of each, rendered with Jinja2."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


class EmailTemplate(StrEnum):
    VERIFICATION = "verification"
    RESET = "reset"
    INVITATION = "invitation"
    WELCOME = "welcome"


SUBJECTS: dict[EmailTemplate, str] = {
    EmailTemplate.VERIFICATION: "Confirm your e-mail address for TestAble",
    EmailTemplate.RESET: "Reset your TestAble password",
    EmailTemplate.INVITATION: "{inviter} invited you to {org_name} on TestAble",
    EmailTemplate.WELCOME: "Welcome to TestAble",
}

# HTML is escaped (names and org names are user input); the text version is not HTML.
_environment = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(enabled_extensions=("html",), default=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


def render_email(template: EmailTemplate, context: dict[str, Any]) -> RenderedEmail:
    subject = SUBJECTS[template].format(**context)
    values = {"subject": subject, **context}
    return RenderedEmail(
        subject=subject,
        html=_environment.get_template(f"{template.value}.html").render(values),
        text=_environment.get_template(f"{template.value}.txt").render(values),
    )
