"""Every case of the slot case file (tests/scheduling/data, from shared/reference): ours must equal `expected`
(where `calcom_0_0_360` is present, it records Cal.com's known-wrong answer)."""

from __future__ import annotations

import pytest

from calapi.scheduling import check_booking, list_slots

from .cases import as_case_output, load_cases, query_from

CASES = load_cases()


def test_case_file_has_71_cases() -> None:
    assert len(CASES) == 71
    assert len({c["id"] for c in CASES}) == 71


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict) -> None:
    query = query_from(case["input"])
    listing = list_slots(query)
    assert as_case_output(listing) == case["expected"]
    if "calcom_0_0_360" in case:
        assert as_case_output(listing) != case["calcom_0_0_360"]
    # Listing and booking agree: every listed slot with a free seat is bookable.
    for slot in listing.slots:
        check = check_booking(query.booking_request(slot.start))
        if slot.seats_remaining == 0:
            assert not check.ok and check.reason is not None and check.reason.value == "seats_full"
        else:
            assert check.ok, (slot, check)
