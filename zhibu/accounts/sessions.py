"""The session engine of a server with Redis: Django's cached_db, with an existing session saved by one UPDATE.

A session is saved again when it changes and, for the idle timeout, at most once a minute while in use
(accounts.middleware.keep_alive). Django's own save wraps that in a transaction of its own (three round
trips: BEGIN, UPDATE, COMMIT); a single UPDATE is atomic by itself, and on a 主题党日 morning every
scan is such a save. A new session (logging in) is created as Django creates it.
"""

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import UpdateError
from django.db import DatabaseError

from zhibu.core import rows


class SessionStore(cached_db.SessionStore):
    def save(self, must_create=False):
        if must_create or self.session_key is None:
            return super().save(must_create)
        data = self._get_session()
        try:
            updated = rows.update(
                self.model,
                self.session_key,
                session_data=self.encode(data),
                expire_date=self.get_expiry_date(),
            )
        # As Django's save: a failed update is UpdateError, which the middleware answers (503 when the
        # database is away).
        except DatabaseError as exc:
            raise UpdateError from exc
        if not updated:  # ended meanwhile (logged out elsewhere): as Django's save
            raise UpdateError
        self._cache.set(self.cache_key, data, self.get_expiry_age())
