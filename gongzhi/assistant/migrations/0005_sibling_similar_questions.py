from django.db import migrations


def refresh(apps, schema_editor):
    from gongzhi.assistant.migrations_data import load_shipped

    # ~930 new similar questions across 16 topic files: each sibling entry (条件 / 材料 / 流程 /
    # 标准 / 在哪办 / 补办 / 收费 / 补贴 …) now names its own aspect in residents' words, so e.g.
    # 养老院入住 vs 养老院收费, 社区医院看病 vs 慢性病长处方, 提交诉求 vs 查进度 rank apart;
    # reaches databases installed earlier; staff-edited entries are left alone
    load_shipped(apps.get_model("assistant", "Entry"), update=True)


class Migration(migrations.Migration):
    dependencies = [("assistant", "0004_more_starter_content")]
    operations = [migrations.RunPython(refresh, migrations.RunPython.noop)]
