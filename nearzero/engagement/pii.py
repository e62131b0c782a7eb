"""Residents' personal data at rest: encryption, keyed digests and QR-token keys.

All keys derive from ``settings.PII_KEY`` (``NEARZERO_PII_KEY``) with HMAC-SHA-256 and a
purpose label, so one secret serves three independent keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from nearzero.core.engagement import phones, tokens


@cache
def _key(purpose: str, pii_key: str) -> bytes:
    return hmac.new(pii_key.encode(), f"nearzero.{purpose}".encode(), hashlib.sha256).digest()


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_key("pii.encrypt", settings.PII_KEY)))


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode() if text else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""  # encrypted under another NEARZERO_PII_KEY: unreadable, never guessed


def phone_digest(phone: str) -> str:
    return phones.phone_digest(phone, _key("pii.digest", settings.PII_KEY))


def sign_token(secret: str, *, purpose: str = "checkin") -> str:
    return tokens.sign(secret, _key("qr", settings.PII_KEY), purpose=purpose)


def verify_token(token: str, *, purpose: str = "checkin") -> str:
    return tokens.verify(token, _key("qr", settings.PII_KEY), purpose=purpose)
