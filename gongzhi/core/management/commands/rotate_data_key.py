"""Re-encrypt every encrypted field under a new primary key and rebuild blind indexes."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from gongzhi.core import crypto
from gongzhi.core.fields import EncryptedTextField


def encrypted_models():
    for model in apps.get_models():
        fields = [f for f in model._meta.fields if isinstance(f, EncryptedTextField)]
        if fields:
            yield model, fields


class Command(BaseCommand):
    help = (
        "Generate a new data key, re-encrypt all personal data under it and rebuild blind "
        "indexes. With GONGZHI_DATA_KEY set, pass the new ring with --new-ring instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--new-ring", help="full new keyring (kid:key,…), new primary first")
        parser.add_argument(
            "--retire-old", action="store_true", help="drop old keys from the key file when done"
        )
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args, new_ring, retire_old, batch, **opts):
        from django.conf import settings

        old = crypto.keyring()
        if new_ring:
            ring = crypto.Keyring.parse(new_ring)
        elif settings.DATA_KEY:
            raise CommandError("GONGZHI_DATA_KEY is set: pass --new-ring and update the setting.")
        else:
            ring = crypto.Keyring((crypto.new_key_entry(), *old.keys))
        missing = [kid for kid, _ in old.keys if ring.key(kid) is None]
        if missing and not retire_old:
            raise CommandError(f"The new ring lacks old keys {missing}; values could not be read.")
        # Decrypt needs old+new keys loaded; encrypt must use the new primary.
        merged = crypto.Keyring(
            (ring.primary, *[k for k in (*ring.keys[1:], *old.keys) if k[0] != ring.primary[0]])
        )
        settings_backup = settings.DATA_KEY
        settings.DATA_KEY = merged.serialise().replace("\n", ",")
        crypto.reset_keyring_cache()
        total = 0
        try:
            for model, fields in encrypted_models():
                names = [f.name for f in fields]
                has_index = hasattr(model, "refresh_indexes")
                extra = ["phone_bidx", "id_number_bidx"] if has_index else []
                pks = list(model._base_manager.values_list("pk", flat=True).order_by("pk"))
                for i in tqdm(range(0, len(pks), batch), desc=model._meta.label, unit="batch"):
                    with transaction.atomic():
                        objs = list(model._base_manager.filter(pk__in=pks[i : i + batch]))
                        for o in objs:
                            if has_index:
                                o.refresh_indexes()
                        model._base_manager.bulk_update(objs, names + extra)
                        total += len(objs)
        finally:
            settings.DATA_KEY = settings_backup
        if not settings.DATA_KEY:
            keep = (ring.primary,) if retire_old else merged.keys
            crypto.key_file_path().write_text(crypto.Keyring(keep).serialise() + "\n")
        crypto.reset_keyring_cache()
        self.stdout.write(f"Re-encrypted {total} rows under key {ring.primary[0]}.")
