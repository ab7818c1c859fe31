"""Forms of the indicator's pages: a meeting held outside the system, and a file of them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from voting.meetings.forms import FORMS, KINDS


class HeldMeetingForm(FlaskForm):
    """A meeting held outside the system, registered for the indicator."""

    kind = SelectField(_l("Вид"), choices=KINDS)
    form = SelectField(_l("Форма"), choices=FORMS)
    started_on = DateField(_l("Начало"), validators=[DataRequired(_l("укажите дату"))])
    ended_on = DateField(_l("Окончание"), validators=[DataRequired(_l("укажите дату"))])
    protocol_number = StringField(_l("Номер протокола"), validators=[Optional(), Length(max=64)])
    protocol = FileField(_l("Протокол (PDF, по желанию)"))

    def validate_ended_on(self, field: DateField) -> None:
        if field.data and self.started_on.data and field.data < self.started_on.data:
            raise ValidationError(_l("окончание раньше начала"))


class MeetingsFileForm(FlaskForm):
    file = FileField(_l("Файл CSV или XLSX"), validators=[FileRequired(_l("приложите файл"))])
