from django.db import migrations


def refresh(apps, schema_editor):
    from gongzhi.assistant.migrations_data import load_shipped

    # 79 new shipped entries (户口迁出, 工伤认定, 经济补偿, 公积金提取, 快递纸箱分类 …) and
    # new similar questions reach databases installed earlier; staff-edited entries are left alone
    load_shipped(apps.get_model("assistant", "Entry"), update=True)


class Migration(migrations.Migration):
    dependencies = [("assistant", "0003_refresh_starter_content")]
    operations = [migrations.RunPython(refresh, migrations.RunPython.noop)]
