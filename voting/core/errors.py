"""One error hierarchy, answered as HTML or JSON as the client asks; never a bare 500 page."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge


class VotingError(Exception):
    """A refusal the user can understand and act on."""

    status = 400

    def __init__(self, message: str, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra  # more for API clients, e.g. the current `seq` on a conflicting ballot


class NotFoundError(VotingError):
    status = 404


class ForbiddenError(VotingError):
    status = 403


class ConflictError(VotingError):
    status = 409


class InvalidInputError(VotingError):
    status = 422


def wants_json() -> bool:
    """JSON for the API and for clients that prefer it; HTML otherwise."""
    if request.path.startswith("/api/") or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _respond(status: int, title: str, message: str, **extra: Any) -> ResponseReturnValue:
    request_id = g.get("request_id")  # the operator finds the request's log lines by it
    if wants_json():
        return jsonify(error=title, message=message, **extra, request_id=request_id), status
    return render_template("errors/error.html", status=status, title=title, message=message,
                           request_id=request_id), status


def register_error_handlers(app: Flask) -> None:
    """Map every error to a page or a JSON body with a clear message."""

    @app.errorhandler(VotingError)
    def voting_error(error: VotingError) -> ResponseReturnValue:
        extra = ({"field": error.field} if error.field else {}) | error.extra
        g.refusal_reason = error.extra.get("reason") or error.field or type(error).__name__  # for the metrics
        return _respond(error.status, _("Запрос отклонён"), error.message, **extra)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return _respond(400, _("Форма устарела"),
                        _("Защитный код формы устарел или отсутствует. Обновите страницу и повторите."))

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
        limit = (app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        return _respond(413, _("Файл слишком большой"), _("Файл больше %(limit)s МБ.", limit=limit))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        messages = {404: _("Такой страницы нет."), 405: _("Этот адрес так не вызывают."),
                    400: _("Запрос составлен неверно.")}
        return _respond(error.code or 500, error.name, messages.get(error.code or 0, error.description or ""))

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError) -> ResponseReturnValue:
        return _respond(500, _("Внутренняя ошибка"),
                        _("Что-то пошло не так на нашей стороне. Данные не изменены; попробуйте ещё раз."))
