"""The retention prunes find old rows through an index, not by reading every row of the logs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event, text

from calapi.db import utcnow
from calapi.webhooks.delivery import prune_log
from calapi.workflows.retention import prune_messages


async def _plans_of_prunes(app: Any) -> dict[str, str]:
    """Each statement the two prunes send, with SQLite's plan for it."""
    engine = app.state.engine
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", keep)
    try:
        async with app.state.sessionmaker() as session, session.begin():
            before = utcnow() - timedelta(days=30)
            await prune_log(session, before)
            await prune_messages(session, before)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", keep)
    plans: dict[str, str] = {}
    async with engine.connect() as conn:
        for statement, parameters in sent:
            rows = (await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)).all()
            plans[statement] = " | ".join(str(row[-1]) for row in rows)
    return plans


async def test_the_delivery_log_and_message_log_prunes_use_their_time_indexes(app):
    plans = await _plans_of_prunes(app)
    deliveries = [p for s, p in plans.items() if "FROM webhook_deliveries" in s]
    messages = [p for s, p in plans.items() if "FROM workflow_messages" in s and s.lstrip().startswith("SELECT")]
    assert deliveries and messages, plans
    for plan in deliveries + messages:
        assert "SCAN webhook_deliveries" not in plan and "SCAN workflow_messages" not in plan, plan
    assert any("ix_webhook_deliveries_created_at" in p for p in deliveries), deliveries
    assert any("ix_workflow_messages_updated_at" in p for p in messages), messages
    async with app.state.engine.connect() as conn:  # the migration made what the models declare
        names = {row[0] for row in (await conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'")))}
    assert {"ix_webhook_deliveries_created_at", "ix_workflow_messages_updated_at"} <= names
