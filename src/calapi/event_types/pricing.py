"""An event type's price: stored where Cal.com keeps it, ``metadata.apps.stripe``
(``{enabled, price, currency, paymentOption}``; ``price`` in the currency's minor units, ``currency``
lower-case ISO 4217). Every API version reads and writes it through here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from calapi.core.errors import BadRequest

STRIPE_APP = "stripe"
PAYMENT_OPTIONS = ("ON_BOOKING", "HOLD")
# Stripe's own ceiling for one charge in most currencies (999,999.99 in major units); anything
# larger is a typo, not a price.
MAX_AMOUNT = 99_999_999
DEFAULT_CURRENCY = "usd"

# ISO 4217 active codes (funds and precious-metal codes left out: nobody books with them).
ISO_4217 = frozenset(
    [
        "aed",
        "afn",
        "all",
        "amd",
        "ang",
        "aoa",
        "ars",
        "aud",
        "awg",
        "azn",
        "bam",
        "bbd",
        "bdt",
        "bgn",
        "bhd",
        "bif",
        "bmd",
        "bnd",
        "bob",
        "brl",
        "bsd",
        "btn",
        "bwp",
        "byn",
        "bzd",
        "cad",
        "cdf",
        "chf",
        "clp",
        "cny",
        "cop",
        "crc",
        "cuc",
        "cup",
        "cve",
        "czk",
        "djf",
        "dkk",
        "dop",
        "dzd",
        "egp",
        "ern",
        "etb",
        "eur",
        "fjd",
        "fkp",
        "gbp",
        "gel",
        "ghs",
        "gip",
        "gmd",
        "gnf",
        "gtq",
        "gyd",
        "hkd",
        "hnl",
        "htg",
        "huf",
        "idr",
        "ils",
        "inr",
        "iqd",
        "irr",
        "isk",
        "jmd",
        "jod",
        "jpy",
        "kes",
        "kgs",
        "khr",
        "kmf",
        "kpw",
        "krw",
        "kwd",
        "kyd",
        "kzt",
        "lak",
        "lbp",
        "lkr",
        "lrd",
        "lsl",
        "lyd",
        "mad",
        "mdl",
        "mga",
        "mkd",
        "mmk",
        "mnt",
        "mop",
        "mru",
        "mur",
        "mvr",
        "mwk",
        "mxn",
        "myr",
        "mzn",
        "nad",
        "ngn",
        "nio",
        "nok",
        "npr",
        "nzd",
        "omr",
        "pab",
        "pen",
        "pgk",
        "php",
        "pkr",
        "pln",
        "pyg",
        "qar",
        "ron",
        "rsd",
        "rub",
        "rwf",
        "sar",
        "sbd",
        "scr",
        "sdg",
        "sek",
        "sgd",
        "shp",
        "sle",
        "sll",
        "sos",
        "srd",
        "ssp",
        "stn",
        "svc",
        "syp",
        "szl",
        "thb",
        "tjs",
        "tmt",
        "tnd",
        "top",
        "try",
        "ttd",
        "twd",
        "tzs",
        "uah",
        "ugx",
        "usd",
        "uyu",
        "uzs",
        "ves",
        "vnd",
        "vuv",
        "wst",
        "xaf",
        "xcd",
        "xof",
        "xpf",
        "yer",
        "zar",
        "zmw",
        "zwl",
    ]
)


@dataclass(frozen=True)
class Price:
    """What booking the event type costs: ``amount`` in minor units of ``currency``."""

    amount: int
    currency: str
    payment_option: str = "ON_BOOKING"


def _stripe_app(metadata: dict[str, Any] | None) -> dict[str, Any] | None:
    apps = (metadata or {}).get("apps")
    app = apps.get(STRIPE_APP) if isinstance(apps, dict) else None
    return app if isinstance(app, dict) else None


def price_of(metadata: dict[str, Any] | None) -> Price | None:
    """The price of booking an event type with this metadata; None when it is free."""
    app = _stripe_app(metadata)
    if app is None or app.get("enabled") is False:
        return None
    amount = app.get("price")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        return None
    return Price(
        amount=amount,
        currency=str(app.get("currency") or DEFAULT_CURRENCY),
        payment_option=str(app.get("paymentOption") or "ON_BOOKING"),
    )


def shown_price(metadata: dict[str, Any] | None) -> tuple[int, str]:
    """``(price, currency)`` as the event type outputs show them (0 and "usd" when free)."""
    price = price_of(metadata)
    if price is not None:
        return price.amount, price.currency
    app = _stripe_app(metadata) or {}
    currency = app.get("currency")
    return 0, currency if isinstance(currency, str) and currency in ISO_4217 else DEFAULT_CURRENCY


def check_currency(value: object, *, field: str = "currency") -> str:
    if not isinstance(value, str) or value.lower() not in ISO_4217:
        raise BadRequest(
            f"{field}: expected a three-letter ISO 4217 currency code such as 'usd' or 'eur', got {value!r}"
        )
    return value.lower()


def check_amount(value: object, *, field: str = "price") -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise BadRequest(f"{field}: expected a whole number of the currency's minor units (cents), got {value!r}")
    if value < 0:
        raise BadRequest(f"{field}: a price cannot be negative, got {int(value)}")
    if value > MAX_AMOUNT:
        raise BadRequest(f"{field}: at most {MAX_AMOUNT} minor units, got {int(value)}")
    return int(value)


def checked_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """``metadata`` with its Stripe app (if any) validated and normalised; 400 naming the bad field."""
    apps = metadata.get("apps")
    if apps is None:
        return metadata
    if not isinstance(apps, dict):
        raise BadRequest("metadata.apps: expected an object of apps by name, such as {'stripe': {...}}")
    app = apps.get(STRIPE_APP)
    if app is None:
        return metadata
    if not isinstance(app, dict):
        raise BadRequest("metadata.apps.stripe: expected an object {enabled, price, currency, paymentOption}")
    unknown = set(app) - {"enabled", "price", "currency", "paymentOption", "appId", "credentialId"}
    if unknown:
        raise BadRequest(f"metadata.apps.stripe: unknown key(s) {', '.join(sorted(unknown))}")
    checked: dict[str, Any] = {
        "enabled": bool(app.get("enabled", True)),
        "price": check_amount(app.get("price", 0), field="metadata.apps.stripe.price"),
        "currency": check_currency(app.get("currency", DEFAULT_CURRENCY), field="metadata.apps.stripe.currency"),
        "paymentOption": app.get("paymentOption", "ON_BOOKING"),
    }
    if checked["paymentOption"] != "ON_BOOKING":
        raise BadRequest(
            "metadata.apps.stripe.paymentOption: only ON_BOOKING (charge when booking) is supported; "
            f"got {checked['paymentOption']!r}"
        )
    return {**metadata, "apps": {**apps, STRIPE_APP: checked}}


def with_price(metadata: dict[str, Any] | None, *, amount: int | None, currency: str | None) -> dict[str, Any]:
    """``metadata`` with the price and/or currency changed (API v1's ``price`` and ``currency``)."""
    metadata = dict(metadata or {})
    apps = dict(metadata.get("apps") or {})
    app = dict(apps.get(STRIPE_APP) or {"enabled": True, "price": 0, "currency": DEFAULT_CURRENCY})
    if amount is not None:
        app["price"] = check_amount(amount)
        app["enabled"] = app["price"] > 0
    if currency is not None:
        app["currency"] = check_currency(currency)
    apps[STRIPE_APP] = app
    metadata["apps"] = apps
    return checked_metadata(metadata)
