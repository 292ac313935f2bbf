"""The matcher: ranks articles for a customer message with calibrated confidences.

Every entry (example question, title, ...) is turned into features of three kinds: words (jieba words
for Chinese, Snowball stems for English, plus word bigrams) and character n-grams within words (they
carry typos, inflections and unsegmented Chinese), both sparse TF-IDF, and a dense sentence vector: the
mean of static token embeddings (WordLlama's, shipped inside the ``wordllama`` wheel), which carries
meaning across different words ("card not arrived" / "still waiting for my card"). A linear SVM learns
one weight vector per article from its entries; a query's article scores are its decision values plus
the cosine of its sentence vector to the article's mean one, turned into probabilities with a softmax
whose temperature was fitted on dev splits of banking77 (docs/assistant-eval.md). With a single article
there is nothing to learn, so the cosine similarity to its entries is the score.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize
from sklearn.svm import LinearSVC

from .text import detect_language, normalize, words

logger = logging.getLogger(__name__)

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


# Scale of the sentence vector next to the L2-normalized TF-IDF features in the SVM, and weight of the
# cosine to the article's mean sentence vector added to the decision values. On banking77 dev splits
# 1.0/1.0 gave slightly more (+0.3 point top-1 with all examples, +2 with 8-10 per category) but spread
# confidence over unrelated articles for off-topic questions ("can I buy a hoodie in your merch store"
# was offered choices instead of handed off); see docs/assistant-eval.md.
EMBEDDING_SCALE = 0.5
CENTROID_WEIGHT = 0.5
# WordLlama's vectors are trained so that their first 64/128/256 dimensions work on their own (128 gave the
# same dev accuracy and 23 MB less peak memory on banking77; within noise).
EMBEDDING_DIM = 256


class StaticEmbedder:
    """Sentence vectors: the L2-normalized mean of static token embeddings. No network, no PyTorch.

    The token table (32,000 x 256, float16 on disk) and its tokenizer come from the ``wordllama`` wheel
    (MIT), read with ``tokenizers`` and ``safetensors`` directly: wordllama's own loader looks for the
    tokenizer in a folder the wheel does not have and would try to download it.
    """

    def __init__(self, tokenizer, table: np.ndarray) -> None:
        self._tokenizer = tokenizer
        self._table = table
        self.dim = table.shape[1]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32; a text without known tokens gets a zero row."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), 512):  # chunks: an Encoding object per text is heavy
            chunk = self._tokenizer.encode_batch(list(texts[start:start + 512]), add_special_tokens=False)
            for i, encoding in enumerate(chunk, start):
                if encoding.ids:
                    out[i] = self._table[encoding.ids].mean(axis=0, dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)

    def embed_one(self, text: str) -> np.ndarray:
        ids = self._tokenizer.encode(text, add_special_tokens=False).ids
        if not ids:
            return np.zeros(self.dim, dtype=np.float32)
        vector = self._table[ids].mean(axis=0, dtype=np.float32)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else vector


_embedder_lock = threading.Lock()
_embedder: StaticEmbedder | None = None
_embedder_loaded = False


def static_embedder() -> StaticEmbedder | None:
    """The shared embedder, loaded once (0.1 s, 16 MB of float16); None when wordllama is not installed."""
    global _embedder, _embedder_loaded
    if not _embedder_loaded:
        with _embedder_lock:
            if not _embedder_loaded:
                _embedder = _load_embedder()
                _embedder_loaded = True
    return _embedder


def _load_embedder() -> StaticEmbedder | None:
    try:
        spec = importlib.util.find_spec("wordllama")  # locate the package data without importing it
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer
    except ImportError:
        spec = None
    if spec is None or not spec.submodule_search_locations:
        logger.warning("wordllama is not installed: the assistant matches on words only")
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    tokenizer_file = root / "tokenizers" / "l2_supercat_tokenizer_config.json"
    weights_file = root / "weights" / "l2_supercat_256.safetensors"
    if not (tokenizer_file.is_file() and weights_file.is_file()):
        logger.warning("wordllama's bundled model was not found in %s: matching on words only", root)
        return None
    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    table = load_file(str(weights_file))["embedding.weight"]  # float16, 16 MB: means are taken in float32
    table = np.ascontiguousarray(table[:, :EMBEDDING_DIM])
    return StaticEmbedder(tokenizer, table)


def softmax_temperature(examples_per_doc: float) -> float:
    """Sharpness of the softmax over the decision values.

    Margins grow with the number of examples per article, so fewer examples need a sharper softmax for
    the same calibration: fitted on banking77 dev splits as 8 at 10 examples and 5 at 100 or more
    (expected calibration error 0.02-0.05 at both ends, with and without sentence vectors).
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
        self._embedder = static_embedder()
        self.temperature = softmax_temperature(len(texts) / len(self.doc_ids))
        self._prepare_query_path()
        if len(self.doc_ids) == 1:
            self._matrix = matrix.tocsr()
            self._coef = None
            return
        n_sparse = matrix.shape[1]
        if self._embedder is not None:
            vectors = self._embedder.embed(texts)
            # Built as float64 CSR at once: liblinear wants doubles, and every conversion of a
            # dense block through sparse.hstack's COO path costs another copy of it.
            matrix = sparse.hstack(
                [matrix.astype(np.float64), sparse.csr_matrix(EMBEDDING_SCALE * vectors.astype(np.float64))],
                format="csr",
            )
            # The article's mean sentence vector (entry weights count), compared with the query's by cosine.
            centroids = np.zeros((len(self.doc_ids), vectors.shape[1]), dtype=np.float64)
            np.add.at(centroids, entry_doc, vectors * weights[:, None])
            self._centroids_t = np.ascontiguousarray(l2_normalize(centroids).T, dtype=np.float32)
        svm = LinearSVC(C=1.0, random_state=0)  # its coordinate descent shuffles: keep builds reproducible
        svm.fit(matrix, entry_doc, sample_weight=weights)
        coef = np.asarray(svm.coef_, dtype=np.float32)
        intercept = np.asarray(svm.intercept_, dtype=np.float32)
        if len(self.doc_ids) == 2:  # a binary SVM has one weight vector: class 1 positive, class 0 negative
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
        # The sentence-vector weights (dim x articles) stay dense; the rest is picked row by row per query.
        self._embedding_coef_t = np.ascontiguousarray(coef[:, n_sparse:].T) if self._embedder is not None else None
        coef = coef[:, :n_sparse]
        if coef.size > DENSE_WEIGHTS_LIMIT:
            # Large help centers: keep only the weights that matter (on banking77, |w| >= 0.01 keeps 20% of
            # them and the same accuracy), so memory grows with the vocabulary, not vocabulary x articles.
            coef[np.abs(coef) < SPARSE_WEIGHT_FLOOR] = 0.0
            self._coef_t = sparse.csr_matrix(coef.T)
        else:
            self._coef_t = np.ascontiguousarray(coef.T)  # features x articles: a query picks its rows
        self._intercept = intercept
        self._coef = True  # a trained model (None: a single article, scored by similarity)

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
        if self._embedding_coef_t is not None:
            vector = self._embedder.embed_one(text)
            decision = decision + EMBEDDING_SCALE * (vector @ self._embedding_coef_t)
            decision = decision + CENTROID_WEIGHT * (vector @ self._centroids_t)
        logits = np.where(present, decision * self.temperature, -np.inf)
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        order = np.argsort(-probs)[:k]
        return [Candidate(self.doc_ids[i], float(probs[i])) for i in order if present[i]]
