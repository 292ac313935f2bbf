"""The matcher: ranks articles for a customer message with calibrated confidences.

Every entry (example question, title, ...) is turned into sparse TF-IDF features of two kinds: words
(jieba words for Chinese, Snowball stems for English, plus word bigrams) and character n-grams within
words (they carry typos, inflections and unsegmented Chinese). A linear SVM learns one weight vector per
article from its entries; a query's article scores are its decision values, turned into probabilities
with a softmax whose temperature was fitted on dev splits of banking77 (docs/assistant-eval.md). With a
single article there is nothing to learn, so the cosine similarity to its entries is the score.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize
from sklearn.svm import LinearSVC

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


# Above this many weights (features x articles, 4 bytes each) the SVM weights are stored sparse.
DENSE_WEIGHTS_LIMIT = 20_000_000
SPARSE_WEIGHT_FLOOR = 0.01


def softmax_temperature(examples_per_doc: float) -> float:
    """Sharpness of the softmax over SVM decision values.

    Margins grow with the number of examples per article, so fewer examples need a sharper softmax for
    the same calibration: fitted on banking77 dev splits as 8 at 10 examples and 5 at 100 or more
    (expected calibration error about 0.02-0.05 at both ends).
    """
    position = min(max(math.log10(max(examples_per_doc, 1.0)) - 1.0, 0.0), 1.0)
    return 8.0 - 3.0 * position


class Matcher:
    """Ranks the articles of a fixed set of entries for a query. Build once, query many times."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = [e for e in entries if e.text and e.text.strip()]
        self.doc_ids = sorted({e.doc_id for e in self.entries})
        doc_index = {d: i for i, d in enumerate(self.doc_ids)}
        entry_doc = np.array([doc_index[e.doc_id] for e in self.entries], dtype=np.int64)
        families = [language_family(e.language) for e in self.entries]
        # Which articles have entries in which language family ("" = any language).
        self._docs_by_family: dict[str, np.ndarray] = {}
        for family in set(families):
            present = np.zeros(len(self.doc_ids), dtype=bool)
            present[entry_doc[[f == family for f in families]]] = True
            self._docs_by_family[family] = present
        if not self.entries:
            return
        texts = [normalize(e.text) for e in self.entries]
        weights = np.array([e.weight for e in self.entries], dtype=np.float64)
        many = len(texts) > 2000  # rare character n-grams only add noise and memory on big sets
        self._word_vec = TfidfVectorizer(analyzer=_word_features, sublinear_tf=True, dtype=np.float32)
        self._char_vec = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2 if many else 1, dtype=np.float32
        )
        matrix = l2_normalize(sparse.hstack([self._word_vec.fit_transform(texts), self._char_vec.fit_transform(texts)]))
        self.temperature = softmax_temperature(len(texts) / len(self.doc_ids))
        self._prepare_query_path()
        if len(self.doc_ids) == 1:
            self._matrix = matrix.tocsr()
            self._coef = None
            return
        svm = LinearSVC(C=1.0, random_state=0)  # its coordinate descent shuffles: keep builds reproducible
        svm.fit(matrix, entry_doc, sample_weight=weights)
        coef = np.asarray(svm.coef_, dtype=np.float32)
        intercept = np.asarray(svm.intercept_, dtype=np.float32)
        if len(self.doc_ids) == 2:  # a binary SVM has one weight vector: class 1 positive, class 0 negative
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
        if coef.size > DENSE_WEIGHTS_LIMIT:
            # Large help centers: keep only the weights that matter (on banking77, |w| >= 0.01 keeps 20% of
            # them and the same accuracy), so memory grows with the vocabulary, not vocabulary x articles.
            coef[np.abs(coef) < SPARSE_WEIGHT_FLOOR] = 0.0
            self._coef_t = sparse.csr_matrix(coef.T)
        else:
            self._coef_t = np.ascontiguousarray(coef.T)  # features x articles: a query picks its rows
        self._intercept = intercept
        self._coef = coef

    def _prepare_query_path(self) -> None:
        # The same TF-IDF as the vectorizers' transform(), without scikit-learn's per-call validation,
        # which costs more than the arithmetic for one short query.
        self._blocks = []
        offset = 0
        for vectorizer in (self._word_vec, self._char_vec):
            vocabulary = vectorizer.vocabulary_
            self._blocks.append((vectorizer.build_analyzer(), vocabulary, vectorizer.idf_, offset))
            offset += len(vocabulary)

    def _query_features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(feature indices, L2-normalized values) of a normalized query."""
        indices: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for analyze, vocabulary, idf, offset in self._blocks:
            counts: dict[int, int] = {}
            for feature in analyze(text):
                j = vocabulary.get(feature)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            val = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf[idx]
            indices.append(idx + offset)
            values.append(val / np.linalg.norm(val))
        if not indices:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        idx, val = np.concatenate(indices), np.concatenate(values)
        return idx, val / np.linalg.norm(val)

    def match(self, query: str, language: str | None = None, k: int = 5) -> list[Candidate]:
        """The ``k`` most likely articles for ``query``, best first, with confidences that sum to <= 1.

        ``language`` (detected when not given) restricts the answer to articles that have entries in that
        language or in none; when no article has, all are considered.
        """
        text = normalize(query)
        if not self.entries or not text:
            return []
        q_indices, q_values = self._query_features(text)
        if len(q_indices) == 0:
            return []  # nothing in the query was ever seen in an entry
        family = language_family(language or detect_language(query))
        present = self._docs_by_family.get(family, np.zeros(len(self.doc_ids), dtype=bool))
        present = present | self._docs_by_family.get("", False)
        if not present.any():
            present = np.ones(len(self.doc_ids), dtype=bool)
        if self._coef is None:
            similarity = float((self._matrix[:, q_indices] @ q_values).max())
            return [Candidate(self.doc_ids[0], max(0.0, min(1.0, similarity)))]
        rows = self._coef_t[q_indices]
        decision = (rows.T @ q_values if sparse.issparse(rows) else q_values @ rows) + self._intercept
        logits = np.where(present, decision * self.temperature, -np.inf)
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        order = np.argsort(-probs)[:k]
        return [Candidate(self.doc_ids[i], float(probs[i])) for i in order if present[i]]
