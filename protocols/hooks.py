"""What the protocols package adds to the shell: the rendering job and the delivery to ГИС ЖКХ."""

from __future__ import annotations

from flask import current_app

from voting.core import jobs


def _render(meeting_id: int) -> None:
    """The job: a failure is kept on the protocol (its page shows it) and logged, not raised to the caller."""
    from protocols.services import render_now

    try:
        render_now(meeting_id)
    except Exception:
        current_app.logger.exception("rendering the protocol of meeting %s failed", meeting_id)


def connect() -> None:
    from protocols.gis import delivery

    jobs.register("render_protocol", _render)
    delivery.connect()
