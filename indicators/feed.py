"""The indicator as a signed feed: pulled from an endpoint, pushed by HTTP POST with retries and back-off, each
attempt logged. The signature is Ed25519 over "OSS-INDICATOR-v1\\n" + RFC 8785 canonical JSON of the indicator."""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import rfc8785

from indicators.models import FeedDelivery
from voting.core.extensions import db
from voting.core.server_key import ServerKey, verify

TAG = b"OSS-INDICATOR-v1\n"


def signed(indicator: dict[str, Any], key: ServerKey) -> dict[str, Any]:
    """The envelope: the indicator, its signature, and the key to check it with."""
    return {"indicator": indicator, "algorithm": "Ed25519", "signature": key.sign(TAG + rfc8785.dumps(indicator)),
            "public_key": key.public_b64, "key_fingerprint": key.fingerprint,
            "signed_at": datetime.now(UTC).isoformat(timespec="seconds")}


def signature_holds(envelope: dict[str, Any]) -> bool:
    """Check an envelope offline (what the receiving side does)."""
    return verify(envelope["public_key"], envelope["signature"], TAG + rfc8785.dumps(envelope["indicator"]))


def push(url: str, envelope: dict[str, Any], attempts: int = 5, backoff: float = 2.0,
         sleep: Callable[[float], None] | None = None) -> bool:
    """POST the envelope; on failure wait backoff, 2×backoff, 4×backoff… up to `attempts`; log every attempt."""
    body = json.dumps(envelope, ensure_ascii=False).encode()
    digest = hashlib.sha256(body).hexdigest()
    for attempt in range(1, attempts + 1):
        status, error = None, None
        try:
            request = urllib.request.Request(url, data=body, method="POST",  # noqa: S310 - the configured address
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as failure:
            status, error = failure.code, str(failure)
        except (urllib.error.URLError, OSError) as failure:
            error = str(failure)
        db.session.add(FeedDelivery(url=url[:500], attempt=attempt, status=status, error=error,
                                    payload_sha256=digest))
        db.session.commit()  # the log survives whatever happens next
        if status is not None and 200 <= status < 300:
            return True
        if attempt < attempts:
            (sleep or time.sleep)(backoff * 2 ** (attempt - 1))
    return False
