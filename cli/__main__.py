"""`python -m cli` runs the `guanai` command line."""

from cli.main import app

app()
