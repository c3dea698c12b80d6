from django.db import migrations


def refresh(apps, schema_editor):
    from gongzhi.assistant.migrations_data import load_shipped

    # 1,458 new similar questions, two per entry: one told the way residents write in a group
    # (their situation first, the question last, spoken words) and one short chat fragment;
    # reaches databases installed earlier; staff-edited entries are left alone
    load_shipped(apps.get_model("assistant", "Entry"), update=True)


class Migration(migrations.Migration):
    dependencies = [("assistant", "0005_sibling_similar_questions")]
    operations = [migrations.RunPython(refresh, migrations.RunPython.noop)]
