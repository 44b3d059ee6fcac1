"""Issue categories on real, hand-labelled customer messages (issue 17).

Labels and provenance are in tests/golden/categories.md. Round 1 labelled 615 messages and split
them dev/holdout; that holdout was evaluated twice, so round 2 treats all 615 as development data
(tuned on) and measures on 282 NEW tweets (customer_messages_holdout2.csv) labelled and committed
before any round-2 rule change, evaluated once. Round 3 treats those 282 as development data too and
measures on 318 NEW tweets (customer_messages_holdout3.csv) labelled and committed before any
round-3 change, evaluated once. Round 4 treats all 1,215 as development data for a learned model
(etl/text/category_model.py, `[categories] method = "model"`), frozen and committed before the
294 tweets of customer_messages_holdout4.csv were opened, then evaluated once: the rules and the
model are both measured there. These tests recompute every figure reported in categories.md and
docs/quality.md from the committed labels and the default playbook, so a playbook change shows up
as a changed count here.
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

from etl.settings.playbook import categories_from_text, load_playbook
from etl.text.category_model import model_categories
from etl.text.text_sql import add_categories

LABELS = Path(__file__).parent / "golden" / "customer_messages_labelled.csv"
HOLDOUT2 = Path(__file__).parent / "golden" / "customer_messages_holdout2.csv"
# sha256 of customer_messages_holdout2.csv as committed (6b8cf93) before any round-2 rule change
HOLDOUT2_SHA256 = "c4ee57a2747abf629dcee56b65a0e0a78b3f5faeb1aed959761465c4f9ebee9c"
HOLDOUT3 = Path(__file__).parent / "golden" / "customer_messages_holdout3.csv"
# sha256 of customer_messages_holdout3.csv as committed (10ec316) before any round-3 change
HOLDOUT3_SHA256 = "dcfba1c8646be2a8671ca3b28b58aa52908bc39ded4875a18d28893b1d54640d"
HOLDOUT4 = Path(__file__).parent / "golden" / "customer_messages_holdout4.csv"
# sha256 of customer_messages_holdout4.csv as committed (4decc1f) before anything ran on it
HOLDOUT4_SHA256 = "7a82235217b183a8aab66547e3c4ec8a0482ad084f230fbaefcee84c1175eb8e"
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
        return (
            sum(self.counts[c][0] for c in self.named()),
            sum(self.counts[c][1] for c in self.named()),
        )


def labelled() -> pd.DataFrame:
    return pd.read_csv(LABELS, dtype=str, keep_default_na=False)


def holdout2() -> pd.DataFrame:
    return pd.read_csv(HOLDOUT2, dtype=str, keep_default_na=False)


def holdout3() -> pd.DataFrame:
    return pd.read_csv(HOLDOUT3, dtype=str, keep_default_na=False)


def holdout4() -> pd.DataFrame:
    return pd.read_csv(HOLDOUT4, dtype=str, keep_default_na=False)


def predictions(part: pd.DataFrame, method: str = "rules") -> np.ndarray:
    """The default playbook's categories of `part`, revised by the learned model when asked."""
    rule = categories_from_text(part["text"], load_playbook())
    if method == "model":
        return model_categories(part["text"], rule, load_playbook()).astype(str)
    return rule.to_numpy()


def figures(part: pd.DataFrame, method: str = "rules") -> Figures:
    """Counts of the default playbook's rule (or the model, method "model") against the hand
    labels of `part`."""
    pred = predictions(part, method)
    truth = part["category"].to_numpy()
    cats = sorted(set(pred) | set(truth))
    counts = {
        c: (
            int(((pred == c) & (truth == c)).sum()),
            int((pred == c).sum()),
            int((truth == c).sum()),
        )
        for c in cats
    }
    return Figures(len(part), counts, int((pred == "other").sum()))


def wilson(k: int, n: int) -> tuple[float, float]:
    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    return round(float(lo), 3), round(float(hi), 3)


def macro_interval(
    part: pd.DataFrame, resamples: int = 2000, seed: int = 17, method: str = "rules"
) -> tuple[float, float]:
    """95 % percentile bootstrap interval of the macro precision (messages resampled)."""
    pred = predictions(part, method)
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
    """The parts: 'dev' is all 615 round-1 messages (tweets or survey answers), 'holdout2' round
    2's tweets (development data in round 3), 'holdout3' round 3's held-back tweets."""
    if split == "holdout2":
        return holdout2()
    if split == "holdout3":
        return holdout3()
    if split == "holdout4":
        return holdout4()
    d = labelled()
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


def test_the_new_holdout_is_the_file_labelled_before_round_2():
    """The file is byte-identical to the one committed before any round-2 rule change."""
    assert hashlib.sha256(HOLDOUT2.read_bytes()).hexdigest() == HOLDOUT2_SHA256
    h, d = holdout2(), labelled()
    assert list(h.columns) == list(d.columns) and len(h) == 282
    assert (h["split"] == "holdout").all() and (h["source"] == "twcs").all()
    assert not h["id"].duplicated().any()
    assert not h["id"].isin(d.loc[d["source"].str.startswith("twcs"), "id"]).any()  # all new
    assert not h["text"].isin(d["text"]).any()
    assert (h["note"].str.len() > 0).all() and (h["text"].str.len() > 0).all()
    assert set(h["category"]) == {c.id for c in load_playbook().categories}
    assert h["brand"].nunique() == 42  # telecom, airlines, rail, retail, food, software, gaming...
    assert int((h["category"] == "other").sum()) == 32  # 11.3 % have nothing to handle


def test_the_third_holdout_is_the_file_labelled_before_round_3():
    """The file is byte-identical to the one committed before any round-3 change."""
    assert hashlib.sha256(HOLDOUT3.read_bytes()).hexdigest() == HOLDOUT3_SHA256
    h, d, h2 = holdout3(), labelled(), holdout2()
    assert list(h.columns) == list(d.columns) and len(h) == 318
    assert (h["split"] == "holdout").all() and (h["source"] == "twcs").all()
    assert not h["id"].duplicated().any()
    assert h["id"].astype(int).between(3478, 5131).all()  # after round 2's last tweet (3475)
    assert not h["id"].isin(d.loc[d["source"].str.startswith("twcs"), "id"]).any()
    assert not h["text"].isin(pd.concat([d["text"], h2["text"]])).any()
    assert (h["note"].str.len() > 0).all() and (h["text"].str.len() > 0).all()
    assert set(h["category"]) == {c.id for c in load_playbook().categories}
    assert h["brand"].nunique() == 46
    assert int((h["category"] == "other").sum()) == 20  # 6.3 % have nothing to handle


def test_the_fourth_holdout_is_the_file_labelled_before_round_4_was_evaluated():
    """The file is byte-identical to the one committed (4decc1f) before the model was frozen
    (3205852) and before anything ran on it."""
    assert hashlib.sha256(HOLDOUT4.read_bytes()).hexdigest() == HOLDOUT4_SHA256
    h = holdout4()
    earlier = pd.concat([labelled(), holdout2(), holdout3()])
    assert list(h.columns) == list(labelled().columns) and len(h) == 294
    assert (h["split"] == "holdout").all() and (h["source"] == "twcs").all()
    assert not h["id"].duplicated().any()
    assert not h["id"].isin(earlier.loc[earlier["source"].str.startswith("twcs"), "id"]).any()
    assert not h["text"].isin(earlier["text"]).any()  # nothing the model was trained on
    assert h["brand"].nunique() == 50
    assert int((h["category"] == "other").sum()) == 30  # 10.2 % have nothing to handle


def test_the_split_is_the_hash_written_in_categories_md():
    """Round 1's dev/holdout split (history: round 2 tunes on both halves)."""
    d = labelled()
    h = [
        int(hashlib.sha256(f"{s}:{i}".encode()).hexdigest(), 16) % 20
        for s, i in zip(d["source"], d["id"], strict=True)
    ]
    assert (np.where(np.array(h) < 9, "holdout", "dev") == d["split"].to_numpy()).all()


# (correct, predicted, labelled) per category, measured with the playbook of this commit; the
# tables of tests/golden/categories.md ("Round 3") are these counts.
EXPECTED = {
    ("dev", "tweets"): {
        "account": (42, 50, 54),
        "billing": (12, 15, 23),
        "connectivity": (10, 15, 14),
        "content": (14, 19, 29),
        "customer_service": (25, 30, 29),
        "order": (35, 49, 37),
        "other": (40, 73, 56),
        "outage": (12, 13, 14),
        "praise": (35, 42, 45),
        "product": (15, 17, 30),
        "refund": (13, 18, 14),
        "store": (6, 6, 16),
        "technical": (85, 110, 99),
        "travel": (29, 38, 35),
    },
    ("dev", "nps"): {
        "billing": (1, 3, 5),
        "connectivity": (2, 8, 3),
        "customer_service": (5, 6, 7),
        "order": (27, 33, 36),
        "other": (10, 26, 15),
        "outage": (1, 3, 2),
        "praise": (32, 36, 48),
        "product": (2, 3, 3),
        "technical": (0, 2, 1),
    },
    ("holdout2", "tweets"): {  # development data in round 3 (tuned on)
        "account": (3, 8, 9),
        "billing": (6, 7, 17),
        "connectivity": (2, 5, 7),
        "content": (6, 8, 15),
        "customer_service": (9, 9, 17),
        "order": (12, 21, 14),
        "other": (22, 85, 32),
        "outage": (8, 9, 9),
        "praise": (19, 28, 37),
        "product": (5, 11, 28),
        "refund": (9, 11, 13),
        "store": (1, 7, 4),
        "technical": (31, 46, 49),
        "travel": (20, 27, 31),
    },
    ("holdout4", "tweets"): {  # held back, evaluated once (round 4)
        "account": (5, 12, 15),
        "billing": (3, 7, 15),
        "connectivity": (2, 7, 8),
        "content": (8, 11, 12),
        "customer_service": (10, 18, 22),
        "order": (24, 39, 30),
        "other": (20, 77, 30),
        "outage": (3, 3, 12),
        "praise": (13, 19, 38),
        "product": (5, 9, 22),
        "refund": (3, 4, 5),
        "store": (2, 5, 10),
        "technical": (28, 50, 42),
        "travel": (23, 33, 33),
    },
    ("holdout3", "tweets"): {  # held back, evaluated once (round 3)
        "account": (7, 11, 20),
        "billing": (4, 5, 23),
        "connectivity": (3, 6, 7),
        "content": (5, 11, 12),
        "customer_service": (5, 10, 16),
        "order": (30, 48, 34),
        "other": (13, 76, 20),
        "outage": (5, 7, 15),
        "praise": (15, 23, 38),
        "product": (8, 17, 27),
        "refund": (2, 6, 3),
        "store": (2, 3, 9),
        "technical": (30, 56, 54),
        "travel": (22, 39, 40),
    },
}


# The learned model where it is sure, else the rule ([categories] method = "model"), on the
# round-4 holdout: (correct, predicted, labelled) per category, as evaluated once.
EXPECTED_MODEL_HOLDOUT4 = {
    "account": (6, 14, 15),
    "billing": (6, 11, 15),
    "connectivity": (1, 4, 8),
    "content": (5, 8, 12),
    "customer_service": (11, 19, 22),
    "order": (22, 32, 30),
    "other": (11, 35, 30),
    "outage": (4, 5, 12),
    "praise": (28, 43, 38),
    "product": (8, 20, 22),
    "refund": (3, 3, 5),
    "store": (2, 3, 10),
    "technical": (36, 65, 42),
    "travel": (26, 32, 33),
}


@pytest.mark.parametrize("split,kind", list(EXPECTED))
def test_counts_per_category_are_the_reported_ones(split, kind):
    f = figures(subset(split, kind))
    assert f.counts == EXPECTED[split, kind]


def test_holdout4_figures_with_their_intervals():
    """Round 4's single evaluation on 294 tweets nothing was tuned or trained on (categories.md,
    "Round 4: the learned classifier"): the rules alone (the default) and the learned model."""
    part = subset("holdout4", "tweets")
    r = figures(part)
    assert r.n == 294
    assert (r.other, wilson(r.other, r.n)) == (77, (0.215, 0.315))  # 26.2 % left as other
    assert round(r.macro_precision(), 3) == 0.59
    assert macro_interval(part) == (0.501, 0.675)
    assert round(r.macro_recall(), 3) == 0.438
    assert r.pooled_precision() == (129, 217) and wilson(129, 217) == (0.528, 0.658)
    correct = sum(tp for tp, _, _ in r.counts.values())
    assert (correct, wilson(correct, r.n)) == (149, (0.45, 0.563))  # accuracy 0.507

    m = figures(part, "model")
    assert m.counts == EXPECTED_MODEL_HOLDOUT4
    assert (m.other, wilson(m.other, m.n)) == (35, (0.087, 0.161))  # 11.9 % left as other
    assert round(m.macro_precision(), 3) == 0.615
    assert macro_interval(part, method="model") == (0.524, 0.701)
    assert round(m.macro_recall(), 3) == 0.496
    assert m.pooled_precision() == (158, 259) and wilson(158, 259) == (0.549, 0.667)
    correct = sum(tp for tp, _, _ in m.counts.values())
    assert (correct, wilson(correct, m.n)) == (169, (0.518, 0.63))  # accuracy 0.575


def test_holdout3_figures_with_their_intervals():
    """Round 3's single evaluation on 318 tweets no rule saw (categories.md, round 3)."""
    f = figures(subset("holdout3", "tweets"))
    assert f.n == 318
    assert (f.other, wilson(f.other, f.n)) == (76, (0.195, 0.289))  # 23.9 % left as other
    assert round(f.macro_precision(), 3) == 0.573
    assert macro_interval(subset("holdout3", "tweets")) == (0.478, 0.665)
    assert round(f.macro_recall(), 3) == 0.429
    assert f.pooled_precision() == (138, 242) and wilson(138, 242) == (0.507, 0.631)
    correct = sum(tp for tp, _, _ in f.counts.values())
    assert (correct, wilson(correct, f.n)) == (151, (0.421, 0.53))  # accuracy 0.475
    assert wilson(*f.counts["technical"][:2]) == (0.407, 0.66)  # the largest category: 30 of 56


def test_development_figures_after_round_3_tuning():
    """Round 2's holdout is development data now: what round 3's rule changes did there."""
    f = figures(subset("holdout2", "tweets"))
    assert f.n == 282
    assert (f.other, wilson(f.other, f.n)) == (85, (0.251, 0.357))  # was 86 before round 3
    assert round(f.macro_precision(), 3) == 0.642  # was 0.629
    assert macro_interval(subset("holdout2", "tweets")) == (0.569, 0.715)
    assert f.pooled_precision() == (131, 197) and wilson(131, 197) == (0.596, 0.727)
    d = figures(subset("dev", "tweets"))  # the 495 tweets of the 615, unchanged by round 3
    assert (d.other, round(d.macro_precision(), 3)) == (73, 0.807)
    assert macro_interval(subset("dev", "tweets")) == (0.76, 0.851)


@pytest.mark.xfail(
    strict=True,
    reason="on the round-4 holdout (294 tweets): rules macro precision 0.590 with 'other' 26.2 %; "
    "learned model 0.615 with 'other' 11.9 %; the issue-17 targets are not met "
    "(categories.md, round 4)",
)
@pytest.mark.parametrize("method", ["rules", "model"])
def test_holdout_meets_the_issue_17_targets(method):
    """Macro precision >= 0.85 with 'other' <= 15 % of real customer tweets (issue 17), on the
    latest held-back set, by the default rules and by the learned model."""
    f = figures(subset("holdout4", "tweets"), method)
    assert f.macro_precision() >= 0.85 and f.other / f.n <= 0.15


def test_the_sql_path_classifies_the_real_texts_as_the_rule_does():
    """add_categories (SQL for ASCII texts and for texts whose other characters are emoji,
    curly quotes and the like; Python for the rest) equals categories_from_text."""
    base = (
        labelled()["text"].tolist()
        + holdout2()["text"].tolist()
        + holdout3()["text"].tolist()
        + holdout4()["text"].tolist()
    )
    variants = (
        [t.replace("'", "\u2019") for t in base]
        + [t.upper() for t in base]
        + [
            "my phone won\u2019t charge \U0001f621",
            "caf\u00e9 staff were rude",
            "no\u00a0signal here",
            "\u212a fee",
            "outage\u200d\U0001f44d",
            "\u2018order\u2019 delayed",
            "thanks for the help \U0001f60d",
        ]
    )
    texts = pd.Series(list(dict.fromkeys(base + variants)))
    con = duckdb.connect()
    con.register("src", pd.DataFrame({"text": texts}))
    con.execute("create table t as select * from src")
    in_python = add_categories(con, "t", "cat", load_playbook())
    got = dict(con.execute("select text, cat from t").fetchall())
    ref = categories_from_text(texts, load_playbook())
    assert [got[t] for t in texts] == ref.tolist()
    assert in_python < 50  # 43: texts with non-ASCII letters, digits or spaces (or a rule's emoji)
