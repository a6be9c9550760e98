"""jobs: on PostgreSQL, every statement that inserts jobs sends NOTIFY calapi_jobs (a trigger)

The workers LISTEN on that channel and claim at once instead of waiting for their next poll. Sent
by the table, the wake-up costs no statement of its own (it was one more round trip per
transaction that wrote jobs), and no way of inserting a job can forget it. A notification is
delivered at commit, dropped on rollback, and merged into one per transaction.

Revision ID: 20261207_jobs_notify
Revises: 20261207_accounts
Create Date: 2026-12-07 01:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "20261207_jobs_notify"
down_revision = "20261207_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: one process, woken in process (jobs.worker.wake_on_commit)
    op.execute(
        "CREATE FUNCTION calapi_notify_jobs() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_notify('calapi_jobs', ''); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER jobs_notify_workers AFTER INSERT ON jobs "
        "FOR EACH STATEMENT EXECUTE FUNCTION calapi_notify_jobs()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS jobs_notify_workers ON jobs")
    op.execute("DROP FUNCTION IF EXISTS calapi_notify_jobs()")
