"""Runs every scenario in features/ (the executable policy specification) with the shared
step vocabulary of tests/steps/."""

from pytest_bdd import scenarios

# The step decorators register their fixtures in the module that defines them; importing
# every name here puts them where pytest looks for this module's fixtures.
from tests.steps.beyond import *  # noqa: F403
from tests.steps.given import *  # noqa: F403
from tests.steps.then import *  # noqa: F403
from tests.steps.when import *  # noqa: F403

scenarios(".")
