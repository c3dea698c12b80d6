"""Session engine: Django's database sessions, with the per-request read compiled once.

``SESSION_ENGINE = "gongzhi.core.sessions"``. Loading the session is the first query of every
signed-in request; through the ORM it cost ~0.45 ms of Python, most of it building the query
(see ``gongzhi.core.prepared``). Expiry is checked on the row read, as Django's own store does
in SQL. Everything else (create, save, delete, clear_expired) is Django's.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.utils import timezone

from gongzhi.core.prepared import ByKey


def _session_row(key):
    from django.contrib.sessions.models import Session

    return Session.objects.filter(session_key=key).values_list("session_data", "expire_date")


_SESSION = ByKey(_session_row, key_type=str)


class SessionStore(DbSessionStore):
    def load(self):
        key = self.session_key
        rows = _SESSION.rows(key) if isinstance(key, str) else []
        if rows and rows[0][1] > timezone.now():
            return self.decode(rows[0][0])  # a bad signature: logged, an empty session
        self._session_key = None  # unknown or expired: a new key when saved, as Django does
        return {}
