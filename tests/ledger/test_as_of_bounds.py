"""The ledger itself bounds assessment dates to 1900–2199, for the CLI and the survey import
as for the HTTP door (issue 9, D13: a review date after 9999-12-31 does not exist)."""

from __future__ import annotations

from datetime import date

import pytest

from ledger import cases as service
from ledger.errors import InvalidInput
from tests.api.conftest import AppClient
from tests.ledger.conftest import create, woman


@pytest.mark.parametrize("day", [date(9999, 12, 31), date(2200, 1, 1), date(1899, 12, 31)])
def test_assessment_dates_outside_1900_to_2199_are_refused(
    ledger_client: AppClient, day: date
) -> None:
    case_id = create(ledger_client, woman(age_years=40))["id"]
    state = ledger_client.app.state
    with state.policies.lease() as evaluator, state.ledger.session() as session:
        with pytest.raises(InvalidInput) as refused:
            service.reassess(session, evaluator, case_id=case_id, as_of=day, actor="t")
        assert [p.field for p in refused.value.problems] == ["as_of"]
        with pytest.raises(InvalidInput) as refused:
            service.create_case(
                session,
                evaluator,
                profile=woman(),
                village="村",
                as_of=day,
                actor="t",
                secret=state.ledger.secret,
            )
        assert [p.field for p in refused.value.problems] == ["as_of"]
        done = service.reassess(
            session, evaluator, case_id=case_id, as_of=date(2199, 12, 31), actor="t"
        )
        assert done.case.next_review_due is None or done.case.next_review_due.year >= 2199
