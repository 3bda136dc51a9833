"""``/api/orgs``: organisations, members, invitations and the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from backend.auth.audit import AuditedSessionDep, AuditTrailDep
from backend.auth.deps import CurrentUser
from backend.auth.models import User
from backend.auth.schemas import AuditEventOut
from backend.db.deps import ReadSessionDep
from backend.email.sender import MailerDep
from backend.kit.errors import Unprocessable
from backend.kit.time import as_utc, utcnow
from backend.orgs import service
from backend.orgs.deps import OrgAdmin, OrgViewer
from backend.orgs.models import Invitation, Organization, Role
from backend.orgs.schemas import (
    AuditLogPage,
    InvitationAccept,
    InvitationCreate,
    InvitationOut,
    MemberOut,
    OrgCreate,
    OrgOut,
    RoleChange,
)

router = APIRouter(prefix="/api/orgs", tags=["orgs"])


def _invitation_out(invitation: Invitation) -> InvitationOut:
    return InvitationOut(
        id=invitation.id,
        org_id=invitation.org_id,
        email=invitation.email,
        role=Role(invitation.role),
        status=invitation.status(utcnow()),
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
    )


@router.post("", status_code=201, response_model=OrgOut)
async def create_org(
    body: OrgCreate, user: CurrentUser, session: AuditedSessionDep, audit: AuditTrailDep
) -> OrgOut:
    org = await service.create_organization(session, user, body.name)
    audit.record("org.create", user_id=user.id, org_id=org.id, details={"name": org.name})
    return OrgOut(**_org_fields(org), role=Role.OWNER)


def _org_fields(org: Organization) -> dict[str, object]:
    return {
        "id": org.id,
        "name": org.name,
        "slug": org.slug,
        "personal": org.personal,
        "created_at": org.created_at,
    }


@router.get("", response_model=list[OrgOut])
async def list_orgs(user: CurrentUser, session: ReadSessionDep) -> list[OrgOut]:
    """The organisations you belong to, with your role in each."""
    rows = await service.list_organizations(session, user.id)
    return [OrgOut(**_org_fields(r.org), role=r.role) for r in rows]


@router.get("/{org_id}", response_model=OrgOut)
async def get_org(access: OrgViewer) -> OrgOut:
    return OrgOut(**_org_fields(access.org), role=access.role)


@router.get("/{org_id}/members", response_model=list[MemberOut])
async def list_members(access: OrgViewer, session: ReadSessionDep) -> list[MemberOut]:
    rows = await service.list_members(session, access.org.id)
    return [
        MemberOut(
            user_id=r.user.id,
            email=r.user.email,
            full_name=r.user.full_name,
            role=Role(r.membership.role),
            joined_at=r.membership.created_at,
        )
        for r in rows
    ]


@router.patch("/{org_id}/members/{user_id}", response_model=MemberOut)
async def change_member_role(
    user_id: uuid.UUID,
    body: RoleChange,
    access: OrgAdmin,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> MemberOut:
    """Admins and owners; only owners touch the owner role; the last owner stays owner."""
    membership = await service.change_role(
        session, audit, org=access.org, actor=access.membership, user_id=user_id, role=body.role
    )
    user = await session.get(User, membership.user_id)
    assert user is not None
    return MemberOut(
        user_id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=Role(membership.role),
        joined_at=membership.created_at,
    )


@router.delete("/{org_id}/members/{user_id}", status_code=204)
async def remove_member(
    user_id: uuid.UUID, access: OrgViewer, session: AuditedSessionDep, audit: AuditTrailDep
) -> Response:
    """Admins and owners remove others; anyone may remove themselves (leave)."""
    await service.remove_member(
        session, audit, org=access.org, actor=access.membership, user_id=user_id
    )
    return Response(status_code=204)


@router.post("/{org_id}/invitations", status_code=201, response_model=InvitationOut)
async def create_invitation(
    body: InvitationCreate,
    access: OrgAdmin,
    user: CurrentUser,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
    mailer: MailerDep,
    request: Request,
) -> InvitationOut:
    """E-mails an invitation link, valid ``TESTABLE_INVITATION_TTL_DAYS`` days."""
    invitation = await service.invite(
        session,
        audit,
        mailer,
        request.app.state.settings,
        org=access.org,
        actor=access.membership,
        inviter=user,
        email=body.email,
        role=body.role,
    )
    return _invitation_out(invitation)


@router.get("/{org_id}/invitations", response_model=list[InvitationOut])
async def list_invitations(access: OrgAdmin, session: ReadSessionDep) -> list[InvitationOut]:
    return [_invitation_out(i) for i in await service.list_invitations(session, access.org.id)]


@router.delete("/{org_id}/invitations/{invitation_id}", response_model=InvitationOut)
async def revoke_invitation(
    invitation_id: uuid.UUID, access: OrgAdmin, session: AuditedSessionDep, audit: AuditTrailDep
) -> InvitationOut:
    invitation = await service.revoke_invitation(
        session, audit, org=access.org, actor=access.membership, invitation_id=invitation_id
    )
    return _invitation_out(invitation)


@router.post("/invitations/accept", response_model=OrgOut)
async def accept_invitation(
    body: InvitationAccept, user: CurrentUser, session: AuditedSessionDep, audit: AuditTrailDep
) -> OrgOut:
    """Join the organisation of the invitation; you must be signed in as the invited e-mail."""
    org, membership = await service.accept_invitation(session, audit, user=user, token=body.token)
    return OrgOut(**_org_fields(org), role=Role(membership.role))


@router.get("/{org_id}/audit-log", response_model=AuditLogPage)
async def read_audit_log(
    access: OrgAdmin,
    session: ReadSessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[uuid.UUID | None, Query(description="Event id to page from.")] = None,
    action: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=r"^[a-z_]+(\.[a-z_]+)*\.?$",
            description='An action ("run.start") or a family of them ("run").',
        ),
    ] = None,
    actor: Annotated[
        str | None, Query(min_length=1, max_length=320, description="The actor's e-mail.")
    ] = None,
    since: Annotated[datetime | None, Query(description="Events at or after this time.")] = None,
    until: Annotated[datetime | None, Query(description="Events before this time.")] = None,
) -> AuditLogPage:
    """Admins and owners: this organisation's events and its members' account events
    (logins, password changes, ...), newest first, each with its actor; filtered by
    action (or family), actor and period. Successful token refreshes are not recorded
    (one per page load would drown everything else); failed ones are."""
    since, until = as_utc(since) if since else None, as_utc(until) if until else None
    if since is not None and until is not None and since >= until:
        raise Unprocessable(
            "until: must be after since",
            details=[{"field": "until", "message": "must be after since"}],
        )
    where = service.AuditFilter(action=action, actor=actor, since=since, until=until)
    events = await service.audit_log(
        session, access.org.id, limit=limit, before=before, where=where
    )
    items = [
        AuditEventOut.model_validate(event).model_copy(update={"actor": email})
        for event, email in events
    ]
    return AuditLogPage(items=items, next_before=items[-1].id if len(items) == limit else None)
