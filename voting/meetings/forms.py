"""Forms of the meeting pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateTimeLocalField, EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from voting.core.labels import choices
from voting.meetings.models import GIS_ID, MeetingForm, MeetingKind
from voting.meetings.plan import PlanChange


def _select(group: str, order: tuple[str, ...] | None = None) -> list[SelectChoice]:
    """A select's options in the words of the label table."""
    return [SelectChoice(value, words) for value, words in choices(group, order)]


KINDS = _select("meeting_kind", ("extraordinary", "annual"))
FORMS = _select("meeting_form", ("electronic", "mixed", "absentee", "in_person"))
DELIVERY_CHANNELS = _select("channel", ("gis_zhkh", "stairwell", "registered_letter", "hand_delivery"))


class MeetingPlanForm(FlaskForm):
    kind = SelectField(_l("Вид собрания"), choices=KINDS)
    form = SelectField(_l("Форма"), choices=FORMS)
    opens_at = DateTimeLocalField(_l("Начало голосования (местное время дома)"), validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Окончание голосования (местное время дома)"), validators=[Optional()])
    place = StringField(_l("Место очного обсуждения"), validators=[Optional(), Length(max=300)])
    paper_address = StringField(_l("Куда сдавать письменные решения"), validators=[Optional(), Length(max=300)])
    materials_info = TextAreaField(_l("Где и как ознакомиться с материалами"),
                                   validators=[Optional(), Length(max=1000)])
    administrator = EmailField(_l("Администратор собрания (почта учётной записи)"), validators=[Optional()])
    initiator_owner = StringField(_l("Инициатор-собственник (ФИО по реестру; пусто — инициатор управляющая "
                                     "организация)"), validators=[Optional(), Length(max=300)])
    gis_id = StringField(_l("Идентификатор собрания в ГИС ЖКХ (номер протокола)"),
                         validators=[Optional(),
                                     Regexp(GIS_ID, message=_l("от 1 до 64 букв латиницы, цифр и дефисов"))])

    def change(self) -> PlanChange:
        return PlanChange(kind=MeetingKind(self.kind.data), form=MeetingForm(self.form.data),
                          opens_at=self.opens_at.data, closes_at=self.closes_at.data,
                          place=self.place.data or None, paper_address=self.paper_address.data or None,
                          materials_info=self.materials_info.data or None, gis_id=self.gis_id.data or None,
                          administrator=self.administrator.data or "", initiator_owner=self.initiator_owner.data or "")


class DeliveryForm(FlaskForm):
    """How and when the notice reached the owners, beyond the platform's own e-mail."""

    channel = SelectField(_l("Способ"), choices=DELIVERY_CHANNELS)
    at = DateTimeLocalField(_l("Когда (местное время дома; пусто — сейчас)"), validators=[Optional()])
    detail = StringField(_l("Подробности: идентификатор в ГИС ЖКХ, номер реестра писем…"),
                         validators=[Optional(), Length(max=500)])


class OfficerForm(FlaskForm):
    """An officer the meeting is to elect (or has elected): they sign the protocol."""

    role = SelectField(_l("Роль"), choices=_select("officer_role"))
    name = StringField(_l("ФИО"), validators=[DataRequired(_l("Укажите ФИО.")), Length(max=300)])
    email = EmailField(_l("Почта учётной записи (для подписи протокола)"), validators=[Optional()])


class AgendaItemForm(FlaskForm):
    title = TextAreaField(_l("Вопрос повестки (один вопрос)"), validators=[DataRequired(_l("Сформулируйте вопрос.")),
                                                                            Length(max=3000)])
    proposal = TextAreaField(_l("Предлагаемое решение"), validators=[Optional(), Length(max=5000)])
    subject = RadioField(_l("Вид вопроса по закону"), validators=[DataRequired(_l("Выберите вид вопроса."))])
    entrance = StringField(_l("Подъезд (для перевода помещения в нежилое)"), validators=[Optional(), Length(max=10)])
    gis_choice = SelectField(_l("Выбираемый способ (для ГИС ЖКХ: формирование фонда капремонта или способ управления)"),
                             validators=[Optional()], default="")


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Причина"), validators=[DataRequired(_l("Укажите причину.")), Length(max=500)])


class MaterialForm(FlaskForm):
    file = FileField(_l("Материал к собранию (PDF, изображение, документ)"),
                     validators=[FileRequired(_l("Выберите файл."))])


class AdministratorNoticeForm(FlaskForm):
    """When the initiator's notice reached the administrator (ЖК РФ ст. 47.1 ч. 3–5)."""

    at = DateTimeLocalField(_l("Когда сообщение получил администратор (местное время дома)"),
                            validators=[DataRequired(_l("Укажите дату и время."))])


class OptOutForm(FlaskForm):
    """An owner's notice that they will not vote electronically in this meeting (156-ФЗ)."""

    owner = SelectField(_l("Собственник"), coerce=int, validators=[InputRequired(_l("Выберите собственника."))])
    received_at = DateTimeLocalField(_l("Когда уведомление получил администратор (местное время дома)"),
                                     validators=[DataRequired(_l("Укажите дату и время."))])


class RepeatForm(FlaskForm):
    """The form of the meeting that repeats one without quorum."""

    form = SelectField(_l("Форма повторного собрания"), choices=FORMS)
