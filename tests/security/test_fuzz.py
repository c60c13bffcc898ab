"""Schemathesis against every service's OpenAPI document: no 5xx, every response as documented.

`make test` runs 100 requests per operation (half schema-valid, half schema-breaking); `make fuzz` (or
PMM_FUZZ_EXAMPLES=1000) the long run. The figures are printed (`pytest -s`, or in the report on failure).
"""

from __future__ import annotations

import pytest

from pmm_testkit.fuzz import examples_per_operation, fuzz_app

EXAMPLES = examples_per_operation()

pytestmark = [
    pytest.mark.integration,
    # Roughly 15-50 ms a request here; the long run scales its limit with the count.
    pytest.mark.timeout(120 + EXAMPLES * 8),
    # Schemathesis' own strategies use `random` internally; Hypothesis warns about it on every draw.
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]


def test_every_operation_survives_fuzzing(target):
    report = fuzz_app(target.app, target.service, personas=target.personas, examples=EXAMPLES)
    print("\n" + report.summary())
    assert report.results, "the OpenAPI document lists no operation"
    assert not report.failures, report.summary() + "\n\n" + report.details()
