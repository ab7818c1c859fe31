"""Forms of the meeting pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateTimeLocalField, EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from voting.meetings.models import GIS_ID

KINDS = [SelectChoice("extraordinary", _l("внеочередное")), SelectChoice("annual", _l("годовое"))]
FORMS = [SelectChoice("electronic", _l("заочное с использованием системы (онлайн)")),
         SelectChoice("mixed", _l("очно-заочное")), SelectChoice("absentee", _l("заочное (письменные решения)")),
         SelectChoice("in_person", _l("очное"))]


DELIVERY_CHANNELS = [
    SelectChoice("gis_zhkh", _l("размещено в ГИС ЖКХ")),
    SelectChoice("stairwell", _l("вывешено в подъездах (в месте, определённом решением собрания)")),
    SelectChoice("registered_letter", _l("разосланы заказные письма")),
    SelectChoice("hand_delivery", _l("вручено собственникам под подпись"))]


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


class DeliveryForm(FlaskForm):
    """How and when the notice reached the owners, beyond the platform's own e-mail."""

    channel = SelectField(_l("Способ"), choices=DELIVERY_CHANNELS)
    at = DateTimeLocalField(_l("Когда (местное время дома; пусто — сейчас)"), validators=[Optional()])
    detail = StringField(_l("Подробности: идентификатор в ГИС ЖКХ, номер реестра писем…"),
                         validators=[Optional(), Length(max=500)])


class OfficerForm(FlaskForm):
    """An officer the meeting is to elect (or has elected): they sign the protocol."""

    role = SelectField(_l("Роль"), choices=[SelectChoice("chair", _l("председатель")),
                                            SelectChoice("secretary", _l("секретарь")),
                                            SelectChoice("counter", _l("член счётной комиссии"))])
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
