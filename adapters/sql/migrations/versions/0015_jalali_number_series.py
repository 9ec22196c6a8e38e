"""number series by calendar: a series counts its years in the Gregorian or the Jalali calendar

`number_series.calendar` says which (gregorian, the only behaviour before, for every installed
series). The counters are keyed by calendar too, (series_code, calendar, year), so a series that
changes calendar keeps its old runs beside its new ones and a run can never resume another.
Every existing counter is a Gregorian one.

Downgrading drops both columns. A Jalali series numbers by the Gregorian year again in 0012's
release; its Jalali counters stay as rows of their year (1405 …), which no Gregorian year reaches.

Revision ID: 0015
Revises: 0014
Create Date: 2027-01-04 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

CALENDARS = "calendar IN ('gregorian', 'jalali')"
#: Added in place, with its CHECK on the column: on SQLite a batch rebuild of number_series would
#: drop the table that number_sequences' foreign key points at, which SQLite refuses mid-migration.
ADD_SERIES_CALENDAR = (
    "ALTER TABLE number_series ADD COLUMN calendar VARCHAR(16) DEFAULT 'gregorian' NOT NULL "
    f"CONSTRAINT ck_number_series_calendar CHECK ({CALENDARS})"
)


def upgrade() -> None:
    op.execute(ADD_SERIES_CALENDAR)
    with op.batch_alter_table("number_sequences") as batch:
        batch.add_column(sa.Column("calendar", sa.String(length=16), server_default="gregorian", nullable=False))
        batch.create_check_constraint(op.f("ck_number_sequences_calendar"), sa.text(CALENDARS))
        batch.drop_constraint("pk_number_sequences", type_="primary")
        batch.create_primary_key("pk_number_sequences", ["series_code", "calendar", "year"])


def downgrade() -> None:
    with op.batch_alter_table("number_sequences") as batch:
        batch.drop_constraint("pk_number_sequences", type_="primary")
        batch.drop_constraint(op.f("ck_number_sequences_calendar"), type_="check")
        batch.drop_column("calendar")
        batch.create_primary_key("pk_number_sequences", ["series_code", "year"])
    op.execute("ALTER TABLE number_series DROP COLUMN calendar")  # its column CHECK goes with it
