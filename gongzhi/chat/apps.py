from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "gongzhi.chat"
    label = "chat"
    verbose_name = _("Group chat and notices")

    def ready(self):
        from . import moderation

        moderation.connect_signals()
