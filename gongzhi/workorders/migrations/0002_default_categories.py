from django.db import migrations


def create_categories(apps, schema_editor):
    from gongzhi.workorders.migrations_seed import DEFAULT_CATEGORIES

    Category = apps.get_model("workorders", "Category")
    for i, (code, name, accept, days, handler) in enumerate(DEFAULT_CATEGORIES):
        Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "accept_hours": accept,
                "complete_days": days,
                "default_handler": handler,
                "sort": i,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("workorders", "0001_initial")]
    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
