"""``Idempotency-Key`` for the ledger's write requests (as Stripe and the IETF draft
"The Idempotency-Key HTTP Header Field" describe it).

The first request with a key runs and its answer is stored with a hash of the request; the
same key with the same method, path and body replays that answer (even a refusal) without
running again; the same key with anything else answers 409. The key's row is inserted
*before* the work, in the same transaction: a concurrent twin waits on the unique index
until the first commits, then replays its answer — it never runs the work a second time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from ninja import Status
from ninja.errors import HttpError

from nearzero.core.errors import DomainError

from .models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_LENGTH = 100


def request_hash(request, payload: dict) -> str:
    text = json.dumps(
        [request.method, request.path, payload], sort_keys=True, default=str, ensure_ascii=True
    )
    return hashlib.sha256(text.encode()).hexdigest()


def run(request, payload: dict, work: Callable[[], tuple[int, dict]]) -> Status:
    """Answer a write request once per key: ``work()`` returns ``(status, body)``; a
    :class:`DomainError` becomes a stored 400 answer like any other."""
    key = (request.headers.get(HEADER) or "").strip()
    if not key or len(key) > MAX_LENGTH:
        raise HttpError(400, f"send an {HEADER} header (1 to {MAX_LENGTH} characters)")
    digest = request_hash(request, payload)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=request.user, key=key, request_hash=digest, status_code=0, response={}
                )
        except IntegrityError:  # used before, or by a concurrent twin that has now committed
            record = None
        if record is not None:
            try:
                with transaction.atomic():
                    status, body = work()
            except DomainError as exc:
                status = 400
                body = {"code": exc.code, "detail": exc.message, "field": exc.field}
            record.status_code, record.response = status, body
            record.save(update_fields=["status_code", "response"])
            return Status(status, body)
        stored = IdempotencyKey.objects.get(user=request.user, key=key)
    if stored.request_hash != digest:
        return Status(
            409,
            {
                "code": "idempotency_key_reused",
                "detail": "this Idempotency-Key was used for another request",
                "field": None,
            },
        )
    return Status(stored.status_code, stored.response)
