from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("records", "0007_meeting_town_fill")]

    operations = [
        migrations.AlterField(
            model_name="meeting",
            name="town",
            field=models.ForeignKey(
                db_index=False, editable=False, on_delete=models.PROTECT, related_name="+", to="orgs.town"
            ),
        ),
        migrations.AddIndex(
            model_name="meeting",
            index=models.Index(fields=["town", "-date", "-id"], name="records_meeting_town_newest"),
        ),
    ]
