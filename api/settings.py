"""Settings: one `Settings(BaseSettings)`, read from the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The default ledger and identity key live in one absolute place, whatever the current folder
# (a command run from a spreadsheet's folder must not start a second ledger there).
HOME = Path(__file__).resolve().parents[1] / "var"


def ledger_location(database_url: str) -> str:
    """Where the ledger is, for banners: an SQLite file's absolute path, or the server URL
    without its password."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return str(Path(url.database).resolve())
    return url.render_as_string(hide_password=True)


class Settings(BaseSettings):
    """What the service reads from its environment (docs/contract.md §4, README)."""

    # Environment names are the upper-case field names (POLICY_PATHS, DATABASE_URL, HOST,
    # PORT); the process environment holds many unrelated variables: ignore them.
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    # Extra directories of (regional) parameter files, loaded after the shipped policies/.
    # `POLICY_PATHS=/etc/guanai/hunan:/etc/guanai/changsha`, like PATH (not JSON).
    policy_paths: Annotated[list[Path], NoDecode] = []
    # The ledger: an embedded SQLite file by default, PostgreSQL as postgresql://…
    database_url: str = f"sqlite:///{HOME / 'guanai.db'}"
    # Key of the resident-ID hash (IDENTITY_SECRET); without it, one is generated on first
    # start and kept in SECRET_FILE.
    identity_secret: str | None = None
    secret_file: Path = HOME / "identity.key"
    # Where loaded policy sets are cached (engine/cache.py: keyed by the files' content and
    # the engine's code, so start-up and reload skip parsing the YAML). POLICY_CACHE_DIR=
    # (empty) turns the cache off.
    policy_cache_dir: Path | None = HOME / "cache"
    # Let requests without a token evaluate profiles and read the catalog and policies (contract
    # §5 doors, which store nothing); every ledger route still needs a token. Off by default.
    public_evaluation: bool = False
    # An admin token that must exist (automation, tests); it must start with gat_.
    guanai_admin_token: str | None = None
    # Mount the bench's trivial POST /bench/echo route (GUANAI_BENCH_ECHO=1; bench/http.py).
    guanai_bench_echo: bool = False
    # Counts below this are shown as null in aggregates for roles that may not see cases
    # (the policy role's summary): a county with one woman in a category singles her out.
    small_count_threshold: Annotated[int, Field(ge=1, le=1000)] = 5
    # Hours a department has to answer an urgent referral (URGENT_RESPONSE_HOURS); the inbox
    # marks one not accepted, declined or withdrawn by then as overdue.
    urgent_response_hours: int = Field(24, ge=1, le=24 * 30)
    host: str = "127.0.0.1"
    port: int = 8000

    @field_validator("policy_cache_dir", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("policy_paths", mode="before")
    @classmethod
    def _split_paths(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part for part in value.split(":") if part.strip()]
        return value
