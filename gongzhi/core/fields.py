"""Model field that stores text encrypted with the data keyring (see crypto.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import crypto


class EncryptedTextField(models.TextField):
    """Text encrypted at rest with AES-GCM; bound to its column by associated data.

    Only ``isnull`` lookups make sense on it: use a blind-index column for exact lookup.
    """

    description = _("Encrypted text")

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only)
        self.aad = f"{cls._meta.app_label}.{cls._meta.model_name}.{name}"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value, self.aad)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value), self.aad)

    def get_lookup(self, lookup_name):
        if lookup_name not in ("isnull", "exact"):
            raise TypeError(f"{lookup_name!r} lookups are not possible on encrypted fields")
        return super().get_lookup(lookup_name)
