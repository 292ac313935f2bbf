"""The matcher's sentence vectors: shipped model, offline loading, and the words-only fallback."""

import socket

import numpy as np
import pytest

from kefu.assistant import matching
from kefu.assistant.engine import Entry, Matcher

ENTRIES = [
    Entry("card-arrival", "My new card has not arrived yet", "en"),
    Entry("card-arrival", "When will I receive my card?", "en"),
    Entry("card-arrival", "卡还没有寄到", "zh-hans"),
    Entry("top-up-apple-pay", "How do I top up with Apple Pay?", "en"),
    Entry("top-up-apple-pay", "Apple Pay top-up is not working", "en"),
    Entry("top-up-apple-pay", "怎么用Apple Pay充值", "zh-hans"),
    Entry("transfer-declined", "Why was my transfer declined?", "en"),
    Entry("transfer-declined", "My bank transfer was rejected", "en"),
    Entry("transfer-declined", "转账被拒绝了", "zh-hans"),
]


@pytest.fixture
def fresh_embedder(monkeypatch):
    """Forget the process-wide embedder so a test loads it anew (and the others keep theirs)."""
    monkeypatch.setattr(matching, "_embedder", None)
    monkeypatch.setattr(matching, "_embedder_loaded", False)


def test_embedder_loads_from_the_wheel_without_network(monkeypatch, fresh_embedder):
    def no_network(*args, **kwargs):
        raise AssertionError("the embedder must not open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    embedder = matching.static_embedder()
    assert embedder is not None
    vectors = embedder.embed(["I still have not received my new card", "my card has not arrived", "apple pay"])
    assert vectors.shape == (3, embedder.dim)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]  # meaning, not only shared words
    np.testing.assert_allclose(embedder.embed_one("my card has not arrived"), vectors[1], rtol=1e-4, atol=1e-6)
    assert not embedder.embed([""]).any()


def test_matcher_uses_sentence_vectors():
    matcher = Matcher(ENTRIES)
    assert matcher._embedding_coef_t is not None
    assert matcher._centroids_t.shape == (matcher._embedder.dim, 3)
    assert matcher.match("still waiting for my card to arrive")[0].doc_id == "card-arrival"
    assert matcher.match("卡什么时候寄到")[0].doc_id == "card-arrival"


def test_words_only_when_wordllama_is_missing(monkeypatch, fresh_embedder):
    monkeypatch.setattr(matching.importlib.util, "find_spec", lambda name: None)
    assert matching.static_embedder() is None
    matcher = Matcher(ENTRIES)
    assert matcher._embedding_coef_t is None
    candidates = matcher.match("my transfer was declined")
    assert candidates[0].doc_id == "transfer-declined"
    assert sum(c.score for c in candidates) <= 1.0 + 1e-6
    assert matcher.match("转账被拒绝")[0].doc_id == "transfer-declined"
