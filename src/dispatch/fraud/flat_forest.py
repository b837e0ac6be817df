"""An isolation forest's trees as padded arrays, walked for all trees at once.

scikit-learn scores a row tree by tree in Python: about 9 ms for one row of a 200-tree
forest, at every order placement. Walking every tree one level per numpy step takes
tens of microseconds and gives the same scores (the tests compare them).
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import IsolationForest


def average_path_length(n: np.ndarray) -> np.ndarray:
    """Expected path length of an unsuccessful search in a binary tree of ``n`` nodes:
    what a leaf holding ``n`` training rows adds to the depth at which it was reached."""
    n = np.asarray(n, dtype=float)
    result = np.where(n == 2, 1.0, 0.0)
    many = n > 2
    result[many] = 2.0 * (np.log(n[many] - 1.0) + np.euler_gamma) - 2.0 * (n[many] - 1.0) / n[
        many]
    return result


class FlatForest:
    """``score(rows)`` equals ``-forest.score_samples(rows)``: higher is more anomalous."""

    def __init__(self, forest: IsolationForest) -> None:
        trees = [estimator.tree_ for estimator in forest.estimators_]
        width = max(tree.node_count for tree in trees)
        shape = (len(trees), width)
        self.left = np.full(shape, -1, dtype=np.int64)
        self.right = np.full(shape, -1, dtype=np.int64)
        self.feature = np.zeros(shape, dtype=np.int64)
        self.threshold = np.zeros(shape)
        self.leaf_depth = np.zeros(shape)
        every_feature = _uses_every_feature(forest)
        for t, (tree, features) in enumerate(zip(trees, forest.estimators_features_,
                                                 strict=True)):
            n = tree.node_count
            self.left[t, :n], self.right[t, :n] = tree.children_left, tree.children_right
            used = np.maximum(tree.feature, 0)
            self.feature[t, :n] = used if every_feature else np.asarray(features)[used]
            self.threshold[t, :n] = tree.threshold
            self.leaf_depth[t, :n] = (_node_depths(tree.children_left, tree.children_right)
                                      + average_path_length(tree.n_node_samples) - 1.0)
        self.trees = np.arange(len(trees))
        self.denominator = len(trees) * float(average_path_length(
            np.array([forest.max_samples_]))[0])

    def score(self, rows: np.ndarray) -> np.ndarray:
        # The trees compare float32 features (scikit-learn's tree input type).
        x = np.asarray(rows, dtype=np.float32).astype(float)
        node = np.zeros((len(x), len(self.trees)), dtype=np.int64)
        samples = np.arange(len(x))[:, None]
        while True:
            left = self.left[self.trees, node]
            inner = left >= 0
            if not inner.any():
                break
            goes_left = x[samples, self.feature[self.trees, node]] <= self.threshold[
                self.trees, node]
            node = np.where(inner, np.where(goes_left, left, self.right[self.trees, node]),
                            node)
        depths = self.leaf_depth[self.trees, node].sum(axis=1)
        if self.denominator == 0:
            return np.ones(len(x))
        return 2.0 ** (-depths / self.denominator)


def _uses_every_feature(forest: IsolationForest) -> bool:
    """Whether the trees were fitted on the rows' own columns (scikit-learn indexes the
    columns of each tree only when it samples features)."""
    return forest.max_features in (1.0, forest.n_features_in_)


def _node_depths(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Nodes on the path from the root to each node, the node included (root: 1)."""
    depth = np.zeros(len(left))
    depth[0] = 1.0
    for node in range(len(left)):  # children always come after their parent
        for child in (left[node], right[node]):
            if child >= 0:
                depth[child] = depth[node] + 1.0
    return depth
