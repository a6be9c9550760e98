"""The input limits are validated settings: a bad value stops the server at start, naming the variable."""

from __future__ import annotations

import pytest

from calapi.config import SettingsError, load_settings


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"booking_max_guests": 0}, "CALAPI_BOOKING_MAX_GUESTS"),
        ({"booking_max_text_length": -1}, "CALAPI_BOOKING_MAX_TEXT_LENGTH"),
        ({"booking_max_name_length": 300}, "CALAPI_BOOKING_MAX_NAME_LENGTH"),  # wider than the name column
        ({"webhook_max_body_bytes": 0}, "CALAPI_WEBHOOK_MAX_BODY_BYTES"),
    ],
)
def test_a_bad_limit_is_refused_naming_the_variable(overrides, variable):
    with pytest.raises(SettingsError, match=variable):
        load_settings(**overrides)


def test_the_defaults_load():
    settings = load_settings()
    assert (settings.booking_max_guests, settings.webhook_max_body_bytes) == (30, 262_144)
