from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from calapi.db import Base, UTCDateTime, utcnow


class SlotReservation(Base):
    """A hold on a slot for one host until ``release_at`` (Cal.com's SelectedSlots).

    Holds are per host: a round-robin reservation holds one host, not the whole slot.
    """

    __tablename__ = "slot_reservations"
    __table_args__ = (
        Index("ix_slot_reservations_user_id_slot_start", "user_id", "slot_start"),
        Index("ix_slot_reservations_event_type_id_slot_start", "event_type_id", "slot_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), index=True)
    event_type_id: Mapped[int] = mapped_column(ForeignKey("event_types.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime)
    slot_end: Mapped[datetime] = mapped_column(UTCDateTime)
    release_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    is_seat: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
