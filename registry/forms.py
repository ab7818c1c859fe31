"""Forms of the register pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField
from wtforms.validators import Optional, Regexp

GUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


class RegisterUploadForm(FlaskForm):
    file = FileField(_l("Файл реестра (CSV или XLSX)"), validators=[FileRequired(_l("Выберите файл реестра."))])


class ConfirmImportForm(FlaskForm):
    """Confirms a previewed import; `base` pins the register the preview was computed on."""

    base = HiddenField()


def _guid(label: str) -> StringField:
    return StringField(label, validators=[Optional(), Regexp(GUID, message=_l(
        "Нужен GUID: 8-4-4-4-12 шестнадцатеричных цифр через дефис."))], filters=[lambda v: (v or "").strip() or None])


class GisIdentifiersForm(FlaskForm):
    """The identifiers ГИС ЖКХ knows the house and its managing organisation by."""

    fias_guid = _guid(_l("Идентификатор дома в ФИАС (ГАР)"))
    org_root_guid = _guid(_l("Идентификатор организации в реестре ГИС ЖКХ"))
    org_version_guid = _guid(_l("Идентификатор версии организации в реестре ГИС ЖКХ"))
