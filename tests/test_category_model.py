"""The learned issue-category model (issue 17, round 4): the shipped files, their predictions on
fixed development texts, the word-piece shortcut, the user's playbook precedence and the load path.

How the model was trained and measured: tests/golden/categories.md, "Round 4: the learned
classifier". Expected values below were written from the shipped model at the commit that froze
it (probability rounded to 3 decimals); a retrained model changes them.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from etl.settings.config import Config, ConfigError, config_from_dict
from etl.settings.playbook import categories_from_text, load_playbook, playbook_from_dict
from etl.text.category_model import (
    _piece_ids,
    _tokenizer,
    category_model,
    class_probabilities,
    model_categories,
    model_choices,
    model_text,
)
from etl.text.text_sql import add_categories
from warehouse.ingest import load_file

GOLDEN = Path(__file__).parent / "golden"
FILES = {
    "labelled": "customer_messages_labelled.csv",
    "holdout2": "customer_messages_holdout2.csv",
    "holdout3": "customer_messages_holdout3.csv",
}
REAL_TWCS = Path(__file__).parent / "data" / "real" / "twcs_head_sample.csv"

# (file, source, id) of 20 development messages (every 61st of the three files concatenated)
# -> the model's most probable category and its probability, as shipped.
EXPECTED = [
    ("labelled", "twcs_head_sample", "2", "other", 0.515),
    ("labelled", "twcs", "406", "customer_service", 0.742),
    ("labelled", "twcs", "1312", "outage", 0.633),
    ("labelled", "twcs", "1752", "other", 0.276),
    ("labelled", "ibm_dev", "1235293306726338560", "account", 0.155),
    ("labelled", "nps_verbatims", "1002", "customer_service", 0.485),
    ("labelled", "twcs_head_sample", "179", "product", 0.199),
    ("labelled", "twcs", "1333", "product", 0.381),
    ("labelled", "twcs", "1803", "customer_service", 0.545),
    ("labelled", "ibm_dev", "1211594005122887681", "other", 0.495),
    ("labelled", "nps_verbatims", "2062", "billing", 0.275),
    ("holdout2", "twcs", "2361", "refund", 0.418),
    ("holdout2", "twcs", "2624", "technical", 0.674),
    ("holdout2", "twcs", "3038", "travel", 0.686),
    ("holdout2", "twcs", "3330", "product", 0.225),
    ("holdout3", "twcs", "3560", "order", 0.478),
    ("holdout3", "twcs", "3805", "billing", 0.722),
    ("holdout3", "twcs", "4295", "praise", 0.339),
    ("holdout3", "twcs", "4582", "product", 0.75),
    ("holdout3", "twcs", "4868", "order", 0.446),
]


def development() -> pd.DataFrame:
    parts = []
    for key, name in FILES.items():
        d = pd.read_csv(GOLDEN / name, dtype=str, keep_default_na=False)
        d["file"] = key
        parts.append(d)
    return pd.concat(parts, ignore_index=True)


def text_of(d: pd.DataFrame, file: str, source: str, id_: str) -> str:
    row = d[(d["file"] == file) & (d["source"] == source) & (d["id"] == id_)]
    assert len(row) == 1
    return str(row["text"].iloc[0])


def test_the_shipped_files_are_small_and_whole():
    base = files("etl.text").joinpath("models")
    sizes = {p.name: len(p.read_bytes()) for p in base.iterdir() if p.is_file()}
    assert set(sizes) == {"category_model.npz", "category_tokenizer.json"}
    assert sum(sizes.values()) < 2_500_000  # static class scores, not the 90 MB transformer
    m = category_model()
    ids = {c.id for c in load_playbook().categories}
    assert set(m.classes) == ids and len(m.classes) == 14
    assert m.table.shape == (_tokenizer().get_vocab_size(), 14) and m.threshold == 0.3
    assert m.unknown == _tokenizer().token_to_id("[UNK]")


def test_predictions_on_20_fixed_development_texts_are_the_committed_ones():
    d = development()
    texts = [text_of(d, f, s, i) for f, s, i, _, _ in EXPECTED]
    assert d.iloc[::61].head(20)["text"].tolist() == texts  # the selection rule written above
    p = class_probabilities(texts)
    classes = category_model().classes
    got = [(classes[int(r.argmax())], round(float(r.max()), 3)) for r in p]
    assert got == [(c, pr) for *_, c, pr in EXPECTED]
    assert np.allclose(p.sum(axis=1), 1.0)
    # below the threshold (0.3) or 'other' the model abstains: 12 of the 20 are taken
    choices = model_choices(texts)
    assert [c for c in choices] == [
        c if c != "other" and pr >= 0.3 else None for *_, c, pr in EXPECTED
    ]


def test_word_pieces_by_chunk_equal_whole_text_encoding():
    """_piece_ids encodes each distinct whitespace-separated chunk once; the pieces equal those
    of encoding each whole text, on every development text and on awkward variants."""
    base = development()["text"].tolist()
    awkward = [
        "",
        "   ",
        "@AmazonHelp",
        "https://t.co/abc only a link",
        "caf\u00e9 \u00c9T\u00c9 na\u00efve \u00fcber",
        "no\u00a0signal\u2003here\u3000today",
        "\u4e2d\u6587\u5b57 mixed with English",
        "emoji \U0001f621\U0001f621 and \u2019quotes\u2019",
        "tabs\tand\nnewlines\r\nhere",
        "x" * 150 + " a very long word",
        "A&amp;B &lt;3 &gt;:(",
    ]
    texts = base + awkward
    ids, lengths = _piece_ids(texts)
    unk = category_model().unknown
    enc = _tokenizer().encode_batch([model_text(t) for t in texts], add_special_tokens=False)
    want = [[i for i in e.ids if i != unk] for e in enc]
    got = np.split(ids, np.cumsum(lengths)[:-1])
    assert [g.tolist() for g in got] == want


def test_a_text_with_too_little_to_read_keeps_its_rule():
    """Fewer than 3 known word pieces: the model does not decide ("ok" alone scored account at
    0.81), and the pieces of such texts do not leak into their neighbours' scores."""
    p = class_probabilities(["", "@AmazonHelp https://t.co/x", "\U0001f621", "ok", "ok ok"])
    assert np.isnan(p).all()
    mixed = ["ok", "my router keeps dropping the wifi", "hi", "thanks", "where is my parcel?"]
    alone = np.vstack([class_probabilities([t]) for t in mixed])
    together, blocks = class_probabilities(mixed), class_probabilities(mixed, block=2)
    assert np.allclose(together, alone, equal_nan=True) and np.isnan(together[[0, 2, 3]]).all()
    assert np.allclose(blocks, alone, equal_nan=True)
    rule = pd.Series(["other", "other", "other"])
    assert (
        model_categories(pd.Series(["", "@x", "\U0001f621"]), rule, load_playbook()).tolist()
        == ["other"] * 3
    )


def test_the_model_revises_the_rules_only_where_it_is_sure():
    texts = pd.Series(
        [
            "my phone won't turn on after the update, screen stays black",
            "thank you so much, the crew on my flight today were amazing",
            "hello",
        ]
    )
    pb = load_playbook()
    rule = categories_from_text(texts, pb)
    got = model_categories(texts, rule, pb)
    choice = model_choices(texts.tolist())
    assert got.tolist() == [c if c is not None else r for c, r in zip(choice, rule, strict=True)]
    assert choice[0] == "technical" and got[0] == "technical"
    assert choice[2] is None and got[2] == rule[2]


def test_the_users_own_playbook_categories_win():
    """A category the user added or changed keeps every text its rule gives it; the model only
    revises the texts the rules leave to the default categories."""
    raw = tomllib.loads(files("etl.settings").joinpath("playbook.toml").read_text("utf-8"))
    cats = raw["category"]
    for c in cats:
        if c["id"] == "account":
            c["keywords"] = [*c["keywords"], "crew"]  # changed: the user's own now
    cats.insert(0, {"id": "vip", "complexity": 1, "private": True, "keywords": ["black"]})
    pb = playbook_from_dict(raw)
    texts = pd.Series(
        [
            "my phone won't turn on after the update, screen stays black",
            "thank you so much, the crew on my flight today were amazing",
        ]
    )
    rule = categories_from_text(texts, pb)
    assert rule.tolist() == ["vip", "account"]
    assert model_choices(texts.tolist()).tolist() == ["technical", "praise"]
    assert model_categories(texts, rule, pb).tolist() == ["vip", "account"]  # the user's rules
    # with the default playbook the model takes both
    d_rule = categories_from_text(texts, load_playbook())
    assert model_categories(texts, d_rule, load_playbook()).tolist() == ["technical", "praise"]


def test_add_categories_with_the_model_equals_model_categories():
    d = development()
    texts = pd.Series(list(dict.fromkeys(d["text"].tolist())))
    con = duckdb.connect()
    con.register(
        "src",
        pd.DataFrame(
            {
                "text": texts,
                "inbound": [True, False] * (len(texts) // 2) + [True] * (len(texts) % 2),
            }
        ),
    )
    con.execute("create table t as select * from src")
    add_categories(con, "t", "cat", load_playbook(), "inbound", method="model")
    got = dict(con.execute("select text, cat from t where inbound").fetchall())
    untouched = con.execute(
        "select count(*) from t where not inbound and cat is not null"
    ).fetchone()
    inbound = texts[::2].reset_index(drop=True)
    pb = load_playbook()
    want = model_categories(inbound, categories_from_text(inbound, pb), pb)
    assert [got[t] for t in inbound] == want.tolist()
    assert untouched == (0,)
    rules = categories_from_text(inbound, pb).to_numpy()
    assert (want != rules).sum() > 100  # the model changes many categories, so this can fail


def test_the_categories_setting():
    assert Config().category_method == "rules"
    assert config_from_dict({"categories": {"method": "model"}}).category_method == "model"
    for bad in (
        {"categories": {"method": "bert"}},
        {"categories": {"how": "model"}},
        {"categories": 1},
    ):
        with pytest.raises(ConfigError):
            config_from_dict(bad)


def test_a_load_with_the_model_categorises_customer_tweets_by_it(tmp_path):
    """The real TWCS sample loaded with [categories] method = "model": every customer tweet's
    stored category is model_categories of its text; loading it with the rules stores the rules'."""
    stored = {}
    for method in ("rules", "model"):
        db = tmp_path / f"{method}.duckdb"
        load_file("twcs", str(REAL_TWCS), db, Config(category_method=method))
        con = duckdb.connect(str(db), read_only=True)
        stored[method] = con.execute(
            "select text, category from raw_twcs where inbound order by tweet_id"
        ).df()
        con.close()
    pb = load_playbook()
    rules, model = stored["rules"], stored["model"]
    assert rules["text"].tolist() == model["text"].tolist()
    assert rules["category"].tolist() == categories_from_text(rules["text"], pb).tolist()
    want = model_categories(model["text"], categories_from_text(model["text"], pb), pb)
    assert model["category"].tolist() == want.tolist()
    assert (model["category"] != rules["category"]).sum() > 0
