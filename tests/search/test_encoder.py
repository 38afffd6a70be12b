"""The query encoder on ONNX Runtime gives the PyTorch model's vectors; int8 is close and cached apart."""

from __future__ import annotations

import numpy as np
import pytest

from ipplatform.search.embeddings import Embedder

TEXTS = ["锂电池 储能", "茶叶杀青机", "一种用于名优绿茶加工的自动化杀青揉捻一体化设备及其控制方法", "LED", "储" * 600]


@pytest.fixture(scope="module")
def reference_vectors():
    return Embedder(runtime="torch")._encode(TEXTS)


def test_onnx_float_vectors_are_the_pytorch_ones(embedder, reference_vectors):
    assert embedder.runtime == "onnx" and embedder.cache_key == "m3e-small"  # the default
    got = embedder._encode(TEXTS)
    assert got.shape == reference_vectors.shape
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert (got * reference_vectors).sum(axis=1).min() > 0.9999


def test_int8_is_close_and_cached_apart(reference_vectors):
    int8 = Embedder(runtime="onnx-int8")
    assert int8.cache_key == "m3e-small#int8"
    cos = (int8._encode(TEXTS) * reference_vectors).sum(axis=1)
    assert cos.min() > 0.97


def test_token_states_pool_to_the_text_vector_and_locate_each_token(embedder):
    text = "一种茶叶杀青机，带温度控制"
    before = embedder.encoded
    states, offsets, special = embedder.token_states(text)
    assert embedder.encoded == before + 1
    assert states.shape == (len(offsets), embedder.dims) == (len(special), embedder.dims)
    assert special[0] == 1 and special[-1] == 1 and sum(special) == 2  # [CLS] … [SEP]
    mean = states.mean(axis=0)
    assert float(mean @ embedder._encode([text])[0]) / np.linalg.norm(mean) > 0.9999
    words = "".join(text[a:b] for (a, b), s in zip(offsets, special) if not s)
    assert words == text  # every character of the text belongs to exactly one token, in order


def test_token_states_are_not_offered_by_the_pytorch_runtime():
    assert Embedder(runtime="torch").token_states("茶叶") is None
