from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdaptersConfig(AppConfig):
    name = "gongzhi.adapters"
    label = "adapters"
    verbose_name = _("Channels (WeChat, WeCom)")

    def ready(self):
        from . import signals  # noqa: F401
