"""The 24/7 calendar exists from the start; it is the default until a supervisor marks another."""

import datetime

from django.db import migrations


def create_always_open(apps, schema_editor):
    Calendar = apps.get_model("sla", "Calendar")
    WorkingInterval = apps.get_model("sla", "WorkingInterval")
    calendar, created = Calendar.objects.get_or_create(
        name="24/7", defaults={"time_zone": "UTC", "is_default": True},
    )
    if created:
        WorkingInterval.objects.bulk_create([
            WorkingInterval(calendar=calendar, weekday=day, start=datetime.time(0), end=datetime.time(0))
            for day in range(7)
        ])


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(create_always_open, migrations.RunPython.noop)]
