"""Team roles: who runs a team, and what a caller may do to one membership (every version's rule).

A team is run by its accepted ADMINs and OWNERs (``MANAGER_ROLES``) and by system admins;
``Actor`` answers that question for a caller, and ``teams_managed_by`` answers it in SQL.

Route guards decide who may call a membership route at all (v2's RolesGuard wants a team ADMIN;
v1 wants a team ADMIN/OWNER, or the member acting on their own membership). This module decides
what that caller may then do to a given membership, so that neither API version lets a team be
taken over or left without an owner:

- only a team OWNER (or a system admin) grants, changes or removes the OWNER role;
- nobody raises their own role, and nobody grants a role above their own;
- an ADMIN does not change or delete an OWNER's membership;
- a team keeps at least one accepted OWNER — for system admins too (they delete the team instead).

The first three are pure checks on the caller and the membership (``check_*``); the last needs
the team's other owners and is applied by ``calapi.teams.service`` with ``check_owner_remains``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, select

from calapi.core.errors import Forbidden
from calapi.teams.commands import MembershipChanges
from calapi.teams.models import Membership, MembershipRole

OWNER = MembershipRole.OWNER.value
MANAGER_ROLES = (MembershipRole.ADMIN.value, OWNER)  # the roles that run a team
_RANK = {MembershipRole.MEMBER.value: 0, MembershipRole.ADMIN.value: 1, OWNER: 2}

ONLY_OWNERS_GRANT_OWNER = "Only a team owner can grant the OWNER role."
ADMIN_CHANGES_OWNER_ROLE = "You can not change the role of an owner if you are an admin."
ADMIN_CHANGES_OWNER = "You can not change the membership of an owner if you are an admin."
ADMIN_DELETES_OWNER = "You don't have the appropriate role to delete this membership"
RAISES_OWN_ROLE = "You can not change yourself to a higher role."
ONLY_OWNER_ROLE = "You can not change the role of the only owner of a team."
ONLY_OWNER_REMOVED = "You can not remove the only owner of a team."


def _above_callers(role: str) -> str:
    return f"You can not grant the {role} role: it is above your own role in this team."


def accepted_role(membership: Membership | None) -> str | None:
    """The role a membership gives in its team: None until the invite is accepted."""
    return membership.role if membership is not None and membership.accepted else None


def rank_of(role: str) -> int:
    """MEMBER 0, ADMIN 1, OWNER 2."""
    return _RANK[role]


def teams_managed_by(user_id: int, team_ids: Sequence[int] | None = None) -> Select[int]:
    """A subquery: which of these teams (None: of all teams) the user runs (an accepted ADMIN or OWNER)."""
    query = select(Membership.team_id).where(
        Membership.user_id == user_id,
        Membership.accepted.is_(True),
        Membership.role.in_(MANAGER_ROLES),
    )
    return query if team_ids is None else query.where(Membership.team_id.in_(list(team_ids)))


@dataclass(frozen=True)
class Actor:
    """A caller as seen by one team."""

    user_id: int
    role: str | None  # the caller's accepted role in the team; None when not an accepted member
    system_admin: bool = False

    def rank(self) -> int:
        return _RANK.get(self.role or "", -1)

    @property
    def is_member(self) -> bool:
        """An accepted member of the team, or a system admin."""
        return self.system_admin or self.role is not None

    @property
    def manages(self) -> bool:
        """Runs the team: an accepted ADMIN or OWNER, or a system admin."""
        return self.system_admin or self.role in MANAGER_ROLES

    @property
    def owns(self) -> bool:
        """An accepted OWNER of the team, or a system admin."""
        return self.system_admin or self.role == OWNER


def check_grant(actor: Actor, role: str) -> None:
    """``actor`` creates (or invites to) a membership with ``role``."""
    if actor.system_admin:
        return
    if role == OWNER and actor.role != OWNER:
        raise Forbidden(ONLY_OWNERS_GRANT_OWNER)
    if _RANK[role] > actor.rank():
        raise Forbidden(_above_callers(role))


def check_update(actor: Actor, target: Membership, changes: MembershipChanges) -> None:
    """``actor`` applies ``changes`` to ``target``."""
    if actor.system_admin:
        return
    own = target.user_id == actor.user_id
    if target.role == OWNER and not own and actor.role != OWNER:
        raise Forbidden(ADMIN_CHANGES_OWNER_ROLE if changes.given("role") else ADMIN_CHANGES_OWNER)
    new_role = changes.role
    if new_role is None or new_role == target.role:
        return
    if own and _RANK[new_role] > actor.rank():
        raise Forbidden(RAISES_OWN_ROLE)
    check_grant(actor, new_role)


def check_delete(actor: Actor, target: Membership) -> None:
    """``actor`` deletes ``target`` (leaving a team is deleting one's own membership)."""
    if actor.system_admin or target.user_id == actor.user_id:
        return
    if target.role == OWNER and actor.role != OWNER:
        raise Forbidden(ADMIN_DELETES_OWNER)


def _demotes(changes: MembershipChanges) -> bool:
    return changes.role is not None and changes.role != OWNER


def loses_an_owner(target: Membership, changes: MembershipChanges | None) -> bool:
    """Whether this change (None: deletion) takes an accepted OWNER away from the team."""
    if not (target.accepted and target.role == OWNER):
        return False
    if changes is None:
        return True
    return _demotes(changes) or changes.accepted is False


def check_owner_remains(target: Membership, changes: MembershipChanges | None, accepted_owners: int) -> None:
    """Refuse a change that would leave the team with no accepted OWNER."""
    if accepted_owners <= 1 and loses_an_owner(target, changes):
        raise Forbidden(ONLY_OWNER_ROLE if changes is not None and _demotes(changes) else ONLY_OWNER_REMOVED)
