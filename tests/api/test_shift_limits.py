"""The server's limit on technician shifts (7 x DISPATCH_MAX_TECHNICIANS), checked without a server."""

from __future__ import annotations

import dataclasses

import pytest

from api.errors import ApiError
from api.limits import check_problem
from api.settings import Settings
from tests import factories as f


def test_technician_shifts_beyond_seven_times_the_technician_limit_are_422_naming_the_field():
    shifts = [{"start": f.at(24 * d + 8), "end": f.at(24 * d + 16)} for d in range(8)]
    week = {"id": "W", "start_location": f.point(), "shifts": shifts}
    settings = dataclasses.replace(Settings(), max_technicians=1)
    with pytest.raises(ApiError) as exc:
        check_problem(f.problem([week], []), settings)
    assert exc.value.status == 422 and "technicians" in str(exc.value.details[0].path) and "at most 7 technician shifts" in str(exc.value)
    week["shifts"] = shifts[:7]
    check_problem(f.problem([week], []), settings)
