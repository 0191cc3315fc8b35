"""The travel-matrix type: shapes are checked, and the speed factor scales times only."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.geo.types import TravelMatrix


def test_durations_and_distances_must_be_square_and_the_same_size():
    square = [[0, 5], [5, 0]]
    with pytest.raises(ValueError, match="square"):
        TravelMatrix(square, [[0, 5, 1], [5, 0, 1], [1, 1, 0]], "explicit")
    with pytest.raises(ValueError, match="square"):
        TravelMatrix([[0, 5, 1], [5, 0, 1]], square, "explicit")
    assert TravelMatrix(square, square, "explicit").size == 2


def test_speed_factor_scales_times_and_rounds_to_whole_seconds():
    m = TravelMatrix([[0, 100], [333, 0]], [[0, 1000], [3000, 0]], "explicit")
    slow = m.scaled(1.5)
    assert slow.durations_s.tolist() == [[0, 150], [500, 0]]  # 499.5 rounds to even: 500
    assert slow.distances_m.tolist() == [[0, 1000], [3000, 0]]
    assert m.scaled(1.0) is m
    assert np.array_equal(m.durations_s, [[0, 100], [333, 0]])
