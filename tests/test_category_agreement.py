"""Two raters on round 4's held-back customer tweets (issue 17): agreement, Cohen's kappa and the
second rater scored as a classifier against the first.

The first labeller's `customer_messages_holdout4.csv` and the second rater's
`customer_messages_holdout4_rater2.csv` were labelled independently (the second committed its
labels in a15f391 before reading the first's). Provenance, the hand checks of the agreement count
and of kappa, and every figure asserted here are in tests/golden/categories.md, "Round 4: two
raters"; `tests/golden/agreement_round4.py` prints them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

GOLDEN = Path(__file__).parent / "golden"
FIRST = GOLDEN / "customer_messages_holdout4.csv"
SECOND = GOLDEN / "customer_messages_holdout4_rater2.csv"
# sha256 of each file as committed alone, before either rater saw the other's labels
FIRST_SHA256 = "7a82235217b183a8aab66547e3c4ec8a0482ad084f230fbaefcee84c1175eb8e"  # 4decc1f
SECOND_SHA256 = "f3fd6a6d37d202422b405d591342990870528529c80ecb47047e56129e9dc7ab"  # a15f391
# the 17 messages the raters label differently, listed one by one in categories.md
DISAGREEMENTS = {
    "5344", "5367", "5379", "5411", "5459", "5472", "5618", "5705", "5755",
    "5757", "6442", "6604", "6644", "7000", "7018", "7173", "7617",
}  # fmt: skip


def agreement_script() -> ModuleType:
    """tests/golden/agreement_round4.py, imported from its path (tests/golden is no package)."""
    spec = importlib.util.spec_from_file_location(
        "agreement_round4", GOLDEN / "agreement_round4.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def labels() -> pd.DataFrame:
    """Both raters' categories side by side, by message id."""
    a = pd.read_csv(FIRST, dtype=str, keep_default_na=False)
    b = pd.read_csv(SECOND, dtype=str, keep_default_na=False)
    return a[["id", "text", "category"]].merge(
        b[["id", "text", "category"]], on="id", suffixes=("_first", "_second"), validate="1:1"
    )


def kappa_from_table(first: np.ndarray, second: np.ndarray) -> float:
    """Cohen's kappa from the square contingency table, written apart from the script's own."""
    cats = sorted(set(first) | set(second))
    index = {c: i for i, c in enumerate(cats)}
    table = np.zeros((len(cats), len(cats)))
    for f, s in zip(first, second, strict=True):
        table[index[f], index[s]] += 1
    n = table.sum()
    observed = np.trace(table) / n
    chance = float((table.sum(axis=1) * table.sum(axis=0)).sum()) / (n * n)
    return float((observed - chance) / (1 - chance))


def test_both_files_are_the_ones_labelled_independently():
    assert hashlib.sha256(FIRST.read_bytes()).hexdigest() == FIRST_SHA256
    assert hashlib.sha256(SECOND.read_bytes()).hexdigest() == SECOND_SHA256
    both = labels()
    assert len(both) == 294
    assert (both["text_first"] == both["text_second"]).all()  # the same texts, exactly


def test_agreement_is_277_of_294_and_the_disagreements_are_the_listed_ones():
    both = labels()
    differ = set(both.loc[both["category_first"] != both["category_second"], "id"])
    assert differ == DISAGREEMENTS  # hand check 1: 294 - 17 = 277
    script = agreement_script()
    first, second = both["category_first"].to_numpy(), both["category_second"].to_numpy()
    assert round(script.agreement(first, second), 3) == 0.942  # 277 / 294


def test_kappa_is_the_hand_computed_value():
    both = labels()
    first, second = both["category_first"].to_numpy(), both["category_second"].to_numpy()
    # hand check 2 (categories.md): chance = sum of the products of the two raters' counts per
    # category / 294^2 = 7,959 / 86,436 = 0.0921; kappa = (277/294 - 0.0921) / (1 - 0.0921)
    assert round(kappa_from_table(first, second), 3) == 0.936
    assert round(agreement_script().cohen_kappa(first, second), 3) == 0.936


def test_kappa_on_a_ten_item_example_worked_by_hand():
    # 8 of 10 agree; each rater says a 4 times, b 6 times: chance (16 + 36) / 100 = 0.52,
    # kappa = (0.8 - 0.52) / 0.48 = 0.5833
    first = np.array(list("aaaabbbbbb"))
    second = np.array(list("aaabbbbbba"))
    assert round(agreement_script().cohen_kappa(first, second), 4) == 0.5833
    assert round(kappa_from_table(first, second), 4) == 0.5833


def test_product_counts_per_category_give_the_hand_computed_chance_agreement():
    both = labels()
    a = both["category_first"].value_counts()
    b = both["category_second"].value_counts()
    assert int((a * b).fillna(0).sum()) == 7959  # the sum written out in categories.md


def test_the_reported_figures_with_their_bootstrap_intervals():
    script = agreement_script()
    both = script.paired_labels()
    first, second = both["first"].to_numpy(), both["second"].to_numpy()
    rows = script.bootstrap_rows(len(both))
    assert script.percentile_interval([script.agreement(first[i], second[i]) for i in rows]) == (
        0.915,
        0.966,
    )
    assert script.percentile_interval([script.cohen_kappa(first[i], second[i]) for i in rows]) == (
        0.906,
        0.962,
    )
    per = script.per_category_agreement(first, second).set_index("category")
    assert (per.loc["account", "both"], per.loc["account", "either"]) == (14, 18)
    assert (per.loc["other", "both"], per.loc["other", "either"]) == (27, 34)
    assert (per.loc["refund", "both"], per.loc["refund", "either"]) == (5, 5)
    second_as_classifier = script.scored_as_classifier(first, second, rows)
    assert second_as_classifier.other == 31  # 10.5 % of 294
    assert round(second_as_classifier.macro_precision, 3) == 0.948
    assert second_as_classifier.macro_interval == (0.917, 0.975)
    assert second_as_classifier.pooled == (250, 263)
    first_as_classifier = script.scored_as_classifier(second, first, rows)
    assert first_as_classifier.other == 30
    assert round(first_as_classifier.macro_precision, 3) == 0.945
