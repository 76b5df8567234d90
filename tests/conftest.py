import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest

from tests.helpers import make_inputs


@pytest.fixture
def inputs():
    return make_inputs()
