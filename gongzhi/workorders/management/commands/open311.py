"""`gongzhi open311 key create|list|revoke`: API keys of the Open311 endpoint.

Keys are stored hashed; ``create`` shows the new key once, as the last word of its output.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gongzhi.workorders.models import Open311Key


class Command(BaseCommand):
    help = "Manage Open311 API keys: key create --name NAME | key list | key revoke --prefix P"

    def add_arguments(self, parser):
        nouns = parser.add_subparsers(dest="noun", required=True, metavar="key")
        key = nouns.add_parser("key", help="API keys for POST requests")
        verbs = key.add_subparsers(dest="verb", required=True, metavar="create|list|revoke")
        create = verbs.add_parser("create", help="issue a new key (printed once)")
        create.add_argument("--name", required=True, help="who the key is for")
        verbs.add_parser("list", help="list keys (prefix, name, state)")
        revoke = verbs.add_parser("revoke", help="deactivate the key with this prefix")
        revoke.add_argument("--prefix", required=True, help="the key's first characters")

    def handle(self, *args, **opts):
        getattr(self, f"key_{opts['verb']}")(**opts)

    def key_create(self, name: str, **_):
        name = name.strip()
        if not name:
            raise CommandError("--name must not be empty")
        obj, key = Open311Key.issue(name[:80])
        self.stdout.write(
            f"Open311 key #{obj.pk} for “{obj.name}” (prefix {obj.prefix}). "
            f"It is shown only now; store it safely:\n{key}"
        )

    def key_list(self, **_):
        keys = Open311Key.objects.order_by("created_at", "id")
        if not keys:
            self.stdout.write("No Open311 keys.")
            return
        for k in keys:
            created = timezone.localtime(k.created_at).strftime("%Y-%m-%d %H:%M")
            state = "active" if k.active else "revoked"
            self.stdout.write(f"{k.prefix:<8} {state:<8} {created}  {k.name}")

    def key_revoke(self, prefix: str, **_):
        prefix = prefix.strip()
        keys = list(Open311Key.objects.filter(prefix=prefix, active=True)) if prefix else []
        if not keys:
            raise CommandError(f"No active Open311 key with prefix “{prefix}”.")
        if len(keys) > 1:
            raise CommandError(
                f"{len(keys)} active keys share the prefix “{prefix}”; revoke them in the admin."
            )
        Open311Key.objects.filter(pk=keys[0].pk).update(active=False)
        self.stdout.write(f"Revoked Open311 key {keys[0].prefix} “{keys[0].name}”.")
