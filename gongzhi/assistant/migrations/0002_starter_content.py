from django.db import migrations


def load(apps, schema_editor):
    from gongzhi.assistant.migrations_data import load_shipped

    load_shipped(apps.get_model("assistant", "Entry"))


class Migration(migrations.Migration):
    dependencies = [("assistant", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
