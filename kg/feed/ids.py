"""Ids that do not expose identifiers: keyed hashes with a per-installation secret.

A customer id made by hashing an email alone could be recomputed by anyone holding the email.
Customer ids and suppression keys are HMAC-SHA256 of the identity id under the installation's
secret (``KG_ID_SECRET``, or one generated on first use and kept with mode 0600 in
``KG_ID_SECRET_FILE``). Every process that writes one graph must share the secret; set
``KG_ID_SECRET`` when several machines do.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

from kg.settings import Settings


def installation_key(settings: Settings) -> bytes:
    if settings.id_secret is not None:
        return settings.id_secret.get_secret_value().encode()
    path = settings.id_secret_file
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            return path.read_text().strip().encode()
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
    return path.read_text().strip().encode()


def keyed(key: bytes, value: str, *, length: int = 16) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:length]
