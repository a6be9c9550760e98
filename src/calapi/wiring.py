"""Registers each domain's job handlers with the job loop (used by app.py and the worker command)."""

from __future__ import annotations

from calapi.config import Settings


def register_job_handlers(settings: Settings) -> None:
    """Domains that produce background work (webhooks, workflows, calendars) register here."""
    from calapi.webhooks import delivery as webhook_delivery

    # events.dispatch (fan-out of every domain event to its webhook subscriptions) and webhooks.deliver
    webhook_delivery.register(settings)
