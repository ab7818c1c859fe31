"""Outgoing mail over SMTP (VECHE_SMTP_HOST/PORT); without a server, messages go to instance/outbox/."""

from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage
from pathlib import Path

from flask import current_app


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text message; a failure raises so that the caller can tell the user."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    host = current_app.config["SMTP_HOST"]
    if not host:  # development without a mail server: keep the message where the developer can read it
        outbox = Path(current_app.instance_path) / "outbox"
        outbox.mkdir(exist_ok=True)
        (outbox / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(message))
        current_app.logger.info("mail to %s kept in %s: %s", to, outbox, subject)
        return
    with smtplib.SMTP(host, current_app.config["SMTP_PORT"], timeout=10) as smtp:
        smtp.send_message(message)
