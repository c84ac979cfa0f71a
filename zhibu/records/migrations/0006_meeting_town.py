from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial"), ("records", "0005_meeting_list_indexes")]

    operations = [
        migrations.AddField(
            model_name="meeting",
            name="town",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=models.PROTECT,
                related_name="+",
                to="orgs.town",
            ),
        ),
    ]
