"""Forms of the register pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField


class RegisterUploadForm(FlaskForm):
    file = FileField(_l("Файл реестра (CSV или XLSX)"), validators=[FileRequired(_l("Выберите файл реестра."))])


class ConfirmImportForm(FlaskForm):
    """Confirms a previewed import; `base` pins the register the preview was computed on."""

    base = HiddenField()
