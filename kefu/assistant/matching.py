"""The matcher: ranks articles for a customer message with calibrated confidences.

Every entry (example question, title, ...) is turned into sparse TF-IDF features of two kinds: words
(jieba words for Chinese, Snowball stems for English, plus word bigrams) and character n-grams (which
carry typos and unsegmented Chinese). A query is compared with every entry and with every article's
centroid; the per-article similarities are turned into a probability with a softmax.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from .text import detect_language, normalize, words


@dataclass(frozen=True)
class Entry:
    """One text that stands for an article: an example question, a title, a body."""

    doc_id: str
    text: str
    language: str = ""  # "zh-hans", "zh-hant", "en"; "" = unknown (matches any language)
    weight: float = 1.0  # e.g. titles vs example questions


@dataclass(frozen=True)
class Candidate:
    doc_id: str
    score: float  # calibrated confidence 0..1 that doc_id is the right answer


def language_family(language: str | None) -> str:
    """Chinese scripts share one index (Traditional is folded to Simplified)."""
    if not language:
        return ""
    return "zh" if language.startswith("zh") else language.split("-")[0]


def _word_features(normalized: str) -> list[str]:
    tokens = words(normalized)
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


class Matcher:
    """Ranks the articles of a fixed set of entries for a query. Build once, query many times."""

    temperature = 0.05

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = [e for e in entries if e.text and e.text.strip()]
        self.doc_ids = sorted({e.doc_id for e in self.entries})
        doc_index = {d: i for i, d in enumerate(self.doc_ids)}
        self._entry_doc = np.array([doc_index[e.doc_id] for e in self.entries], dtype=np.int64)
        self._entry_weight = np.array([e.weight for e in self.entries], dtype=np.float64)
        self._entry_family = np.array([language_family(e.language) for e in self.entries])
        if not self.entries:
            return
        texts = [normalize(e.text) for e in self.entries]
        self._word_vec = TfidfVectorizer(analyzer=_word_features, sublinear_tf=True, min_df=1)
        self._char_vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=1)
        self._matrix = self._features(texts, fit=True)
        # Article centroids (weighted mean of their entries, re-normalized).
        onehot = sparse.csr_matrix(
            (self._entry_weight, (self._entry_doc, np.arange(len(self.entries)))),
            shape=(len(self.doc_ids), len(self.entries)),
        )
        self._onehot = onehot

    def _features(self, texts: list[str], fit: bool = False) -> sparse.csr_matrix:
        if fit:
            w = self._word_vec.fit_transform(texts)
            c = self._char_vec.fit_transform(texts)
        else:
            w = self._word_vec.transform(texts)
            c = self._char_vec.transform(texts)
        return l2_normalize(sparse.hstack([w, c]).tocsr())

    def match(self, query: str, language: str | None = None, k: int = 5) -> list[Candidate]:
        """The ``k`` most likely articles for ``query``, best first, with confidences that sum to <= 1."""
        text = normalize(query)
        if not self.entries or not text:
            return []
        family = language_family(language or detect_language(query))
        mask = (self._entry_family == family) | (self._entry_family == "")
        if not mask.any():
            mask = np.ones(len(self.entries), dtype=bool)
        q = self._features([text])
        sims = np.asarray((self._matrix @ q.T).todense()).ravel() * self._entry_weight
        sims[~mask] = 0.0
        best = np.zeros(len(self.doc_ids))
        np.maximum.at(best, self._entry_doc, sims)
        centroid = (self._onehot @ sims) / np.maximum(self._onehot @ mask.astype(float), 1e-9)
        score = 0.6 * best + 0.4 * centroid
        present = np.zeros(len(self.doc_ids), dtype=bool)
        present[self._entry_doc[mask]] = True
        logits = np.where(present, score / self.temperature, -np.inf)
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        order = np.argsort(-probs)[:k]
        return [Candidate(self.doc_ids[i], float(probs[i])) for i in order if present[i]]
