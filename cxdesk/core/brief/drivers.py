"""Key drivers of the star rating: how many stars a complaint about each topic costs, adjusted for the others.

Model: for rated, non-deleted reviews in a window, rating = a + Σ b_t · x_t + e, where x_t = 1 when the
review has a negative mention of topic t (the same negative mentions every other screen counts, table
`feedback_topics`, label 'negative'). Ridge-regularised (λ = `RIDGE`, intercept not penalised) so a
topic with a handful of complaints is pulled towards 0 instead of swinging the ranking. The interval is
analytic: Cov(b) = σ² M⁻¹ X'X M⁻¹ with M = X'X + λP and σ² the residual variance.

Rating impact ("解决后评分约可提高 0.2 星") = −b_t × share_t, where share_t is the share of rated reviews
complaining about t: the rise of the average rating if those complaints had not happened.

The fit needs only X'X, X'y and Σy² (`Moments`): counts and rating sums of the rated reviews complaining
about each pair of topics, which `moments.py` keeps per day beside the trend summaries, so a year's fit
reads a few thousand small rows instead of every review: faster than checking a cached fit was, so
nothing is cached (migration 101 drops the cache of migration 97) and the brief writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from cxdesk.core.analysis.trend_summary import try_refresh
from cxdesk.core.brief.moments import moment_matrices, read_moments

RIDGE = 5.0
Z95 = 1.959963984540054
MIN_RATED = 30          # fewer rated reviews than this: no drivers
WINDOW_DAYS = 365       # drivers use the year up to the brief's last day
PRIOR_STARS = 0.1       # cost per complaint assumed for ranking fixes when the data cannot tell


@dataclass(frozen=True)
class Driver:
    topic: str
    complaints: int                 # rated reviews with a negative mention of the topic
    share: float                    # ... / all rated reviews in the window
    coefficient: float              # stars: rating difference of complaining reviews, others held equal
    ci_low: float
    ci_high: float
    mean_with: float | None         # plain average rating of the complaining reviews
    mean_without: float | None      # ... of the other rated reviews

    @property
    def rating_impact(self) -> float:
        """Stars the average rating would gain without these complaints (≥ 0)."""
        return max(0.0, -self.coefficient * self.share)

    def to_dict(self) -> dict:
        return {"topic": self.topic, "complaints": self.complaints, "share": round(self.share, 4),
                "coefficient": round(self.coefficient, 3), "ci": [round(self.ci_low, 3), round(self.ci_high, 3)],
                "rating_impact": round(self.rating_impact, 3),
                "mean_with": None if self.mean_with is None else round(self.mean_with, 3),
                "mean_without": None if self.mean_without is None else round(self.mean_without, 3)}



@dataclass(frozen=True)
class Drivers:
    date_from: date
    date_to: date
    rated: int                      # rated reviews in the window
    mean_rating: float | None
    drivers: tuple[Driver, ...]     # by rating impact, largest first

    def get(self, topic: str) -> Driver | None:
        return next((d for d in self.drivers if d.topic == topic), None)

    def to_dict(self) -> dict:
        return {"from": self.date_from.isoformat(), "to": self.date_to.isoformat(), "rated": self.rated,
                "mean_rating": None if self.mean_rating is None else round(self.mean_rating, 3),
                "drivers": [d.to_dict() for d in self.drivers]}


# ---------------------------------------------------------------------------------------------
# The fit (pure)


@dataclass(frozen=True)
class Moments:
    """The sufficient statistics of the ridge fit: X'X and X'y with the intercept column, and Σy².

    X has a 1 column and one 0/1 column per topic (the review complains about it), y is the rating, so
    X'X holds the number of rated reviews, of reviews complaining about each topic and about each pair
    of topics, and X'y the rating sums of the same reviews: counts and sums SQL can aggregate.
    """

    xtx: np.ndarray        # (k + 1) × (k + 1)
    xty: np.ndarray        # k + 1
    yy: float              # Σ rating²

    @property
    def n(self) -> int:
        return int(round(self.xtx[0, 0]))


def moments_of_groups(k: int, groups: list[tuple[tuple[int, ...], int, float, float]]) -> Moments:
    """The moments of grouped rows: `groups` = [(topic indexes complained about, n, Σy, Σy²)]."""
    a, b, yy = np.zeros((k + 1, k + 1)), np.zeros(k + 1), 0.0
    for pattern, n, s, q in groups:
        x = np.zeros(k + 1)
        x[0] = 1.0
        x[[i + 1 for i in pattern]] = 1.0
        a += n * np.outer(x, x)
        b += s * x
        yy += q
    return Moments(a, b, yy)


def fit_drivers(topics: list[str], groups: list[tuple[tuple[int, ...], int, float, float]],
                ridge: float = RIDGE) -> tuple[Driver, ...]:
    """Ridge fit from grouped rows: `groups` = [(topic indexes complained about, n, Σy, Σy²)]."""
    return fit_moments(topics, moments_of_groups(len(topics), groups), ridge)


def fit_moments(topics: list[str], m: Moments, ridge: float = RIDGE) -> tuple[Driver, ...]:
    """Ridge fit (intercept not penalised) from X'X, X'y and Σy².

    Returns one Driver per topic with at least one complaint, sorted by rating impact. The residual sum
    of squares is Σy² − 2β'X'y + β'X'Xβ, so the interval needs no row either.
    """
    k = len(topics)
    n_total = m.n
    if k == 0 or n_total < MIN_RATED:
        return ()
    p = k + 1
    a, b = m.xtx, m.xty
    counts = np.diag(a)[1:]
    penalty = np.diag([0.0] + [ridge] * k)
    m_inv = np.linalg.pinv(a + penalty)
    beta = m_inv @ b
    rss = max(0.0, m.yy - 2 * beta @ b + beta @ a @ beta)
    sigma2 = rss / max(1, n_total - p)
    cov = sigma2 * m_inv @ a @ m_inv
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    sum_with = b[1:]
    total_sum = b[0]
    out = []
    for i, name in enumerate(topics):
        c = int(round(counts[i]))
        if c == 0:
            continue
        coef = float(beta[i + 1])
        rest = n_total - c
        out.append(Driver(name, c, c / n_total, coef, coef - Z95 * float(se[i + 1]), coef + Z95 * float(se[i + 1]),
                          float(sum_with[i] / c), float((total_sum - sum_with[i]) / rest) if rest else None))
    out.sort(key=lambda d: (-d.rating_impact, d.coefficient, d.topic))
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Reading the database


def _window(date_to: date) -> tuple[date, date]:
    return date_to - timedelta(days=WINDOW_DAYS - 1), date_to


def compute_drivers(db, date_from: date, date_to: date) -> Drivers:
    """Fit the drivers for reviews dated date_from..date_to (inclusive): from the
    daily moments of the summary tables, or straight from the rows when they cannot be refreshed."""
    topic_rows = db.execute("SELECT id, name FROM topics WHERE enabled = 1 ORDER BY id").fetchall()
    rows = read_moments(db, date_from.isoformat(), date_to.isoformat(), summary=try_refresh(db))
    xtx, xty, yy = moment_matrices([tid for tid, _n in topic_rows], rows)
    m = Moments(xtx, xty, yy)
    rated = m.n
    return Drivers(date_from, date_to, rated, float(xty[0]) / rated if rated else None,
                   fit_moments([name for _i, name in topic_rows], m))


def rating_drivers(db, date_to: date, date_from: date | None = None) -> Drivers:
    """The drivers for the year up to `date_to` (or from `date_from`)."""
    if date_from is None:
        date_from, date_to = _window(date_to)
    return compute_drivers(db, date_from, date_to)


__all__ = ["Driver", "Drivers", "Moments", "fit_drivers", "fit_moments", "moments_of_groups", "compute_drivers",
           "rating_drivers", "PRIOR_STARS", "WINDOW_DAYS"]
