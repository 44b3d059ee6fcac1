"""Agreement of two hand labellers on round 4's held-back customer tweets (issue 17).

Reads the first labeller's `customer_messages_holdout4.csv` and the second rater's
`customer_messages_holdout4_rater2.csv` (both in this folder; one category a tweet, labelled
independently by the guide in `categories.md`) and prints the figures of the "Round 4: two
raters" subsection of `categories.md`:

- percent agreement and Cohen's kappa, with 95 % percentile bootstrap intervals over messages
  (2,000 resamples, seed 17; the same resamples for every bootstrapped figure);
- per-category agreement: of the messages either rater put in a category, how many both did;
- the confusion pairs (unordered) the raters disagree on most;
- each rater scored against the other as if it were a classifier, with the definitions of
  `categories.md`: macro precision = mean over the categories the "classifier" assigned, `other`
  excluded, of correct / assigned; the `other` share (Wilson 95 %) of its labels; pooled
  precision and accuracy. The second rater against the first is the ceiling a classifier can
  reach against one labeller.

Run: `python tests/golden/agreement_round4.py` (from the repository root or anywhere).
`tests/test_category_agreement.py` checks the figures reported in `categories.md`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

HERE = Path(__file__).parent
FIRST = HERE / "customer_messages_holdout4.csv"
SECOND = HERE / "customer_messages_holdout4_rater2.csv"
RESAMPLES = 2000
SEED = 17


def paired_labels(first: Path = FIRST, second: Path = SECOND) -> pd.DataFrame:
    """One row per message both raters labelled: `source`, `id`, `first`, `second`."""
    a = pd.read_csv(first, dtype=str, keep_default_na=False)
    b = pd.read_csv(second, dtype=str, keep_default_na=False)
    keys = ["source", "id"]
    both = a[keys + ["category"]].merge(
        b[keys + ["category"]], on=keys, how="inner", suffixes=("_first", "_second")
    )
    if len(both) != len(a) or len(both) != len(b):
        raise ValueError(
            f"the two label files do not hold the same messages ({len(a)} and {len(b)} rows, "
            f"{len(both)} shared); label the same texts in both"
        )
    return both.rename(columns={"category_first": "first", "category_second": "second"})


def agreement(first: np.ndarray, second: np.ndarray) -> float:
    """Share of messages given the same category by both raters."""
    return float((first == second).mean())


def cohen_kappa(first: np.ndarray, second: np.ndarray) -> float:
    """Cohen's kappa: (observed - chance agreement) / (1 - chance agreement), chance from the
    two raters' own category shares."""
    n = len(first)
    observed = agreement(first, second)
    a, b = Counter(first.tolist()), Counter(second.tolist())
    chance = sum(a[c] * b[c] for c in a) / (n * n)
    return (observed - chance) / (1 - chance)


def macro_precision(truth: np.ndarray, assigned: np.ndarray) -> float:
    """Mean over the categories `assigned` uses (except `other`) of correct / assigned."""
    cats = sorted(set(assigned.tolist()) - {"other"})
    return float(
        np.mean([((assigned == c) & (truth == c)).sum() / (assigned == c).sum() for c in cats])
    )


@dataclass(frozen=True)
class Scored:
    """One rater's labels scored against the other's as if it were a classifier."""

    n: int
    other: int
    macro_precision: float
    macro_interval: tuple[float, float]
    pooled: tuple[int, int]  # correct, assigned over the named categories
    correct: int


def scored_as_classifier(truth: np.ndarray, assigned: np.ndarray, rows: list[np.ndarray]) -> Scored:
    """`assigned` scored against `truth`; `rows` are the bootstrap resamples' indices."""
    named = assigned != "other"
    boot = [macro_precision(truth[i], assigned[i]) for i in rows]
    return Scored(
        n=len(truth),
        other=int((~named).sum()),
        macro_precision=macro_precision(truth, assigned),
        macro_interval=percentile_interval(boot),
        pooled=(int(((assigned == truth) & named).sum()), int(named.sum())),
        correct=int((assigned == truth).sum()),
    )


def bootstrap_rows(n: int, resamples: int = RESAMPLES, seed: int = SEED) -> list[np.ndarray]:
    """Indices of the bootstrap resamples over messages (with replacement)."""
    rng = np.random.default_rng(seed)
    return [rng.integers(0, n, n) for _ in range(resamples)]


def percentile_interval(values: list[float]) -> tuple[float, float]:
    """95 % percentile interval, rounded to 3 decimals."""
    return round(float(np.quantile(values, 0.025)), 3), round(float(np.quantile(values, 0.975)), 3)


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson 95 % interval of k / n, rounded to 3 decimals."""
    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    return round(float(lo), 3), round(float(hi), 3)


def per_category_agreement(first: np.ndarray, second: np.ndarray) -> pd.DataFrame:
    """For each category: messages either rater put there, messages both did, first's and
    second's counts; sorted by category."""
    cats = sorted(set(first.tolist()) | set(second.tolist()))
    out = [
        {
            "category": c,
            "both": int(((first == c) & (second == c)).sum()),
            "either": int(((first == c) | (second == c)).sum()),
            "first": int((first == c).sum()),
            "second": int((second == c).sum()),
        }
        for c in cats
    ]
    return pd.DataFrame(out)


def confusion_pairs(first: np.ndarray, second: np.ndarray) -> pd.DataFrame:
    """Disagreements counted by unordered pair of categories, most frequent first; `a_b` counts
    first = a, second = b and `b_a` the reverse."""
    pairs: Counter[tuple[str, str]] = Counter()
    for f, s in zip(first.tolist(), second.tolist(), strict=True):
        if f != s:
            pairs[(f, s)] += 1
    keys = {tuple(sorted(p)) for p in pairs}
    rows = [
        {
            "a": a,
            "b": b,
            "n": pairs[(a, b)] + pairs[(b, a)],
            "a_b": pairs[(a, b)],
            "b_a": pairs[(b, a)],
        }
        for a, b in keys
    ]
    return pd.DataFrame(rows).sort_values(["n", "a", "b"], ascending=[False, True, True])


def report(both: pd.DataFrame) -> str:
    """The figures as markdown."""
    first, second = both["first"].to_numpy(), both["second"].to_numpy()
    n = len(both)
    rows = bootstrap_rows(n)
    agree = int((first == second).sum())
    agree_ci = percentile_interval([agreement(first[i], second[i]) for i in rows])
    kappa_ci = percentile_interval([cohen_kappa(first[i], second[i]) for i in rows])
    lines = [
        f"messages: {n}",
        f"agreement: {agree}/{n} = {agree / n:.3f} [{agree_ci[0]:.3f}, {agree_ci[1]:.3f}] "
        f"(Wilson [{wilson(agree, n)[0]:.3f}, {wilson(agree, n)[1]:.3f}])",
        f"Cohen's kappa: {cohen_kappa(first, second):.3f} [{kappa_ci[0]:.3f}, {kappa_ci[1]:.3f}]",
        "",
        "| category | both / either | first rater | second rater |",
        "|---|---|---|---|",
    ]
    for r in per_category_agreement(first, second).itertuples():
        lines.append(
            f"| {r.category} | {r.both}/{r.either} = {r.both / r.either:.2f} | {r.first} | {r.second} |"
        )
    lines += [
        "",
        "| pair | disagreements | first a, second b | first b, second a |",
        "|---|---|---|---|",
    ]
    for r in confusion_pairs(first, second).head(12).itertuples():
        lines.append(f"| {r.a} / {r.b} | {r.n} | {r.a_b} | {r.b_a} |")
    lines.append("")
    for name, truth, assigned in (
        ("second rater scored against the first", first, second),
        ("first rater scored against the second", second, first),
    ):
        s = scored_as_classifier(truth, assigned, rows)
        lines.append(
            f"{name}: other {s.other} = {100 * s.other / n:.1f} % "
            f"[{100 * wilson(s.other, n)[0]:.1f}, {100 * wilson(s.other, n)[1]:.1f}], "
            f"macro precision {s.macro_precision:.3f} [{s.macro_interval[0]:.3f}, "
            f"{s.macro_interval[1]:.3f}], pooled {s.pooled[0]}/{s.pooled[1]} = "
            f"{s.pooled[0] / s.pooled[1]:.3f} [{wilson(*s.pooled)[0]:.3f}, {wilson(*s.pooled)[1]:.3f}], "
            f"accuracy {s.correct}/{n}"
        )
        per = per_category_agreement(truth, assigned)
        per = per[(per["second"] > 0) & (per["category"] != "other")]
        lines.append(
            "  per category (correct/assigned): "
            + ", ".join(f"{r.category} {r.both}/{r.second}" for r in per.itertuples())
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(paired_labels()))
