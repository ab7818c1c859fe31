"""Where the app's non-Python files are: beside `voting` when installed from the wheel, at the checkout's root."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # voting/
CHECKOUT = PACKAGE.parent
BUNDLED = ("templates", "static", "translations")  # the wheel carries these as voting/<name> (setup.py)


def resource_dir(name: str) -> Path:
    """The folder `name` (templates, static, translations, migrations) of this installation."""
    if name == "migrations":
        import migrations  # a package of its own: the migration files import `migrations.column_types`

        return Path(migrations.__file__).resolve().parent
    installed = PACKAGE / name
    return installed if installed.is_dir() else CHECKOUT / name
