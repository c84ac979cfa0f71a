"""Attendance's meeting key loses its own index: the (meeting, member) index serves every lookup by meeting.

Only the index is dropped. Django's own AlterField would also drop and re-add the foreign key, which on
a city's 70 million rows means checking every row again under lock; the key itself does not change.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0004_attendance_one_row_per_person"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="attendance",
                    name="meeting",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attendance",
                        to="records.meeting",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "records_attendance_meeting_id_57381be6"',
                    reverse_sql='CREATE INDEX "records_attendance_meeting_id_57381be6" '
                    'ON "records_attendance" ("meeting_id")',
                ),
            ],
        ),
    ]
