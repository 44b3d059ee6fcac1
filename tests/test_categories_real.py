"""Issue categories on 615 real, hand-labelled customer messages (issue 17).

The labels and their provenance are in tests/golden/categories.md: written before the rule was
run on the texts; `dev` was used to tune etl/playbook.toml, `holdout` was evaluated at the end
(twice: categories.md says why and what changed in between). These tests recompute every figure reported there (and in the README) from the committed
labels and the default playbook, so a playbook change shows up as a changed count here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from etl.playbook import categories_from_text, load_playbook
from etl.text_sql import add_categories

LABELS = Path(__file__).parent / "golden" / "customer_messages_labelled.csv"
TWEETS = ("twcs_head_sample", "twcs", "ibm_dev")  # the targets are on tweets, not survey answers
SOURCES = {"twcs_head_sample": 64, "twcs": 326, "ibm_dev": 105, "nps_verbatims": 120}


@dataclass(frozen=True)
class Figures:
    """What the rule does on one set of labelled messages."""

    n: int
    counts: dict[str, tuple[int, int, int]]  # category -> (correct, predicted, labelled)
    other: int  # messages the rule leaves as 'other'

    def precision(self, cat: str) -> float:
        tp, pred, _ = self.counts[cat]
        return tp / pred

    def named(self) -> list[str]:
        """Categories the rule assigned at least once, 'other' excluded."""
        return sorted(c for c, (_, pred, _) in self.counts.items() if pred and c != "other")

    def macro_precision(self) -> float:
        return float(np.mean([self.precision(c) for c in self.named()]))

    def macro_recall(self) -> float:
        cats = [c for c, (_, _, lab) in self.counts.items() if lab and c != "other"]
        return float(np.mean([self.counts[c][0] / self.counts[c][2] for c in cats]))

    def pooled_precision(self) -> tuple[int, int]:
        """Correct and predicted over the named categories (micro precision)."""
        return (sum(self.counts[c][0] for c in self.named()),
                sum(self.counts[c][1] for c in self.named()))


def labelled() -> pd.DataFrame:
    return pd.read_csv(LABELS, dtype=str, keep_default_na=False)


def figures(part: pd.DataFrame) -> Figures:
    """Counts of the default playbook's rule against the hand labels of `part`."""
    pred = categories_from_text(part["text"], load_playbook()).to_numpy()
    truth = part["category"].to_numpy()
    cats = sorted(set(pred) | set(truth))
    counts = {c: (int(((pred == c) & (truth == c)).sum()), int((pred == c).sum()),
                  int((truth == c).sum())) for c in cats}
    return Figures(len(part), counts, int((pred == "other").sum()))


def wilson(k: int, n: int) -> tuple[float, float]:
    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    return round(float(lo), 3), round(float(hi), 3)


def macro_interval(part: pd.DataFrame, resamples: int = 2000, seed: int = 17) -> tuple[float, float]:
    """95 % percentile bootstrap interval of the macro precision (messages resampled)."""
    pred = categories_from_text(part["text"], load_playbook()).to_numpy()
    truth = part["category"].to_numpy()
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(resamples):
        i = rng.integers(0, len(part), len(part))
        p, t = pred[i], truth[i]
        cats = [c for c in set(p) if c != "other"]
        out.append(np.mean([((p == c) & (t == c)).sum() / (p == c).sum() for c in cats]))
    return round(float(np.quantile(out, 0.025)), 3), round(float(np.quantile(out, 0.975)), 3)


def subset(split: str, kind: str) -> pd.DataFrame:
    d = labelled()
    d = d[d["split"] == split]
    return d[d["source"].isin(TWEETS)] if kind == "tweets" else d[d["source"] == "nps_verbatims"]


def test_the_labelled_set_is_what_categories_md_describes():
    d = labelled()
    assert list(d.columns) == ["split", "source", "id", "brand", "text", "category", "note"]
    assert d.groupby("source").size().to_dict() == SOURCES and len(d) == 615
    assert d.groupby("split").size().to_dict() == {"dev": 348, "holdout": 267}
    assert not d.duplicated(["source", "id"]).any()
    assert (d["note"].str.len() > 0).all() and (d["text"].str.len() > 0).all()
    ids = {c.id for c in load_playbook().categories}
    assert set(d["category"]) == ids  # every category is used, and no label outside the playbook
    assert d[d["source"].isin(TWEETS)]["brand"].nunique() >= 40  # many brands and industries


def test_the_split_is_the_hash_written_in_categories_md():
    d = labelled()
    h = [int(hashlib.sha256(f"{s}:{i}".encode()).hexdigest(), 16) % 20
         for s, i in zip(d["source"], d["id"], strict=True)]
    assert (np.where(np.array(h) < 9, "holdout", "dev") == d["split"].to_numpy()).all()


# (correct, predicted, labelled) per category, measured with the playbook of this commit; the
# tables of tests/golden/categories.md are these counts.
EXPECTED = {
    ('dev', 'tweets'): {
        'account': (26, 33, 32), 'billing': (5, 6, 10), 'connectivity': (6, 7, 8),
        'content': (8, 10, 16), 'customer_service': (14, 16, 17), 'order': (17, 22, 19),
        'other': (26, 50, 33), 'outage': (9, 9, 11), 'praise': (19, 22, 26),
        'product': (8, 10, 19), 'refund': (7, 10, 7), 'store': (4, 5, 9),
        'technical': (43, 55, 50), 'travel': (15, 19, 17),
    },
    ('holdout', 'tweets'): {
        'account': (16, 19, 22), 'billing': (6, 8, 13), 'connectivity': (1, 5, 6),
        'content': (6, 9, 13), 'customer_service': (9, 12, 12), 'order': (16, 25, 18),
        'other': (16, 45, 23), 'outage': (3, 4, 3), 'praise': (7, 11, 19), 'product': (3, 5, 11),
        'refund': (6, 8, 7), 'store': (2, 2, 7), 'technical': (36, 49, 49), 'travel': (12, 19, 18),
    },
    ('dev', 'nps'): {
        'billing': (0, 2, 2), 'connectivity': (2, 6, 2), 'customer_service': (3, 6, 4),
        'order': (17, 20, 21), 'other': (7, 10, 12), 'outage': (0, 1, 0), 'praise': (26, 28, 31),
        'product': (0, 0, 1), 'technical': (0, 1, 1),
    },
    ('holdout', 'nps'): {
        'billing': (1, 1, 3), 'connectivity': (0, 2, 1), 'customer_service': (2, 3, 3),
        'order': (10, 13, 15), 'other': (2, 14, 3), 'outage': (1, 2, 2), 'praise': (6, 6, 17),
        'product': (2, 3, 2), 'technical': (0, 2, 0),
    },
}


@pytest.mark.parametrize("split,kind", list(EXPECTED))
def test_counts_per_category_are_the_reported_ones(split, kind):
    f = figures(subset(split, kind))
    assert f.counts == EXPECTED[split, kind]


def test_holdout_figures_with_their_intervals():
    f = figures(subset("holdout", "tweets"))
    assert f.n == 221
    assert (f.other, wilson(f.other, f.n)) == (45, (0.156, 0.262))  # 20.4 % left as other
    assert round(f.macro_precision(), 3) == 0.689
    assert macro_interval(subset("holdout", "tweets")) == (0.594, 0.772)
    assert round(f.macro_recall(), 3) == 0.588
    assert f.pooled_precision() == (123, 176) and wilson(123, 176) == (0.627, 0.762)
    assert wilson(*f.counts["technical"][:2]) == (0.597, 0.838)  # the largest category: 36 of 49
    d = figures(subset("dev", "tweets"))  # what tuning reached on the messages it saw
    assert (d.other, round(d.macro_precision(), 3)) == (50, 0.82)


@pytest.mark.xfail(strict=True, reason="on the holdout: macro precision 0.689, "
                   "'other' 20.4 % of tweets; the issue-17 targets are not met (categories.md)")
def test_holdout_meets_the_issue_17_targets():
    """Macro precision >= 0.85 with 'other' <= 15 % of real customer tweets (issue 17)."""
    f = figures(subset("holdout", "tweets"))
    assert f.macro_precision() >= 0.85 and f.other / f.n <= 0.15


def test_the_sql_path_classifies_the_real_texts_as_the_rule_does():
    """add_categories (SQL for ASCII texts and for texts whose other characters are emoji,
    curly quotes and the like; Python for the rest) equals categories_from_text."""
    base = labelled()["text"].tolist()
    variants = [t.replace("'", "\u2019") for t in base] + [t.upper() for t in base] + [
        "my phone won\u2019t charge \U0001F621", "caf\u00e9 staff were rude", "no\u00a0signal here",
        "\u212a fee", "outage\u200d\U0001F44D", "\u2018order\u2019 delayed", "thanks for the help \U0001F60D"]
    texts = pd.Series(list(dict.fromkeys(base + variants)))
    con = duckdb.connect()
    con.register("src", pd.DataFrame({"text": texts}))
    con.execute("create table t as select * from src")
    in_python = add_categories(con, "t", "cat", load_playbook())
    got = dict(con.execute("select text, cat from t").fetchall())
    ref = categories_from_text(texts, load_playbook())
    assert [got[t] for t in texts] == ref.tolist()
    assert in_python < 40  # only texts with non-ASCII letters, digits or spaces (or a rule's emoji)
