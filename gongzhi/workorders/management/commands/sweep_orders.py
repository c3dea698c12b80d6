import json

from django.core.management.base import BaseCommand

from gongzhi.workorders.sweep import sweep


class Command(BaseCommand):
    help = "Send due reminders, escalate overdue orders and auto-close unrated ones, now."

    def handle(self, *args, **opts):
        self.stdout.write(json.dumps(sweep()))
