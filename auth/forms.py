"""Forms of the sign-in pages and the account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, EmailField, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional, Regexp

EMAIL = [DataRequired(_l("Укажите адрес электронной почты.")), Email(_l("Это не похоже на адрес почты.")),
         Length(max=254)]


class LoginForm(FlaskForm):
    email = EmailField(_l("Электронная почта"), validators=EMAIL)
    password = PasswordField(_l("Пароль"), validators=[DataRequired(_l("Введите пароль."))])


class RegisterForm(FlaskForm):
    email = EmailField(_l("Электронная почта"), validators=EMAIL)
    full_name = StringField(_l("Фамилия, имя, отчество"), validators=[DataRequired(_l("Укажите ФИО.")),
                                                                      Length(max=300)])
    password = PasswordField(_l("Пароль (не короче 8 символов)"), validators=[DataRequired(_l("Введите пароль."))])
    confirm = PasswordField(_l("Пароль ещё раз"),
                            validators=[EqualTo("password", _l("Пароли не совпадают."))])


class EmailForm(FlaskForm):
    email = EmailField(_l("Электронная почта"), validators=EMAIL)


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("Новый пароль"), validators=[DataRequired(_l("Введите пароль."))])
    confirm = PasswordField(_l("Новый пароль ещё раз"),
                            validators=[EqualTo("password", _l("Пароли не совпадают."))])


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Текущий пароль"), validators=[DataRequired(_l("Введите текущий пароль."))])


class TotpForm(FlaskForm):
    code = StringField(_l("Код из приложения"), validators=[DataRequired(_l("Введите код.")),
                                                            Regexp(r"^\s*\d{6}\s*$", message=_l("Код — 6 цифр."))])


class CodeForm(FlaskForm):
    code = StringField(_l("Код из письма управляющей компании"),
                       validators=[DataRequired(_l("Введите код из письма.")), Length(max=40)])


class ClaimForm(FlaskForm):
    address = StringField(_l("Адрес дома"), validators=[DataRequired(_l("Укажите адрес дома.")), Length(max=300)])
    premises = StringField(_l("Номер помещения"), validators=[DataRequired(_l("Укажите номер помещения.")),
                                                              Length(max=20)])
    egrn_record = StringField(_l("Номер записи ЕГРН (из выписки)"),
                              validators=[DataRequired(_l("Укажите номер записи ЕГРН.")), Length(max=60)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Причина"), validators=[Length(max=500)])


class GuestForm(FlaskForm):
    email = EmailField(_l("Почта того, кому открыть просмотр"), validators=EMAIL)


class ProxyForm(FlaskForm):
    address = StringField(_l("Адрес дома"), validators=[DataRequired(_l("Укажите адрес дома.")), Length(max=300)])
    premises = StringField(_l("Номер помещения"), validators=[DataRequired(_l("Укажите номер помещения.")),
                                                              Length(max=20)])
    egrn_record = StringField(_l("Номер записи ЕГРН доверителя"),
                              validators=[DataRequired(_l("Укажите номер записи ЕГРН.")), Length(max=60)])
    issued_on = DateField(_l("Дата выдачи доверенности"), validators=[DataRequired(_l("Укажите дату выдачи."))])
    valid_until = DateField(_l("Действует по (включительно)"),
                            validators=[DataRequired(_l("Укажите срок действия."))])
    meeting = IntegerField(_l("Номер собрания, если доверенность только на одно собрание"),
                           validators=[Optional(), NumberRange(min=1)])
    scan = FileField(_l("Скан доверенности (PDF, JPEG или PNG)"),
                     validators=[FileRequired(_l("Приложите скан доверенности."))])
