from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkOrdersConfig(AppConfig):
    name = "gongzhi.workorders"
    label = "workorders"
    verbose_name = _("Work orders")

    def ready(self):
        from . import categories

        categories.connect_signals()
