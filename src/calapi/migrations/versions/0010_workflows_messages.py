"""workflows, their steps and event types, the message log; event types' default-email switches

Revision ID: 20261206_0030
Revises: 20261206_0020
Create Date: 2026-12-06 23:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import calapi.db

revision = "20261206_0030"
down_revision = "20261206_0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workflows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.Column("offset_value", sa.Integer(), nullable=True),
        sa.Column("offset_unit", sa.String(length=8), nullable=True),
        sa.Column("active_on_all", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", calapi.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", calapi.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_workflows_team_id_teams"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_workflows_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflows")),
    )
    with op.batch_alter_table("workflows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workflows_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_workflows_user_id"), ["user_id"], unique=False)

    op.create_table(
        "workflow_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("step_number", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("template", sa.String(length=16), nullable=False),
        sa.Column("sender", sa.String(length=255), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("send_to", sa.String(length=320), nullable=True),
        sa.Column("include_calendar_event", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("phone_required", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workflow_id"], ["workflows.id"], name=op.f("fk_workflow_steps_workflow_id_workflows"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_steps")),
    )
    with op.batch_alter_table("workflow_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workflow_steps_workflow_id"), ["workflow_id"], unique=False)

    op.create_table(
        "workflow_event_types",
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("event_type_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_type_id"],
            ["event_types.id"],
            name=op.f("fk_workflow_event_types_event_type_id_event_types"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workflow_id"],
            ["workflows.id"],
            name=op.f("fk_workflow_event_types_workflow_id_workflows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workflow_id", "event_type_id", name=op.f("pk_workflow_event_types")),
    )
    with op.batch_alter_table("workflow_event_types", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workflow_event_types_event_type_id"), ["event_type_id"], unique=False)

    op.create_table(
        "workflow_messages",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.Column("template", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("booking_uid", sa.String(length=64), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=True),
        sa.Column("step_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("recipient_name", sa.String(length=255), nullable=True),
        sa.Column("recipient_role", sa.String(length=16), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("ics_method", sa.String(length=8), nullable=True),
        sa.Column("context", sa.JSON(), nullable=True),
        sa.Column("timed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("scheduled_at", calapi.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("provider_id", sa.String(length=255), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", calapi.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("job_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", calapi.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", calapi.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["workflow_steps.id"],
            name=op.f("fk_workflow_messages_step_id_workflow_steps"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workflow_id"],
            ["workflows.id"],
            name=op.f("fk_workflow_messages_workflow_id_workflows"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_messages")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_workflow_messages_dedupe_key")),
    )
    with op.batch_alter_table("workflow_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_workflow_messages_booking_uid_created_at", ["booking_uid", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_workflow_messages_workflow_id_created_at", ["workflow_id", "created_at"], unique=False
        )

    with op.batch_alter_table("event_types", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("disable_standard_emails_host", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("disable_standard_emails_attendee", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("event_types", schema=None) as batch_op:
        batch_op.drop_column("disable_standard_emails_attendee")
        batch_op.drop_column("disable_standard_emails_host")
    op.drop_table("workflow_messages")
    op.drop_table("workflow_event_types")
    op.drop_table("workflow_steps")
    op.drop_table("workflows")
