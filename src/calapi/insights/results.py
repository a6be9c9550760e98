"""What the insights service hands back: plain frozen data, no wire names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum

from calapi.insights.localtime import Bucket


class TimeStatus(IntEnum):
    """Where a booking stands (one of four, so that they add up to the bookings created).

    ``scheduled``: not cancelled, not yet ended (``GET /v2/bookings?status=upcoming,unconfirmed``);
    ``completed``: not cancelled, ended (``status=past``); ``cancelled``: cancelled or rejected and
    not replaced by a reschedule; ``rescheduled``: cancelled by a reschedule (``status=cancelled``
    lists both of the last two).
    """

    scheduled = 0
    completed = 1
    cancelled = 2
    rescheduled = 3


@dataclass(frozen=True)
class Tally:
    """The counts over one set of bookings (a period, a bucket, a host)."""

    scheduled: int = 0
    completed: int = 0
    cancelled: int = 0
    rescheduled: int = 0
    no_show_host: int = 0
    no_show_guests: int = 0
    rating_sum: int = 0
    rating_count: int = 0
    ratings_above_3: int = 0

    @property
    def created(self) -> int:
        return self.scheduled + self.completed + self.cancelled + self.rescheduled

    @property
    def average_rating(self) -> float:
        """Mean rating to one decimal, 0 without ratings (Cal.com's rule)."""
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else 0.0

    @property
    def csat(self) -> float:
        """Share of ratings above 3, in percent (0 without ratings)."""
        return self.ratings_above_3 * 100 / self.rating_count if self.rating_count else 0.0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            *(
                getattr(self, name) + getattr(other, name)
                for name in (
                    "scheduled",
                    "completed",
                    "cancelled",
                    "rescheduled",
                    "no_show_host",
                    "no_show_guests",
                    "rating_sum",
                    "rating_count",
                    "ratings_above_3",
                )
            )
        )


def percent_change(current: float, previous: float) -> float:
    """Percent change, 0 when equal or when there was nothing before (Cal.com's rule)."""
    if current == previous or previous == 0:
        return 0.0
    return round((current - previous) * 100 / previous, 2)


@dataclass(frozen=True)
class Metric:
    count: float
    delta_previous: float  # percent change against the previous range (0 when there is nothing to compare)


@dataclass(frozen=True)
class KpiStats:
    empty: bool
    created: Metric
    scheduled: Metric
    completed: Metric
    rescheduled: Metric
    cancelled: Metric
    no_show_host: Metric
    no_show_guests: Metric
    rating: Metric
    csat: Metric
    previous_first_day: date
    previous_last_day: date


@dataclass(frozen=True)
class Revenue:
    """Money over one set of bookings in one currency, in its minor units (cents)."""

    paid: int = 0  # payments that succeeded and were not refunded
    refunded: int = 0
    paid_bookings: int = 0  # bookings whose payment counts in ``paid``

    def __add__(self, other: Revenue) -> Revenue:
        return Revenue(self.paid + other.paid, self.refunded + other.refunded, self.paid_bookings + other.paid_bookings)


@dataclass(frozen=True)
class CurrencyRevenue:
    currency: str  # lower case, as the payment provider takes it
    current: Revenue
    previous: Revenue  # over the range of equal length just before


@dataclass(frozen=True)
class RevenuePoint:
    bucket: Bucket
    by_currency: tuple[tuple[str, Revenue], ...]  # every currency of the period, in ``RevenueStats`` order


@dataclass(frozen=True)
class RevenueStats:
    currencies: tuple[CurrencyRevenue, ...]  # by currency code
    previous_first_day: date
    previous_last_day: date
    series: tuple[RevenuePoint, ...]  # the period by local day, week, month or year


@dataclass(frozen=True)
class TrendPoint:
    bucket: Bucket
    tally: Tally


@dataclass(frozen=True)
class DurationPoint:
    bucket: Bucket
    average_minutes: float  # 0 when the bucket holds no meeting


@dataclass(frozen=True)
class Member:
    id: int
    username: str | None
    name: str | None
    email: str
    avatar_url: str | None


@dataclass(frozen=True)
class MemberCount:
    member: Member
    count: float  # a number of bookings, or an average rating


@dataclass(frozen=True)
class MemberStats:
    most_bookings: tuple[MemberCount, ...]
    least_bookings: tuple[MemberCount, ...]
    most_cancelled: tuple[MemberCount, ...]
    most_completed: tuple[MemberCount, ...]
    least_completed: tuple[MemberCount, ...]
    most_no_show: tuple[MemberCount, ...]
    highest_ratings: tuple[MemberCount, ...]
    lowest_ratings: tuple[MemberCount, ...]


@dataclass(frozen=True)
class BusiestTimes:
    """Bookings that take place (not cancelled) by their start in their host's zone."""

    by_weekday: tuple[int, ...]  # 7 counts, Sunday first
    by_hour: tuple[int, ...]  # 24 counts, 00:00 first
    by_weekday_hour: tuple[tuple[int, ...], ...]  # 7 × 24


@dataclass(frozen=True)
class LeadTime:
    """Time from booking to meeting (start − created), in minutes, over bookings not cancelled."""

    count: int
    average_minutes: float | None
    min_minutes: float | None
    max_minutes: float | None
    percentiles: tuple[tuple[int, float | None], ...]  # (50, minutes), (75, minutes) …, linearly interpolated


@dataclass(frozen=True)
class ExportRow:
    id: int
    uid: str
    title: str
    status: str
    time_status: TimeStatus
    event_type_id: int | None
    host_id: int
    host_email: str | None
    host_username: str | None
    start_time: datetime
    end_time: datetime
    created_at: datetime
    no_show_host: bool
    no_show_guests: int
    attendees: str | None
    rating: int | None
