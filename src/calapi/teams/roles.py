"""What a caller may do to one team membership: the single rule behind v1 and v2 memberships.

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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from calapi.core.errors import Forbidden
from calapi.teams.models import Membership, MembershipRole

OWNER = MembershipRole.OWNER.value
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


@dataclass(frozen=True)
class Actor:
    """Who acts on a team's memberships, as these rules see them."""

    user_id: int
    role: str | None  # the caller's accepted role in the team; None when not an accepted member
    system_admin: bool = False

    def rank(self) -> int:
        return _RANK.get(self.role or "", -1)


def check_grant(actor: Actor, role: str) -> None:
    """``actor`` creates (or invites to) a membership with ``role``."""
    if actor.system_admin:
        return
    if role == OWNER and actor.role != OWNER:
        raise Forbidden(ONLY_OWNERS_GRANT_OWNER)
    if _RANK[role] > actor.rank():
        raise Forbidden(_above_callers(role))


def check_update(actor: Actor, target: Membership, fields: Mapping[str, Any]) -> None:
    """``actor`` applies ``fields`` (``role``, ``accepted``, ``disableImpersonation``) to ``target``."""
    if actor.system_admin:
        return
    own = target.user_id == actor.user_id
    if target.role == OWNER and not own and actor.role != OWNER:
        raise Forbidden(ADMIN_CHANGES_OWNER_ROLE if "role" in fields else ADMIN_CHANGES_OWNER)
    new_role = fields.get("role")
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


def loses_an_owner(target: Membership, fields: Mapping[str, Any] | None) -> bool:
    """Whether this change (``fields``; None: deletion) takes an accepted OWNER away from the team."""
    if not (target.accepted and target.role == OWNER):
        return False
    if fields is None:
        return True
    return fields.get("role", OWNER) != OWNER or fields.get("accepted", True) is False


def check_owner_remains(target: Membership, fields: Mapping[str, Any] | None, accepted_owners: int) -> None:
    """Refuse a change that would leave the team with no accepted OWNER."""
    if accepted_owners <= 1 and loses_an_owner(target, fields):
        raise Forbidden(ONLY_OWNER_ROLE if fields is not None and "role" in fields and fields["role"] != OWNER else ONLY_OWNER_REMOVED)
