"""Check-in tokens: what a resident's personal QR code holds, and scan grants' tokens.

A token is ``NZ1.<secret>.<mac>``: a random secret (never a database id) and an HMAC over it
with a server key. Scanners reject forged or mistyped tokens by the MAC alone, before any
database lookup; a token is revoked by giving the resident a new secret, after which the old
token's secret matches nobody. The idea follows pretix's signed ticket secrets.

References
----------
pretix, ``pretix/base/secrets.py`` and ``pretix/base/services/checkin.py``; pretix's device
tokens (``pretix/base/models/devices.py``) for scan grants.
RFC 2104 (HMAC); RFC 4648 §5 (base64url).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from nearzero.core.errors import DomainError

PREFIX = "NZ1"
#: 18 random bytes → 24 base64url characters (144 bits: unguessable).
SECRET_BYTES = 18
_MAC_CHARS = 16  # 96 bits of the HMAC-SHA-256
_TOKEN = re.compile(r"NZ1\.([A-Za-z0-9_-]{24})\.([A-Za-z0-9_-]{16})")


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def _mac(secret: str, key: bytes, purpose: str) -> str:
    digest = hmac.new(key, f"{purpose}:{secret}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:_MAC_CHARS]


def sign(secret: str, key: bytes, *, purpose: str = "checkin") -> str:
    """The token printed in a QR code for ``secret``."""
    return f"{PREFIX}.{secret}.{_mac(secret, key, purpose)}"


def verify(token: str, key: bytes, *, purpose: str = "checkin") -> str:
    """The secret inside a genuine token; :class:`DomainError` ``bad_token`` otherwise."""
    match = _TOKEN.fullmatch((token or "").strip())
    if not match or not hmac.compare_digest(match[2], _mac(match[1], key, purpose)):
        raise DomainError("bad_token", "not a valid nearzero code", field="token")
    return match[1]


#: A scan grant's token: leave to check residents in at one event, held by a phone (the staff
#: scan page's own, or a scanner link handed to a volunteer). 24 random bytes → 32 base64url
#: characters (192 bits); the server keeps only its SHA-256 digest.
GRANT_PREFIX = "NZS1"
GRANT_BYTES = 24
_GRANT = re.compile(r"NZS1\.[A-Za-z0-9_-]{32}")


def new_grant_token() -> str:
    return f"{GRANT_PREFIX}.{secrets.token_urlsafe(GRANT_BYTES)}"


def grant_digest(token: str) -> str | None:
    """The SHA-256 digest (hex) a grant is stored and looked up by; ``None`` for anything
    that is not shaped like a grant token (no lookup is worth making)."""
    token = (token or "").strip()
    if not _GRANT.fullmatch(token):
        return None
    return hashlib.sha256(token.encode("ascii")).hexdigest()
