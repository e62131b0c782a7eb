"""Residents' phone numbers: normalise, mask for display, and a keyed digest for search.

A phone number is personal data. nearzero stores it encrypted (the Django adapter does
that) plus a keyed digest of its normalised form, so staff can find a resident by number
without the database ever holding the number in plain text. The digest is keyed (HMAC) so a
leaked table cannot be reversed by hashing all 10⁹ mobile numbers.

References
----------
GB 35114 is not involved; numbering follows MIIT's mainland plan (mobile: 11 digits starting
13–19). PIPL (个人信息保护法, 2021) art. 51: encryption and de-identification of personal data.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from nearzero.core.errors import DomainError

#: What a plain mainland mobile number looks like in a text (used by tests that scan the
#: database, logs and exports for leaks): 11 digits not glued to other letters or digits, so
#: runs of digits inside hex digests or base64 ciphertext do not count.
MOBILE_PATTERN = re.compile(r"(?<![0-9A-Za-z_-])1[3-9]\d{9}(?![0-9A-Za-z_-])")

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0[1-9]\d{8,10}")  # area code (2–4 digits incl. 0) + 7–8 digits
_SEPARATORS = re.compile(r"[\s\-().]")


def normalize_phone(raw: str) -> str:
    """The canonical digits of a mainland mobile or landline number.

    ``"+86 138-1234-5678"`` → ``"13812345678"``; ``"021-6123 4567"`` → ``"02161234567"``.
    Raises :class:`DomainError` ``bad_phone`` for anything else.
    """
    digits = _SEPARATORS.sub("", str(raw or "").strip())
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
            break
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    raise DomainError("bad_phone", "not a mainland mobile or landline number", field="phone")


def mask_phone(phone: str) -> str:
    """``"13812345678"`` → ``"138****5678"``: the first 3 and the last 4 digits."""
    if len(phone) < 8:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def phone_digest(phone: str, key: bytes) -> str:
    """Keyed digest (HMAC-SHA-256, hex) of a normalised number, for exact-match search."""
    return hmac.new(key, normalize_phone(phone).encode(), hashlib.sha256).hexdigest()
