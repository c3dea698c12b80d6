from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SeedConfig(AppConfig):
    name = "gongzhi.seed"
    label = "seed"
    verbose_name = _("Demo district")
