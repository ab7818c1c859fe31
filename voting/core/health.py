"""Health signals for /readyz and the operator: what runs degraded right now."""

from __future__ import annotations

from flask import current_app

from voting.core.extensions import limiter


def rate_limits(probe: bool = False) -> str:
    """Where the rate limits are counted: "redis", "memory" (no Redis configured), or "memory-fallback" (Redis is
    configured but did not answer: each process counts on its own until it does). Without `probe` this is what the
    last limited request found; with it, Redis is asked now (at most the storage's socket timeout)."""
    if not current_app.config.get("RATELIMIT_STORAGE_URI", "memory://").startswith(("redis", "rediss")):
        return "memory"
    # the library swaps in its in-memory limiter while the configured storage is dead
    if limiter.limiter.storage is not limiter.storage or (probe and not limiter.storage.check()):
        return "memory-fallback"
    return "redis"


def degraded(probe: bool = False) -> dict[str, str]:
    """The parts that run degraded, with what they run on instead (empty when all is well); for /readyz."""
    state = rate_limits(probe)
    return {"rate_limits": state} if state == "memory-fallback" else {}
