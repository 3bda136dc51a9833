"""Organisation logic: creation, members and roles, invitations. Never commits.

Role rules, in one place:
* admins and owners manage members and invitations;
* only owners grant, take away or invite the ``owner`` role, and only owners remove owners;
* an organisation always keeps at least one owner;
* anyone may leave (remove themselves), except its last owner.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.audit import AuditTrail
from backend.auth.models import AuditLog, User
from backend.auth.security import hash_token, new_token, token_matches
from backend.config import Settings
from backend.email.sender import Mailer
from backend.email.templates import EmailTemplate
from backend.kit.errors import BadRequest, Conflict, Forbidden, NotFound
from backend.kit.time import utcnow
from backend.orgs.models import Invitation, Membership, Organization, Role


def _slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "org"
    return f"{slug}-{secrets.token_hex(3)}"


async def create_organization(
    session: AsyncSession, owner: User, name: str, *, personal: bool = False
) -> Organization:
    org = Organization(
        id=uuid.uuid4(),
        name=name.strip(),
        slug=_slugify(name),
        personal=personal,
        created_by_id=owner.id,
    )
    session.add(org)
    await session.flush()  # the membership's foreign key needs the row
    session.add(Membership(org_id=org.id, user_id=owner.id, role=Role.OWNER.value))
    await session.flush()
    return org


async def create_personal_organization(session: AsyncSession, user: User) -> Organization:
    """Every account starts with an organisation of its own, so it can work at once."""
    who = user.full_name or user.email.split("@", 1)[0]
    return await create_organization(session, user, f"{who}'s organisation", personal=True)


async def on_account_created(session: AsyncSession, user: User) -> dict[str, str]:
    """The account hook (``backend.auth.hooks``, registered by ``create_app``): a new
    account's personal organisation, named in the registration's audit record."""
    org = await create_personal_organization(session, user)
    return {"org_id": str(org.id)}


@dataclass(frozen=True)
class OrgWithRole:
    org: Organization
    role: Role


async def list_organizations(session: AsyncSession, user_id: uuid.UUID) -> list[OrgWithRole]:
    rows = await session.execute(
        select(Organization, Membership.role)
        .join(Membership, Membership.org_id == Organization.id)
        .where(Membership.user_id == user_id)
        .order_by(Organization.created_at)
    )
    return [OrgWithRole(org=org, role=Role(role)) for org, role in rows.all()]


async def find_membership(
    session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[Organization, Membership] | None:
    row = (
        await session.execute(
            select(Organization, Membership)
            .join(Membership, Membership.org_id == Organization.id)
            .where(Organization.id == org_id, Membership.user_id == user_id)
        )
    ).one_or_none()
    return (row[0], row[1]) if row is not None else None


@dataclass(frozen=True)
class MemberRow:
    membership: Membership
    user: User


async def list_members(session: AsyncSession, org_id: uuid.UUID) -> list[MemberRow]:
    rows = await session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.org_id == org_id)
        .order_by(Membership.created_at)
    )
    return [MemberRow(membership=m, user=u) for m, u in rows.all()]


async def _member(session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID) -> Membership:
    membership = await session.scalar(
        select(Membership).where(Membership.org_id == org_id, Membership.user_id == user_id)
    )
    if membership is None:
        raise NotFound("No such member in this organisation.")
    return membership


async def _owner_count(session: AsyncSession, org_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.org_id == org_id, Membership.role == Role.OWNER.value)
    )
    return int(count or 0)


def _require_owner_for(actor: Role, *roles: Role) -> None:
    if Role.OWNER in roles and actor != Role.OWNER:
        raise Forbidden("Only an owner can grant, change or remove the owner role.")


async def change_role(
    session: AsyncSession,
    audit: AuditTrail,
    *,
    org: Organization,
    actor: Membership,
    user_id: uuid.UUID,
    role: Role,
) -> Membership:
    target = await _member(session, org.id, user_id)
    _require_owner_for(actor.role_enum, target.role_enum, role)
    demoting_owner = target.role_enum == Role.OWNER and role != Role.OWNER
    if demoting_owner and await _owner_count(session, org.id) <= 1:
        raise Conflict(
            "The organisation must keep at least one owner; make someone else owner first.",
            code="last_owner",
        )
    previous = target.role
    target.role = role.value
    audit.record(
        "org.member_role_change",
        user_id=actor.user_id,
        org_id=org.id,
        details={"member_id": str(user_id), "from": previous, "to": role.value},
    )
    return target


async def remove_member(
    session: AsyncSession,
    audit: AuditTrail,
    *,
    org: Organization,
    actor: Membership,
    user_id: uuid.UUID,
) -> None:
    target = await _member(session, org.id, user_id)
    leaving = target.user_id == actor.user_id
    if not leaving:
        if not actor.role_enum.at_least(Role.ADMIN):
            raise Forbidden("Only admins and owners can remove members.", code="insufficient_role")
        _require_owner_for(actor.role_enum, target.role_enum)
    if target.role_enum == Role.OWNER and await _owner_count(session, org.id) <= 1:
        raise Conflict(
            "The organisation must keep at least one owner; make someone else owner first.",
            code="last_owner",
        )
    await session.delete(target)
    audit.record(
        "org.member_remove",
        user_id=actor.user_id,
        org_id=org.id,
        details={"member_id": str(user_id), "left": leaving},
    )


# --- invitations -------------------------------------------------------------------------


async def invite(
    session: AsyncSession,
    audit: AuditTrail,
    mailer: Mailer,
    settings: Settings,
    *,
    org: Organization,
    actor: Membership,
    inviter: User,
    email: str,
    role: Role,
) -> Invitation:
    _require_owner_for(actor.role_enum, role)
    existing_member = await session.scalar(
        select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.org_id == org.id, User.email == email)
    )
    if existing_member is not None:
        raise Conflict(
            "This person is already a member of the organisation.",
            code="already_member",
            details=[{"field": "email", "message": "already a member"}],
        )
    now = utcnow()
    # One open invitation per address: a new one replaces the pending ones.
    pending = await session.scalars(
        select(Invitation).where(
            Invitation.org_id == org.id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    )
    for old in pending:
        old.revoked_at = now
    token = new_token()
    invitation = Invitation(
        id=uuid.uuid4(),
        org_id=org.id,
        email=email,
        role=role.value,
        token_hash=hash_token(token),
        invited_by_id=inviter.id,
        created_at=now,
        expires_at=now + timedelta(days=settings.invitation_ttl_days),
    )
    session.add(invitation)
    link = f"{settings.public_url.rstrip('/')}/invitations/accept?token={token}"
    await mailer.send(
        session,
        to=email,
        template=EmailTemplate.INVITATION,
        context={
            "inviter": inviter.full_name or inviter.email,
            "org_name": org.name,
            "role": role.value,
            "link": link,
            "token": token,
            "email": email,
            "ttl_days": settings.invitation_ttl_days,
        },
    )
    audit.record(
        "org.invite",
        user_id=inviter.id,
        org_id=org.id,
        details={"email": email, "role": role.value, "invitation_id": str(invitation.id)},
    )
    return invitation


async def list_invitations(session: AsyncSession, org_id: uuid.UUID) -> list[Invitation]:
    rows = await session.scalars(
        select(Invitation).where(Invitation.org_id == org_id).order_by(Invitation.created_at.desc())
    )
    return list(rows.all())


async def revoke_invitation(
    session: AsyncSession,
    audit: AuditTrail,
    *,
    org: Organization,
    actor: Membership,
    invitation_id: uuid.UUID,
) -> Invitation:
    invitation = await session.get(Invitation, invitation_id)
    if invitation is None or invitation.org_id != org.id:
        raise NotFound("No such invitation.")
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was already accepted.", code="invitation_accepted")
    invitation.revoked_at = invitation.revoked_at or utcnow()
    audit.record(
        "org.invitation_revoke",
        user_id=actor.user_id,
        org_id=org.id,
        details={"invitation_id": str(invitation.id), "email": invitation.email},
    )
    return invitation


async def accept_invitation(
    session: AsyncSession, audit: AuditTrail, *, user: User, token: str
) -> tuple[Organization, Membership]:
    invitation = await session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    )
    if invitation is None or not token_matches(token, invitation.token_hash):
        audit.failure("org.invitation_accept", user_id=user.id, details={"reason": "unknown"})
        raise BadRequest("This invitation link is not valid.", code="invalid_token")
    status = invitation.status(utcnow())
    if status != "pending":
        audit.failure(
            "org.invitation_accept",
            user_id=user.id,
            org_id=invitation.org_id,
            details={"reason": status},
        )
        codes = {"accepted": "invitation_accepted", "revoked": "invitation_revoked"}
        raise BadRequest(
            f"This invitation is {status}; ask for a new one.",
            code=codes.get(status, "invitation_expired"),
        )
    if invitation.email != user.email:
        audit.failure(
            "org.invitation_accept",
            user_id=user.id,
            org_id=invitation.org_id,
            details={"reason": "email_mismatch"},
        )
        raise Forbidden(
            f"This invitation was sent to another e-mail address; sign in as that account "
            f"to accept it (you are signed in as {user.email}).",
            code="invitation_email_mismatch",
        )
    org = await session.get(Organization, invitation.org_id)
    if org is None:  # pragma: no cover - invitations are deleted with their organisation
        raise NotFound("This organisation no longer exists.")
    membership = await session.scalar(
        select(Membership).where(Membership.org_id == org.id, Membership.user_id == user.id)
    )
    if membership is None:
        membership = Membership(org_id=org.id, user_id=user.id, role=invitation.role)
        session.add(membership)
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    await session.flush()
    audit.record(
        "org.invitation_accept",
        user_id=user.id,
        org_id=org.id,
        details={"invitation_id": str(invitation.id), "role": membership.role},
    )
    return org, membership


# --- audit log ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    """What the audit log page asks for; every field optional."""

    action: str | None = None  # "repository.connect", or a family: "repository"
    actor: str | None = None  # an e-mail (the account's, or as typed for unknown ones)
    since: datetime | None = None
    until: datetime | None = None


async def audit_log(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    limit: int,
    before: uuid.UUID | None = None,
    where: AuditFilter | None = None,
) -> list[tuple[AuditLog, str | None]]:
    """This organisation's events, plus the account events (no organisation) of its current
    members, each with its actor's e-mail (None when nobody is known). Events another
    organisation recorded about a shared member stay private."""
    where = where or AuditFilter()
    member_ids = select(Membership.user_id).where(Membership.org_id == org_id)
    actor = func.coalesce(User.email, AuditLog.email)
    query = (
        select(AuditLog, actor)
        .outerjoin(User, User.id == AuditLog.user_id)
        .where(
            (AuditLog.org_id == org_id)
            | (AuditLog.org_id.is_(None) & AuditLog.user_id.in_(member_ids))
        )
        .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
        .limit(limit)
    )
    if where.action:
        family = where.action.rstrip(".")
        query = query.where(
            (AuditLog.action == family) | AuditLog.action.startswith(family + ".", autoescape=True)
        )
    if where.actor:
        query = query.where(func.lower(actor) == where.actor.strip().lower())
    if where.since is not None:
        query = query.where(AuditLog.created_at >= where.since)
    if where.until is not None:
        query = query.where(AuditLog.created_at < where.until)
    if before is not None:
        cursor = await session.get(AuditLog, before)
        if cursor is not None:
            query = query.where(AuditLog.created_at < cursor.created_at)
    return [(event, email) for event, email in (await session.execute(query)).all()]
