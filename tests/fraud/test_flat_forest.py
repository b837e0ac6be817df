"""The flattened isolation forest scores exactly as scikit-learn's, many times faster."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import IsolationForest

from dispatch.fraud.flat_forest import FlatForest, average_path_length


@pytest.mark.parametrize("max_features", [1.0, 0.5])
def test_scores_equal_scikit_learns_on_rows_near_and_far_from_the_training(max_features):
    rng = np.random.default_rng(3)
    rows = rng.normal(size=(1500, 10))
    rows[:, 2] = rng.integers(0, 3, len(rows))  # ties on a discrete feature, as in orders
    forest = IsolationForest(n_estimators=120, max_features=max_features,
                             random_state=1).fit(rows)
    probes = np.vstack([rows[:200], rng.normal(scale=4.0, size=(200, 10))])
    assert FlatForest(forest).score(probes) == pytest.approx(-forest.score_samples(probes),
                                                             abs=1e-12)


def test_a_single_row_scores_like_a_batch():
    rng = np.random.default_rng(4)
    forest = IsolationForest(n_estimators=50, random_state=0).fit(rng.normal(size=(300, 4)))
    flat, probe = FlatForest(forest), rng.normal(size=(5, 4))
    assert [flat.score(row[None, :])[0] for row in probe] == pytest.approx(
        list(flat.score(probe)))


def test_average_path_length_of_small_leaves():
    assert list(average_path_length(np.array([0, 1, 2]))) == [0.0, 0.0, 1.0]
    # 2 H(n-1) - 2 (n-1) / n, with H(k) ~ ln k + Euler's gamma
    assert average_path_length(np.array([256]))[0] == pytest.approx(
        2 * (np.log(255) + np.euler_gamma) - 2 * 255 / 256)
