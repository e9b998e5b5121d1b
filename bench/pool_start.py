"""What a survey-import worker process costs to start (import, policy, durable_rules
rulesets): `python -m bench.pool_start` starts the pool of `ledger/survey/pool.py` as
`guanai ledger import` does and prints the workers' CPU seconds as JSON.

Like the `guanai` script, this module imports `cli.main` at its top: a spawned worker runs
the main module again (as `__mp_main__`), so only that is imported outside the `__main__`
guard, and the figure is what a worker of a real import pays.
"""

from __future__ import annotations

import json
import os
import resource
import time

import cli.main  # noqa: F401  (what the `guanai` script imports; a worker imports it too)

if __name__ == "__main__":
    from bench.inprocess import REGIONS
    from engine import Evaluator, load_policy
    from ledger.survey.pool import POOL_FROM_ROWS, Evaluations

    evaluator = Evaluator(load_policy(extra_dirs=[REGIONS]))
    started = time.perf_counter()
    evaluations = Evaluations(evaluator, rows=POOL_FROM_ROWS)
    pool = evaluations.pool
    assert pool is not None, "one core: no pool to start"
    workers = min(os.cpu_count() or 2, 4)  # as ledger/survey/pool.py starts them
    for future in [pool.submit(sum, []) for _ in range(workers * 4)]:
        future.result()
    ready = time.perf_counter() - started
    evaluations.close()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = children.ru_utime + children.ru_stime
    print(json.dumps({"workers": workers, "ready_s": ready, "cpu_s_each": cpu / workers}))
