"""Legacy ``/v2/bookings`` (no ``cal-api-version``, or 2024-04-15 / 06-11 / 06-14; contract §2.6.13).

Cal.com serves its older internal contract on these versions (``BookingsController_2024_04_15``):
create takes the old internal body (``start``, ``end``, ``eventTypeId``, ``timeZone``,
``language``, ``metadata``, ``responses``) and answers the created booking (here API v1's booking
object, the same table row); the list is cursor-paged (``filters[status]``, ``limit``,
``cursor``) as ``{bookings, recurringInfo, totalCount, nextCursor}`` with Cal.com's list entries;
``GET /{uid}`` answers its booking-info object. Same services as 2024-08-13 (create, queries);
the bodies are built in ``legacy_output``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from calapi.bookings import create, queries
from calapi.bookings.api_v1.output import load_v1_bookings
from calapi.bookings.api_v1.wire import CreateBookingV1, to_new_booking
from calapi.bookings.api_v2.common import parse_body, read_json_object
from calapi.bookings.api_v2.legacy_output import load_booking_info, load_list_entries, recurring_info
from calapi.bookings.models import Booking
from calapi.bookings.queries import MAX_TAKE, BookingListQuery, StatusFilter
from calapi.core.auth import CurrentPrincipal, MaybePrincipal
from calapi.core.clock import Now
from calapi.core.envelopes import success
from calapi.core.errors import BadRequest, NotFound
from calapi.core.versioning import V2024_04_15, V2024_06_11, V2024_06_14, V2024_08_13, legacy_router
from calapi.core.wire import BOOKER_COOKIE
from calapi.db import SessionDep

router = legacy_router(
    [V2024_04_15, V2024_06_11, V2024_06_14], successor=V2024_08_13, prefix="/v2/bookings", tags=["Bookings (legacy)"]
)

DEFAULT_LIMIT = 10


@router.post("", status_code=201, operation_id="legacy_bookings_create")
async def create_booking(request: Request, session: SessionDep, principal: MaybePrincipal, now: Now) -> JSONResponse:
    body = parse_body(CreateBookingV1, await read_json_object(request))
    made = await create.create_booking(
        session, to_new_booking(body), now=now, viewer_user_id=principal.user_id if principal else None,
        booker_uid=request.cookies.get(BOOKER_COOKIE),
    )
    first = made.data[0] if isinstance(made.data, list) else made.data
    booking = await session.get(Booking, int(first["id"]))
    assert booking is not None  # just inserted in this transaction
    return JSONResponse(success((await load_v1_bookings(session, [booking]))[0]), status_code=201)


def _non_negative(name: str, raw: str | None, default: int) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise BadRequest(f"{name} property is wrong,{name} must be a non-negative integer ")
    return int(raw)


@router.get("", operation_id="legacy_bookings_list")
async def list_bookings(request: Request, session: SessionDep, principal: CurrentPrincipal, now: Now) -> JSONResponse:
    params = request.query_params
    status_text = params.get("filters[status]") or StatusFilter.upcoming.value
    try:
        status = StatusFilter(status_text)
    except ValueError:
        raise BadRequest("filters.status property is wrong,status must be one of: upcoming, recurring, past, cancelled, unconfirmed ") from None
    limit = min(_non_negative("limit", params.get("limit"), DEFAULT_LIMIT) or DEFAULT_LIMIT, MAX_TAKE)
    cursor = _non_negative("cursor", params.get("cursor"), 0)
    # No sort: the service orders one status as Cal.com does (past and cancelled newest first).
    query = BookingListQuery(statuses=(status,), take=limit, skip=cursor)
    page = await queries.list_bookings(
        session, query, viewer_user_id=principal.user_id, viewer_email=getattr(principal.profile, "email", None), now=now
    )
    data = {
        "bookings": await load_list_entries(session, page.bookings),
        "recurringInfo": await recurring_info(session, principal.user_id),
        "totalCount": page.pagination.total,
        # Cal.com: the next page starts one full page on, while the total goes beyond it.
        "nextCursor": cursor + limit if page.pagination.total > cursor + limit else None,
    }
    return JSONResponse(success(data))


@router.get("/{bookingUid}", operation_id="legacy_bookings_get")
async def get_booking(bookingUid: str, session: SessionDep) -> dict[str, Any]:
    # Anyone with the uid, as in Cal.com (and as GET /v2/bookings/{uid} on the current version).
    info = await load_booking_info(session, bookingUid)
    if info is None:
        raise NotFound(f"Booking with UID={bookingUid} does not exist.")
    return success(info)
