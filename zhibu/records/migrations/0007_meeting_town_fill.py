"""Every meeting takes its branch's town (its own transaction: the next step may then alter the table)."""

from django.db import migrations


def fill(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":  # a join, where a subquery would look up each of millions of rows
        sql = (
            "UPDATE records_meeting SET town_id = orgs_branch.town_id FROM orgs_branch "
            "WHERE orgs_branch.id = records_meeting.branch_id"
        )
    else:
        sql = (
            "UPDATE records_meeting SET town_id = "
            "(SELECT town_id FROM orgs_branch WHERE orgs_branch.id = records_meeting.branch_id)"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("records", "0006_meeting_town")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
