"""The statistics behind an action's evaluation: intervals, tests and the power of the test (pure functions)."""

from __future__ import annotations

import math

Z95 = 1.959963984540054
Z80 = 0.8416212335729143    # one-sided z for 80% power
POWER = 0.8
ALPHA = 0.05
CONTROL_ALPHA = 0.05    # other feedback counts as having moved below this p-value
MIN_ROWS = 30           # feedback rows needed in each window
MIN_EVENTS = 10         # negative topic mentions needed in both windows together
DATA_GAP_DAYS = 3       # the newest feedback may be this much older than the after-window's end
EXAMPLES_PER_SIDE = 3
VERDICTS = ("improved", "worsened", "no_significant_change", "insufficient_data")


def wilson_interval(x: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion x/n."""
    if n <= 0:
        return 0.0, 1.0
    p = x / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_interval(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> tuple[float, float]:
    """Newcombe's hybrid score interval (method 10) for p2 − p1."""
    p1 = x1 / n1 if n1 else 0.0
    p2 = x2 / n2 if n2 else 0.0
    l1, u1 = wilson_interval(x1, n1, z)
    l2, u2 = wilson_interval(x2, n2, z)
    d = p2 - p1
    return d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def fisher_exact(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of Fisher's exact test for x1/n1 vs x2/n2 (sum of tables as likely or less)."""
    k = x1 + x2
    n = n1 + n2
    lo, hi = max(0, k - n2), min(k, n1)
    if hi <= lo:
        return 1.0
    log_total = _log_comb(n, k)
    logs = [_log_comb(n1, i) + _log_comb(n2, k - i) - log_total for i in range(lo, hi + 1)]
    observed = logs[x1 - lo]
    p = sum(math.exp(v) for v in logs if v <= observed + 1e-7)
    return min(1.0, p)


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test."""
    if n1 == 0 or n2 == 0:
        return 1.0
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    zval = abs(x2 / n2 - x1 / n1) / se
    return math.erfc(zval / math.sqrt(2))


def compare_proportions(x1: int, n1: int, x2: int, n2: int) -> tuple[float, str]:
    """(two-sided p-value, test name): Fisher's exact test when any expected count is below 5, else z."""
    k = x1 + x2
    n = n1 + n2
    if n == 0:
        return 1.0, "none"
    expected = [n1 * k / n, n1 * (n - k) / n, n2 * k / n, n2 * (n - k) / n]
    if min(expected) < 5:
        return fisher_exact(x1, n1, x2, n2), "fisher"
    return two_proportion_z(x1, n1, x2, n2), "z"


def ratio_did(x1: int, n1: int, x2: int, n2: int, c1: int, m1: int, c2: int, m2: int,
              z: float = Z95) -> tuple[float, float, float]:
    """Ratio of ratios (x2/n2 ÷ x1/n1) ÷ (c2/m2 ÷ c1/m1) with a 95% interval on the log scale.

    Zero counts get the usual 0.5 correction so the interval stays finite.
    """
    cells = [x1, x2, c1, c2]
    adj = 0.5 if min(cells) == 0 else 0.0
    x1a, x2a, c1a, c2a = (v + adj for v in cells)
    n1a, n2a, m1a, m2a = (v + 2 * adj for v in (n1, n2, m1, m2))
    log_ratio = math.log(x2a / n2a) - math.log(x1a / n1a) - (math.log(c2a / m2a) - math.log(c1a / m1a))
    var = sum(max(0.0, 1 / a - 1 / b) for a, b in ((x1a, n1a), (x2a, n2a), (c1a, m1a), (c2a, m2a)))
    se = math.sqrt(var)
    return math.exp(log_ratio), math.exp(log_ratio - z * se), math.exp(log_ratio + z * se)




def rows_for_power(p_before: float, effect: float, *, z_alpha: float = Z95, z_power: float = Z80) -> int | None:
    """Rows per period for the two-sided 5% test to find a drop of `effect` (relative) with 80% power.

    The usual sample size of two proportions (Fleiss): n = (zα·√(2p̄q̄) + zβ·√(p1q1 + p2q2))² / (p1 − p2)².
    None when there is nothing to drop from (no negative feedback before) or no drop asked for.
    """
    if not 0 < p_before < 1 or not 0 < effect < 1:
        return None
    p1, p2 = p_before, p_before * (1 - effect)
    pbar = (p1 + p2) / 2
    top = z_alpha * math.sqrt(2 * pbar * (1 - pbar)) + z_power * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil((top / (p1 - p2)) ** 2)


def power_of_test(p_before: float, effect: float, n: int, *, z_alpha: float = Z95) -> float:
    """Chance that the two-sided 5% test finds a drop of `effect` (relative) with `n` rows per period."""
    if n <= 0 or not 0 < p_before < 1 or not 0 < effect < 1:
        return 0.0
    p1, p2 = p_before, p_before * (1 - effect)
    pbar = (p1 + p2) / 2
    se0 = math.sqrt(2 * pbar * (1 - pbar) / n)
    se1 = math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / n)
    zval = (abs(p1 - p2) - z_alpha * se0) / se1
    return 0.5 * math.erfc(-zval / math.sqrt(2))
