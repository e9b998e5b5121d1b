"""当 — the one step that builds the profile and evaluates it (so validation runs here)."""

from __future__ import annotations

from datetime import date

from pytest_bdd import parsers, when

from tests.steps.case import DEFAULT_AS_OF, Case


@when("评估她的资格")
def _(case: Case) -> None:
    case.evaluate(DEFAULT_AS_OF)


@when(parsers.parse("在 {day} 评估她的资格"))
def _(case: Case, day: str) -> None:
    case.evaluate(date.fromisoformat(day))


@when("评估她的资格并说明全部理由")
def _(case: Case) -> None:
    case.evaluate(DEFAULT_AS_OF, explain="all")


@when(parsers.parse("在 {day} 评估她的资格并说明全部理由"))
def _(case: Case, day: str) -> None:
    case.evaluate(date.fromisoformat(day), explain="all")
