from django.core.management.base import BaseCommand

from gongzhi.people.models import User
from gongzhi.seed.builder import DEMO_LOGINS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print one demo login per role."

    def handle(self, *args, **opts):
        existing = set(
            User.objects.filter(username__in=[u for u, *_ in DEMO_LOGINS]).values_list(
                "username", flat=True
            )
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, label in DEMO_LOGINS:
            if username in existing:
                self.stdout.write(f"  {username:<10} {role:<18} {label}")
