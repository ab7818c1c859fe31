"""The indicator's background job: pushing the signed feed to the federal level."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from indicators import exports, feed
from indicators.compute import indicator
from registry.models import Region
from voting.core import jobs
from voting.core.extensions import db
from voting.core.server_key import server_key


def push_indicator(start: str, end: str, url: str, attempts: int = 5) -> bool:
    """Push the signed indicator for `start`…`end` (ISO dates) to `url`, with retries and back-off."""
    region = db.session.scalars(select(Region).order_by(Region.id)).first()
    if region is None:
        return False
    data = indicator(region, date.fromisoformat(start), date.fromisoformat(end))
    return feed.push(url, feed.signed(exports.to_json(data), server_key()), attempts=attempts)


def connect() -> None:
    """Register the indicator's job with the queue."""
    jobs.register("push_indicator", push_indicator)
