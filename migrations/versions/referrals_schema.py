"""the service directory and referrals: agencies and their contacts, referrals on cases and their links

Revision ID: referrals
Revises: operations
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "referrals"
down_revision = "operations"
branch_labels = None
depends_on = None

UtcDateTime = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("name", sa.String(160), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("province_code", sa.String(2), nullable=False),
        sa.Column("commune_code", sa.String(5), nullable=False),
        sa.Column("commune_name", sa.String(120), nullable=False),
        sa.Column("services", sa.JSON, nullable=False),
        sa.Column("taxonomy_version", sa.String(16), nullable=False),
        sa.Column("hours", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("key", name="uq_agencies_key"),
    )
    op.create_index("ix_agencies_province_code", "agencies", ["province_code"])
    op.create_index("ix_agencies_commune_code", "agencies", ["commune_code"])
    op.create_table(
        "agency_contacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id", ondelete="CASCADE",
                                                         name="fk_agency_contacts_agency_id_agencies"), nullable=False),
        sa.Column("full_name", sa.String(120), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("chain_order", sa.Integer, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.UniqueConstraint("agency_id", "phone", name="uq_agency_contacts_agency_phone"),
    )
    op.create_index("ix_agency_contacts_agency_id", "agency_contacts", ["agency_id"])
    op.create_index("ix_agency_contacts_phone", "agency_contacts", ["phone"])
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False, server_default="referral"),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", name="fk_referrals_case_id_cases"), nullable=False),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id", name="fk_referrals_agency_id_agencies")),
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("taxonomy_version", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("consent_child", sa.Boolean),
        sa.Column("consent_caregiver", sa.Boolean, nullable=False),
        sa.Column("starts_on", sa.Date),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("respond_by", UtcDateTime, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("plan_line", sa.Integer),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("answered_by", sa.String(64)),
        sa.Column("accepted_at", UtcDateTime),
        sa.Column("declined_at", UtcDateTime),
        sa.Column("decline_reason", sa.Text),
        sa.Column("done_at", UtcDateTime),
        sa.Column("outcome", sa.Text),
        sa.Column("clock", sa.String(16), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("next_at", UtcDateTime),
        sa.Column("breached_at", UtcDateTime),
        sa.Column("told", sa.JSON, nullable=False),
    )
    op.create_index("ix_referrals_reference", "referrals", ["reference"], unique=True)
    op.create_index("ix_referrals_case_id", "referrals", ["case_id"])
    op.create_index("ix_referrals_agency_id", "referrals", ["agency_id"])
    op.create_index("ix_referrals_state", "referrals", ["state"])
    op.create_index("ix_referrals_next_at", "referrals", ["next_at"])
    op.create_table(
        "referral_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("referral_id", sa.Integer, sa.ForeignKey("referrals.id", ondelete="CASCADE",
                                                           name="fk_referral_links_referral_id_referrals"),
                  nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("reader", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("code_hash", sa.String(64)),
        sa.Column("code_expires_at", UtcDateTime),
        sa.Column("code_tries", sa.Integer, nullable=False),
        sa.Column("signed_in_at", UtcDateTime),
    )
    op.create_index("ix_referral_links_referral_id", "referral_links", ["referral_id"])


def downgrade() -> None:
    op.drop_table("referral_links")
    op.drop_table("referrals")
    op.drop_table("agency_contacts")
    op.drop_table("agencies")
