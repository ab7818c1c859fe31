"""The wheel keeps the repository's top level: the Python packages as they are, and templates/, static/ and
translations/ carried as `voting/<name>` (voting.core.resources finds them from a checkout and when installed)."""

from setuptools import find_packages, setup

BUNDLED = ("templates", "static", "translations")

setup(
    packages=find_packages(include=["voting*", "registry*", "auth*", "ballots*", "protocols*", "indicators*",
                                    "migrations*"]) + [f"voting.{name}" for name in BUNDLED],
    package_dir={f"voting.{name}": name for name in BUNDLED},
    package_data={
        **{f"voting.{name}": ["**/*"] for name in BUNDLED},
        "migrations": ["alembic.ini", "script.py.mako", "versions/*.py"],
        "": ["*.json", "*.csv", "*.xlsx", "*.txt", "*.wsdl"],
    },
)
