"""What else happens when an account is created (its personal organisation).

``AuthService.register`` calls the hooks registered here and knows nothing of what they do:
``create_app`` registers the organisations' hook, so ``auth`` never imports ``orgs``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from backend.auth.models import User


class AccountCreated(Protocol):
    async def __call__(self, session: AsyncSession, user: User) -> dict[str, str]:
        """In the registering transaction, after the user row is flushed; returns details
        for the registration's audit record (e.g. ``{"org_id": ...}``)."""
        ...


_hooks: list[AccountCreated] = []


def register(hook: AccountCreated) -> None:
    """Idempotent: registering the same hook again changes nothing."""
    if not any(h is hook for h in _hooks):
        _hooks.append(hook)


async def account_created(session: AsyncSession, user: User) -> dict[str, str]:
    """Runs every hook; a failing hook fails the registration (its transaction rolls back)."""
    details: dict[str, str] = {}
    for hook in list(_hooks):
        details.update(await hook(session, user))
    return details
