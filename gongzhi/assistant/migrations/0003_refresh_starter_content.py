from django.db import migrations


def refresh(apps, schema_editor):
    from gongzhi.assistant.migrations_data import load_shipped

    # new similar questions and entries of the shipped knowledge base reach databases
    # installed earlier; entries edited by staff are left alone
    load_shipped(apps.get_model("assistant", "Entry"), update=True)


class Migration(migrations.Migration):
    dependencies = [("assistant", "0002_starter_content")]
    operations = [migrations.RunPython(refresh, migrations.RunPython.noop)]
