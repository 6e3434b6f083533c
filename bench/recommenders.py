"""The standard recommenders the cross-sell bench measures ours against, on the same purchases.

Bench-only (numpy, scipy and ``implicit`` come with the ``bench`` extra, never at run time):

- item-kNN: cosine similarity between products' buyer sets; a product scores the sum of its
  similarities to what the customer has.
- EASE (Steck 2019): a closed-form item-item linear model, ``B = I - P / diag(P)`` with
  ``P = (XᵀX + λI)⁻¹``.
- matrix factorisation: ``implicit``'s alternating least squares for implicit feedback.

Each takes a customer's row of products (what they bought, or for a customer who bought
nothing, what they viewed, carted or asked about) and gives the k best products not in it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # implicit asks for it: its own threads do the work

import numpy as np
from scipy.sparse import csr_matrix

__all__ = ["Purchases", "Recommender", "als", "ease", "item_knn", "popularity"]

Recommender = Callable[[Sequence[int]], list[int]]
"""Product indices a customer has → the best product indices not among them, best first."""


class Purchases:
    """Customers x products, 1 where the customer bought the product."""

    def __init__(self, baskets: dict[str, set[str]], skus: Sequence[str]) -> None:
        self.skus = list(skus)
        self.index = {sku: n for n, sku in enumerate(self.skus)}
        self.customers = sorted(c for c, basket in baskets.items() if basket)
        rows = [n for n, c in enumerate(self.customers) for _ in baskets[c]]
        cols = [self.index[sku] for c in self.customers for sku in sorted(baskets[c])]
        self.matrix = csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                                 shape=(len(self.customers), len(self.skus)))

    def row(self, skus: Sequence[str]) -> list[int]:
        return sorted({self.index[sku] for sku in skus if sku in self.index})


def _best(scores: np.ndarray, have: Sequence[int], k: int) -> list[int]:
    """The k highest-scoring indices not in ``have``; ties by index (the sku order), as ours breaks them."""
    scores = scores.astype(np.float64).copy()
    scores[list(have)] = -np.inf
    order = np.lexsort((np.arange(len(scores)), -scores))
    return [int(i) for i in order[:k] if np.isfinite(scores[i])]


def popularity(data: Purchases, k: int) -> Recommender:
    buyers = np.asarray(data.matrix.sum(axis=0)).ravel()
    return lambda have: _best(buyers, have, k)


def _linear(weights: np.ndarray, k: int) -> Recommender:
    def recommend(have: Sequence[int]) -> list[int]:
        return _best(weights[list(have)].sum(axis=0), have, k)
    return recommend


def item_knn(data: Purchases, k: int) -> Recommender:
    together = (data.matrix.T @ data.matrix).toarray().astype(np.float64)
    norms = np.sqrt(np.diag(together))
    norms[norms == 0] = 1.0
    similarity = together / norms[:, None] / norms[None, :]
    np.fill_diagonal(similarity, 0.0)
    return _linear(similarity, k)


def ease(data: Purchases, k: int, regularisation: float) -> Recommender:
    gram = (data.matrix.T @ data.matrix).toarray().astype(np.float64)
    gram[np.diag_indices_from(gram)] += regularisation
    inverse = np.linalg.inv(gram)
    weights = -inverse / np.diag(inverse)
    np.fill_diagonal(weights, 0.0)
    return _linear(weights, k)


def als(data: Purchases, k: int, factors: int, regularisation: float, alpha: float) -> Recommender:
    from implicit.als import AlternatingLeastSquares

    model = AlternatingLeastSquares(factors=factors, regularization=regularisation, alpha=alpha,
                                    iterations=20, random_state=7, num_threads=1)
    model.fit(data.matrix, show_progress=False)
    width = data.matrix.shape[1]

    def recommend(have: Sequence[int]) -> list[int]:
        if not have:
            return []
        row = csr_matrix((np.ones(len(have), dtype=np.float32), ([0] * len(have), list(have))), shape=(1, width))
        ids, _ = model.recommend(0, row, N=k, filter_already_liked_items=True, recalculate_user=True)
        return [int(i) for i in ids]
    return recommend
