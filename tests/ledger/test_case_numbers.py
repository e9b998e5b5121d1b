"""Short case numbers (430121-2025-000123): given on create, one sequence per region and year,
never twice — also when many caseworkers record at the same moment (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from engine import Evaluator
from ledger import cases
from ledger.case_numbers import BEIJING, number_prefix
from ledger.db import MIGRATIONS, Ledger, make_engine, migrate
from tests.ledger.conftest import SECRET, id_number, woman

NUMBER = re.compile(r"^430121-\d{4}-\d{6}$")


def _record(ledger: Ledger, evaluator: Evaluator, serial: int) -> str:
    with ledger.session() as session:
        outcome = cases.create_case(
            session,
            evaluator,
            profile={**woman(age_years=40), "id_number": id_number(serial)},
            village="光明村",
            as_of=datetime(2025, 6, 1).date(),
            actor="test",
            secret=SECRET,
        )
        assert outcome.case.number is not None
        return outcome.case.number


def test_concurrent_creates_get_consecutive_distinct_numbers(
    database_url: str, evaluator: Evaluator
) -> None:
    ledger = Ledger.open(database_url, SECRET)
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            numbers = list(pool.map(lambda n: _record(ledger, evaluator, n), range(1, 25)))
    finally:
        ledger.engine.dispose()
    assert all(NUMBER.match(n) for n in numbers), numbers
    assert sorted(int(n[-6:]) for n in numbers) == list(range(1, 25))


def test_the_year_is_beijing_time() -> None:
    # 2025-12-31 17:00 UTC is already 2026-01-01 in Beijing
    assert number_prefix("430121", datetime(2025, 12, 31, 17, 0, tzinfo=UTC)) == "430121-2026"
    assert number_prefix(None, datetime(2025, 6, 1, tzinfo=UTC)) == "000000-2025"


def test_cases_recorded_before_the_migration_are_numbered_by_it(
    database_url: str, evaluator: Evaluator
) -> None:
    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
        connection.execute(
            text(
                "INSERT INTO cases (id, region_code, village, status, version, hardship,"
                " created_at, updated_at) VALUES ('old', '430121', '光明村', 'open', 1, false,"
                " :at, :at)"
            ),
            {"at": datetime(2025, 3, 1, 8, 0, tzinfo=UTC)},
        )
    migrate(engine)
    ledger = Ledger(engine=engine, secret=SECRET)
    try:
        newer = _record(ledger, evaluator, 2)
        with engine.connect() as connection:
            old = connection.execute(text("SELECT number FROM cases WHERE id = 'old'")).scalar()
    finally:
        engine.dispose()
    assert old == "430121-2025-000001"
    assert newer == f"430121-{datetime.now(UTC).astimezone(BEIJING).year}-" + (
        "000002" if datetime.now(UTC).astimezone(BEIJING).year == 2025 else "000001"
    )
