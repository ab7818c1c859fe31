"""Outgoing mail over SMTP (VECHE_SMTP_HOST/PORT); without a server, messages go to instance/outbox/."""

from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from voting.core.errors import UnavailableError


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text message; a failure raises `UnavailableError` (503) so that the caller's transaction is
    rolled back and the user is told to try again."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to  # an address the forms validated; the email policy refuses CR/LF in any header anyway
    message["Subject"] = " ".join(subject.split())  # one line whatever the text held: no header can be injected
    message.set_content(body)
    host = current_app.config["SMTP_HOST"]
    if not host:  # development without a mail server: keep the message where the developer can read it
        outbox = Path(current_app.instance_path) / "outbox"
        try:
            outbox.mkdir(exist_ok=True)
            (outbox / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(message))
        except OSError as error:  # the disk is full or read-only
            raise UnavailableError(_("Не удалось сохранить письмо: диск сервера недоступен. Ничего не сохранено; "
                                     "повторите позже.")) from error
        current_app.logger.info("mail to %s kept in %s: %s", to, outbox, subject)
        return
    try:
        with smtplib.SMTP(host, current_app.config["SMTP_PORT"], timeout=10) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("mail to %s not sent: %s", to, error)
        raise UnavailableError(_("Не удалось отправить письмо: почтовый сервер не отвечает. Ничего не сохранено; "
                                 "повторите через несколько минут.")) from error
