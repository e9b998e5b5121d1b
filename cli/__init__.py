"""The `guanai` command line (typer): thin over the engine, the ledger and the service."""
