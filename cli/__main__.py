"""`python -m cli` runs the `guanai` command line."""

from cli.main import app

if __name__ == "__main__":  # a spawned worker process imports this module too
    app()
