"""Sending e-mail without ever blocking or failing the request that asked for it.

``Mailer.send`` renders the message and records it in ``email_outbox`` inside the request's
transaction. Then:

* without ``TESTABLE_RESEND_API_KEY`` the row stays in the outbox (status ``outbox``) and a
  log line says so: every flow works offline and ``GET /api/outbox`` shows the links;
* with a key, the row is ``queued`` and a background task, run after the response has been
  sent (and so after the commit), hands it to Resend through the official ``resend``
  client and records ``sent`` or ``failed``. A Resend outage costs a log line and a
  ``failed`` row, never the user's request.

Usage in an endpoint: take ``mailer: MailerDep`` and pass it to the service, which calls
``await mailer.send(session, to=..., template=EmailTemplate.WELCOME, context={...})``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import resend
from fastapi import BackgroundTasks, Depends, Request
from loguru import logger
from resend.http_client_httpx import HTTPXClient
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db import Database
from backend.email.models import EmailStatus, OutboxMessage
from backend.email.templates import EmailTemplate, render_email
from backend.kit.time import utcnow

RESEND_TIMEOUT_SECONDS = 10
_resend_http_client = HTTPXClient(timeout=RESEND_TIMEOUT_SECONDS)


def _configure_resend(settings: Settings) -> None:
    # The resend package is configured through module globals; ``api_url`` is its
    # documented override of https://api.resend.com (also read from RESEND_API_URL).
    assert settings.resend_api_key is not None
    resend.api_key = settings.resend_api_key.get_secret_value()
    if settings.resend_base_url:
        resend.api_url = settings.resend_base_url.rstrip("/")
    resend.default_async_http_client = _resend_http_client


async def deliver(database: Database, settings: Settings, message_id: uuid.UUID) -> None:
    """Send one queued message through Resend and record the outcome. Never raises."""
    try:
        async with database.session() as session:
            message = await session.get(OutboxMessage, message_id)
            if message is None or message.status != EmailStatus.QUEUED:
                return  # the request rolled back, or someone else sent it
            message.attempts += 1
            params: resend.Emails.SendParams = {
                "from": message.from_email,
                "to": [message.to_email],
                "subject": message.subject,
                "html": message.html,
                "text": message.text,
            }
            try:
                _configure_resend(settings)
                response = await resend.Emails.send_async(params)
            except Exception as exc:  # any failure of the provider is recorded, not raised
                message.status = EmailStatus.FAILED
                message.error = f"{type(exc).__name__}: {exc}"[:2000]
                logger.warning(
                    "e-mail {} to {} failed through Resend: {}",
                    message.template,
                    message.to_email,
                    message.error,
                )
                return
            message.status = EmailStatus.SENT
            message.sent_at = utcnow()
            message.provider_message_id = str(response.get("id") or "") or None
            logger.info("e-mail {} sent to {} through Resend", message.template, message.to_email)
    except Exception:
        logger.exception("could not record the delivery of e-mail {}", message_id)


class Mailer:
    def __init__(self, settings: Settings, database: Database, background: BackgroundTasks):
        self.settings = settings
        self.database = database
        self.background = background

    @property
    def uses_resend(self) -> bool:
        return self.settings.resend_api_key is not None

    async def send(
        self,
        session: AsyncSession,
        *,
        to: str,
        template: EmailTemplate,
        context: dict[str, Any],
        user_id: uuid.UUID | None = None,
    ) -> OutboxMessage:
        rendered = render_email(template, {"public_url": self.settings.public_url, **context})
        message = OutboxMessage(
            id=uuid.uuid4(),
            to_email=to,
            from_email=self.settings.email_from,
            subject=rendered.subject,
            template=template.value,
            html=rendered.html,
            text=rendered.text,
            status=EmailStatus.QUEUED if self.uses_resend else EmailStatus.OUTBOX,
            user_id=user_id,
        )
        session.add(message)
        if self.uses_resend:
            self.background.add_task(deliver, self.database, self.settings, message.id)
        else:
            logger.info(
                "e-mail {} to {} kept in the local outbox (no TESTABLE_RESEND_API_KEY): {}",
                template.value,
                to,
                rendered.subject,
            )
        return message


def get_mailer(request: Request, background: BackgroundTasks) -> Mailer:
    return Mailer(request.app.state.settings, request.app.state.db, background)


MailerDep = Annotated[Mailer, Depends(get_mailer)]
