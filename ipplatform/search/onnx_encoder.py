"""The sentence encoder served through ONNX Runtime: the configured model's transformer exported once
(``torch.onnx``) to ``{data_dir}/onnx/<model>-<hash>/model.onnx``, optionally int8-quantised
(``onnxruntime.quantization.quantize_dynamic``), tokenised by the model's own fast tokenizer
(``tokenizers``) and pooled in numpy exactly as sentence-transformers pools it (mean over the
attention mask, then L2-normalised).

Why: on 2 cores the PyTorch path spends a few milliseconds per query in framework overhead that
ONNX Runtime does not have; see scripts/bench_search.py (``encoder`` rows) for measured figures.
The export needs torch (installed anyway); serving needs only onnxruntime, numpy and tokenizers.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

import numpy as np

MAX_TOKENS = 512
VARIANTS = ("fp32", "int8")


def _fingerprint(model_dir: Path) -> str:
    """Changes when the weights or the config change (size + mtime of the files, not their content)."""
    h = hashlib.sha256()
    for f in sorted(model_dir.iterdir()):
        if f.is_file():
            st = f.stat()
            h.update(f"{f.name}:{st.st_size}:{int(st.st_mtime)}".encode())
    return h.hexdigest()[:12]


def export_dir(model_dir: Path, cache_root: Path) -> Path:
    return cache_root / "onnx" / f"{model_dir.name}-{_fingerprint(model_dir)}"


def _export(model_dir: Path, target: Path) -> None:
    import torch  # heavy, only when exporting  # noqa: PLC0415
    from transformers import AutoModel  # noqa: PLC0415

    class Hidden(torch.nn.Module):  # positional inputs, one output: what the exporter traces cleanly
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    model = Hidden(AutoModel.from_pretrained(str(model_dir)).eval())
    dummy = {"input_ids": torch.ones((2, 8), dtype=torch.long),
             "attention_mask": torch.ones((2, 8), dtype=torch.long),
             "token_type_ids": torch.zeros((2, 8), dtype=torch.long)}
    axes = {k: {0: "batch", 1: "tokens"} for k in dummy}
    tmp = target.with_suffix(f".{os.getpid()}.part")  # two processes may export at once
    with torch.no_grad():
        torch.onnx.export(model, tuple(dummy.values()), str(tmp), input_names=list(dummy),
                          output_names=["last_hidden_state"],
                          dynamic_axes={**axes, "last_hidden_state": {0: "batch", 1: "tokens"}},
                          opset_version=17, dynamo=False)
    os.replace(tmp, target)


def _quantise(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic  # noqa: PLC0415

    tmp = target.with_suffix(f".{os.getpid()}.part")  # two processes may export at once
    quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8)
    os.replace(tmp, target)


_export_lock = threading.Lock()


def model_file(model_dir: Path, cache_root: Path, variant: str) -> Path:
    """The ONNX file of ``model_dir`` in ``variant`` (fp32 or int8), exported on first use."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown ONNX variant {variant!r}: one of {', '.join(VARIANTS)}")
    folder = export_dir(model_dir, cache_root)
    fp32, int8 = folder / "model.onnx", folder / "model-int8.onnx"
    with _export_lock:
        folder.mkdir(parents=True, exist_ok=True)
        if not fp32.exists():
            _export(model_dir, fp32)
        if variant == "int8" and not int8.exists():
            _quantise(fp32, int8)
    return int8 if variant == "int8" else fp32


class OnnxEncoder:
    """``encode(texts, batch_size)`` → float32 rows, unit length; thread-safe (ONNX Runtime sessions are)."""

    def __init__(self, model_dir: str | Path, cache_root: Path, variant: str = "int8", threads: int = 2):
        import onnxruntime as ort  # noqa: PLC0415
        from tokenizers import Tokenizer  # noqa: PLC0415

        model_dir = Path(model_dir)
        self.path = model_file(model_dir, cache_root, variant)
        self.variant = variant
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        # Idle intra-op threads spin by default; beside a search engine on the same cores that spinning
        # slows both (2 cores, dev-set demands: encode p95 after an engine request 37-49 ms spinning,
        # 28 ms not, 24-26 ms for back-to-back encodes either way).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(self.path), opts, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        self.dims = int(config["hidden_size"])
        limit = min(MAX_TOKENS, int(config.get("max_position_embeddings", MAX_TOKENS)))
        self._tokenizer.enable_truncation(limit)
        self._tokenizer.enable_padding(pad_id=int(config.get("pad_token_id", 0)))

    def _feed(self, enc: list) -> dict[str, np.ndarray]:
        feed = {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64)}
        return {k: v for k, v in feed.items() if k in self._inputs}

    def token_states(self, text: str) -> tuple[np.ndarray, list[tuple[int, int]], list[int]]:
        """One text's last hidden states (tokens × dims, float32; a batch of one, so no padding), each
        token's character offsets in ``text`` and its special-token flag (1 for [CLS]/[SEP])."""
        enc = self._tokenizer.encode_batch([text])
        hidden = self._session.run(None, self._feed(enc))[0][0]
        return hidden.astype(np.float32), list(enc[0].offsets), list(enc[0].special_tokens_mask)

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        # Similar lengths in one batch: less padding (sentence-transformers sorts the same way).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            enc = self._tokenizer.encode_batch([texts[i] for i in idx])
            feed = self._feed(enc)
            hidden = self._session.run(None, feed)[0]
            mask = feed["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            out[idx] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return out
