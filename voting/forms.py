"""Forms of the application shell."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf


class LanguageForm(FlaskForm):
    """Switches the interface language; `next` brings the user back to the page they were on."""

    lang = StringField(validators=[AnyOf(["ru", "en"])])
    next = HiddenField()
