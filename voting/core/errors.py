"""One error hierarchy, answered as HTML (in the app's layout and the reader's language) or, for the API and JSON
clients, as an RFC 9457 problem (`application/problem+json`); never a bare 500 page."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

PROBLEM = "application/problem+json"


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


class UnavailableError(VotingError):
    """A service the request needs (the mail server, the disk) failed; nothing was saved."""

    status = 503


def wants_json() -> bool:
    """JSON for the API and for clients that prefer it; HTML otherwise."""
    if request.path.startswith("/api/") or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _titles() -> dict[int, str]:
    return {400: _("Запрос составлен неверно"), 401: _("Нужно войти"), 403: _("Доступ закрыт"),
            404: _("Страница не найдена"), 405: _("Метод не поддерживается"), 409: _("Конфликт"),
            413: _("Файл слишком большой"), 422: _("Запрос отклонён"), 429: _("Слишком много запросов"),
            500: _("Внутренняя ошибка"), 503: _("Сервис временно недоступен")}


def problem(status: int, message: str, title: str | None = None, headers: dict[str, str] | None = None,
            **extra: Any) -> ResponseReturnValue:
    """The answer to a refused request: an RFC 9457 problem for JSON clients, the error page for the rest."""
    title = title or _titles().get(status, _("Ошибка"))
    request_id = g.get("request_id")  # the operator finds the request's log lines by it
    if wants_json():
        response = jsonify({"type": "about:blank", "title": title, "status": status, "detail": message, **extra,
                            "request_id": request_id})
        response.mimetype = PROBLEM
    else:
        # the way back to the page that was refused (a form, say), when it can be opened again
        back = request.full_path.rstrip("?") if status == 429 else None
        response = current_app.make_response(
            render_template("errors/error.html", status=status, title=title, message=message, back=back,
                            request_id=request_id))
    response.status_code = status
    response.headers.update(headers or {})
    return response


def retry_in(reset_at: float) -> str:
    """When to try again, in words of the reader's language ("через 3 минуты")."""
    seconds = max(1, round(reset_at - time.time()))
    return format_timedelta(timedelta(seconds=seconds), granularity="second", threshold=1.0, add_direction=True)


def register_error_handlers(app: Flask) -> None:
    """Map every error to a page or a problem body with a clear message."""

    @app.errorhandler(VotingError)
    def voting_error(error: VotingError) -> ResponseReturnValue:
        extra = ({"field": error.field} if error.field else {}) | error.extra
        g.refusal_reason = error.extra.get("reason") or error.field or type(error).__name__  # for the metrics
        return problem(error.status, error.message, **extra)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        # the API answers 403 (as documented): the request is refused, not malformed
        return problem(403 if request.path.startswith("/api/") else 400,
                       _("Защитный код формы устарел или отсутствует. Обновите страницу и повторите."),
                       _("Форма устарела"))

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
        limit = (app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        return problem(413, _("Файл больше %(limit)s МБ.", limit=limit))

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded) -> ResponseReturnValue:
        from voting.core.extensions import limiter

        current = limiter.current_limit
        reset_at = current.reset_at if current else time.time() + 60
        return problem(429, _("Слишком много попыток подряд. Повторите %(when)s.", when=retry_in(reset_at)),
                       headers={"Retry-After": str(max(1, round(reset_at - time.time())))})

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        messages = {400: _("Запрос составлен неверно."), 401: _("Войдите, чтобы открыть эту страницу."),
                    403: _("У вас нет доступа к этой странице."), 404: _("Такой страницы нет."),
                    405: _("Этот адрес так не вызывают."), 409: _("Запрос противоречит текущему состоянию."),
                    422: _("Запрос отклонён.")}
        code = error.code or 500
        allow = dict(error.get_headers()).get("Allow")  # a 405 names the methods that are allowed
        return problem(code, messages.get(code, _("Запрос не выполнен.")), headers={"Allow": allow} if allow else None)

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError) -> ResponseReturnValue:
        return problem(500, _("Что-то пошло не так на нашей стороне. Данные не изменены; попробуйте ещё раз."))
