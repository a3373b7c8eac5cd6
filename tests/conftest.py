"""Shared test setup: hypothesis profiles (dev: random; ci: derandomized), shared fixtures."""

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.engines import ENGINES, Engine

settings.register_profile("dev", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci", deadline=None, max_examples=60, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "dev"))


@pytest.fixture(autouse=True)
def _stage_registry_as_before():
    """Give each test the stage registry it started with: a label one test registers at a path (a model
    named "model", say) must not show up in another test's drawing of the same path."""
    from autograd import stages

    labels, kinds = dict(stages._LABELS), dict(stages._KINDS)
    yield
    stages._LABELS.clear()
    stages._LABELS.update(labels)
    stages._KINDS.clear()
    stages._KINDS.update(kinds)
    stages._ROOT_KIDS.clear()


# module scope: the Engine is immutable, and hypothesis refuses function-scoped fixtures in @given tests
@pytest.fixture(scope="module", params=list(ENGINES))
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each engine in turn (ids ``scalar`` and ``tensor``): a test written once runs on both."""
    return ENGINES[request.param]


@pytest.fixture
def micrograd_readme():
    """micrograd's README expression on layergrad's Value, back-propagated: ``(a, b, g)``.

    micrograd's README gives g = 24.7041, dg/da = 138.8338, dg/db = 645.5773.
    """
    from autograd import Value
    from tests.micrograd_programs import more_ops

    return more_ops(Value)
