"""pyannote's SpeakerDiarization with CAM++ frame features computed once per file, not once per window.

pyannote embeds every (10-s window, local speaker) pair by running the embedding network over the
window. Windows overlap (a 2.5-s step means each second of audio is seen 4 times, and again for
each active speaker), which made embeddings ~85 % of diarization time. Here the CAM++ trunk runs
once over the file, in 10-s blocks with 1-s context margins (the same context length the per-window
network saw), and each (window, speaker) embedding is the network's own weighted statistics pooling
over that window's frames with that speaker's segmentation weights. Everything else (segmentation,
overlap-aware masks, clustering, reconstruction) is pyannote's.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from pyannote.core import SlidingWindowFeature
from torch import nn

from ..errors import ModelError
from .campplus import fbank
from .compat import import_pyannote_audio
from .resegment import BlockCollector, BlockStats, Embedder

import_pyannote_audio()  # quietly, before the import below; this module loads only with the diarizer
from pyannote.audio.pipelines import SpeakerDiarization  # noqa: E402

BLOCK = 10.0  # seconds of audio per trunk pass
MARGIN = 1.0  # seconds of context on each side, dropped after the pass
FRAME_STEP = 0.02  # seconds per trunk output frame: 10-ms fbank hop, time stride 2 in the first TDNN
# The trunk's convolutions in bfloat16 on CPUs that compute it natively (AVX512-BF16 or AMX): ~1.5x
# faster there. Frames differ from float32 by ~2 % (relative norm), 2-s embeddings by under 6e-4 in
# cosine distance (clustering cuts are 0.6-0.8); pooling and everything after stay float32. Elsewhere
# bfloat16 is emulated and slower, so float32.
BF16 = True


PYANNOTE_TESTED = "4.0.7"
GET_EMBEDDINGS = ("file", "binary_segmentations", "exclude_overlap", "hook")


def check_pyannote_internals() -> None:
    """Fail loudly, naming what moved, when a pyannote.audio upgrade changes the internals used here:
    `SpeakerDiarization.get_embeddings`'s signature (overridden below), the embedding wrapper's
    `min_num_samples` (read below), and `PLDA` (stood in for without its __init__)."""
    import inspect

    from pyannote.audio.core import plda
    from pyannote.audio.pipelines import speaker_verification

    wrapper = speaker_verification.PyannoteAudioPretrainedSpeakerEmbedding
    signature = tuple(inspect.signature(SpeakerDiarization.get_embeddings).parameters)[1:]
    checks = {
        f"SpeakerDiarization.get_embeddings{signature}": signature == GET_EMBEDDINGS,
        f"{wrapper.__name__}.min_num_samples": hasattr(wrapper, "min_num_samples"),
        "pyannote.audio.core.plda.PLDA": hasattr(plda, "PLDA"),
    }
    moved = [name for name, ok in checks.items() if not ok]
    if moved:
        raise _changed(", ".join(moved))


def embedding_net(pipeline: Any) -> Any:
    """The CAMPPlus network inside pyannote's embedding wrapper (`_embedding.model_.net`)."""
    net = getattr(getattr(getattr(pipeline, "_embedding", None), "model_", None), "net", None)
    if net is None:
        raise _changed("SpeakerDiarization._embedding.model_")
    return net


def _changed(what: str) -> ModelError:
    from importlib import metadata

    version = metadata.version("pyannote.audio")
    return ModelError(
        f"pyannote.audio {version} changed what the bundled diarizer relies on ({what}); "
        f"install pyannote.audio=={PYANNOTE_TESTED}, or pass --diarization-model with a hub pipeline"
    )


class SharedFramesDiarization(SpeakerDiarization):
    def get_embeddings(
        self,
        file: dict,
        binary_segmentations: SlidingWindowFeature,
        exclude_overlap: bool = False,
        hook: Callable | None = None,
    ) -> np.ndarray:
        net = embedding_net(self)  # CAMPPlus, on the pipeline's device
        sample_rate = self._embedding.sample_rate
        # Frames are computed block by block as the windows reach them and dropped behind: a long
        # file never holds its whole (512, T) trunk output (370 MB of float32 per hour).
        blocks = BlockCollector()  # per-0.5-s sums of the same frames, for the resegmentation pass
        frames = FrameWindows(blocks.tap(trunk_blocks(net, file["waveform"][0], sample_rate, hook)))
        masks = _embedding_masks(binary_segmentations, exclude_overlap, self._embedding.min_num_samples, sample_rate)
        spans = [_frame_span(chunk.start, chunk.end) for chunk, _ in binary_segmentations]
        embeddings = pool_embeddings(net, frames, masks, spans).cpu().numpy()
        frames.drain()  # windows may end before the last block: the sums cover the whole file
        self.block_stats = blocks.result()
        return embeddings

    block_stats: BlockStats | None = None  # of the last file embedded; the diarizer resets it per file


def dense_embedder(net: Any) -> Embedder:
    """CAM++'s own last layer on pooled (mean, std) statistics -> unit-length embeddings."""
    device = device_of(net)

    def embed(mean: np.ndarray, std: np.ndarray) -> np.ndarray:
        stats = torch.from_numpy(np.concatenate([mean, std], axis=1)).float().to(device)
        with torch.inference_mode():
            out = net.xvector.dense(stats).cpu().numpy().astype(np.float64)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    return embed


def device_of(net: nn.Module) -> torch.device:
    return next(net.parameters()).device


def trunk_precision(device: torch.device) -> contextlib.AbstractContextManager[Any]:
    """bfloat16 autocast where this CPU has bfloat16 arithmetic (see BF16), else nothing."""
    if BF16 and device.type == "cpu" and native_bf16():
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def native_bf16() -> bool:
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")  # private: absent means no
    return isa_allows_bf16() and any(bool(getattr(torch.cpu, name, lambda: False)()) for name in checks)


def isa_allows_bf16(env: Mapping[str, str] = os.environ) -> bool:
    """False where the user capped oneDNN or ATen below bfloat16 (ONEDNN_MAX_CPU_ISA=AVX2, ATEN_CPU_CAPABILITY=avx2):
    the CPU's flags still say bfloat16, but the capped kernels emulate it slowly, and a capped run should compute
    what a CPU without it computes (float32), e.g. to reproduce an AVX2-only machine's figures."""
    onednn = (env.get("ONEDNN_MAX_CPU_ISA") or env.get("DNNL_MAX_CPU_ISA") or "ALL").upper()
    if onednn not in ("ALL", "DEFAULT") and not any(tag in onednn for tag in ("BF16", "AMX", "FP16", "AVX10")):
        return False
    return env.get("ATEN_CPU_CAPABILITY", "").lower() not in ("default", "avx2")


def pool_embeddings(
    net: Any, frames: torch.Tensor | FrameWindows, masks: np.ndarray, spans: list[tuple[int, int]]
) -> torch.Tensor:
    """(chunks, speakers, 192) embeddings on the net's device: each (window, speaker) pair pooled
    from the shared frames with that speaker's weights; NaN where the speaker is silent.
    `spans` (frame index ranges, one per chunk) come in start order, as pyannote's windows do.

    `masks` (chunks, frames, speakers) stay on the CPU: which speakers are active is decided there,
    so the device never has to answer a data-dependent question.
    """
    device = device_of(net)
    num_chunks, _, num_speakers = masks.shape
    out = torch.full((num_chunks, num_speakers, net.xvector.dense.linear.out_channels), float("nan"), device=device)
    windows = frames if isinstance(frames, FrameWindows) else FrameWindows(iter([frames]))
    with torch.inference_mode():
        for c, (lo, hi) in enumerate(spans):
            active = [s for s in range(num_speakers) if masks[c, :, s].sum() > 0]
            if not active:
                continue
            window = windows.get(lo, hi)  # (1, 512, t): zero-padded past the end, as pyannote pads audio
            weights = torch.from_numpy(masks[c][:, active].T.copy()).to(device)  # (k, num_frames)
            weights = F.interpolate(weights[:, None], size=window.shape[-1], mode="nearest")[:, 0]
            out[c, active] = net.xvector.pool(window.expand(len(active), -1, -1), weights)
    return out


def _frame_span(start: float, end: float) -> tuple[int, int]:
    lo = max(0, int(round(start / FRAME_STEP)))
    return lo, max(lo + 1, int(round(end / FRAME_STEP)))


def trunk_frames(net: Any, waveform: torch.Tensor, sample_rate: int, hook: Callable | None = None) -> torch.Tensor:
    """CAM++ frame features (512, T) for the whole waveform (n,) at once."""
    return torch.cat(list(trunk_blocks(net, waveform, sample_rate, hook)), dim=-1)


def trunk_blocks(
    net: Any, waveform: torch.Tensor, sample_rate: int, hook: Callable | None = None
) -> Iterator[torch.Tensor]:
    """CAM++ frame features of the waveform (n,), one (512, t) piece per block, each computed with
    context margins. The waveform may live on the CPU; each block is moved to the net's device."""
    device = device_of(net)
    total = waveform.shape[-1]
    block, margin = int(BLOCK * sample_rate), int(MARGIN * sample_rate)
    per_frame = int(FRAME_STEP * sample_rate)
    count = max(1, math.ceil(total / block))
    precision = trunk_precision(device)  # decided once per file; entered once per block
    if hook is not None:
        hook("embeddings", None, total=count, completed=0)
    for i in range(count):
        start, end = i * block, min(total, (i + 1) * block)
        lo, hi = max(0, start - margin), min(total, end + margin)
        segment = waveform[lo:hi].to(device)
        if segment.shape[-1] < int(0.1 * sample_rate):  # too short for the network: pad with silence
            segment = F.pad(segment, (0, int(0.1 * sample_rate) - segment.shape[-1]))
        with torch.inference_mode():  # per block, never across a yield: the caller's mode stays its own
            features = fbank(segment[None, None], sample_rate).transpose(1, 2).unsqueeze(1)
            with precision:
                feats = net.xvector.frames(net.head(features)).float()
        skip = (start - lo) // per_frame
        keep = max(1, (end - start + per_frame - 1) // per_frame)
        if hook is not None:
            hook("embeddings", None, total=count, completed=i + 1)
        yield feats[0, :, skip : skip + keep]


class FrameWindows:
    """Frame ranges [lo, hi) asked for in start order, from pieces computed only when first needed
    and dropped once a later window starts past them: memory stays about two blocks."""

    def __init__(self, pieces: Iterator[torch.Tensor]) -> None:
        self._pieces = pieces
        self._kept: list[torch.Tensor] = []
        self._start = 0  # frame index of the first kept frame
        self._end = 0  # one past the last frame computed
        self._empty: torch.Tensor | None = None  # (512, 0) on the net's device, for windows past the end

    def drain(self) -> None:
        """Compute the pieces no window asked for (their frames are not kept)."""
        for _ in self._pieces:
            pass

    def get(self, lo: int, hi: int) -> torch.Tensor:
        if lo < self._start:
            raise ValueError(
                f"frames {lo}..{hi} asked for out of start order (frames before {self._start} are dropped)"
            )
        while self._end < hi and (piece := next(self._pieces, None)) is not None:
            self._kept.append(piece)
            self._end += piece.shape[-1]
            self._empty = piece[:, :0]
        while self._kept and self._start + self._kept[0].shape[-1] <= lo:
            self._start += self._kept.pop(0).shape[-1]
        if self._empty is None:
            raise ValueError("no frames: the trunk gave no block")
        window = torch.cat([self._empty, *self._kept], dim=-1)[:, lo - self._start : hi - self._start]
        if window.shape[-1] < hi - lo:
            window = F.pad(window, (0, hi - lo - window.shape[-1]))
        return window.unsqueeze(0)


def _embedding_masks(
    segmentations: SlidingWindowFeature, exclude_overlap: bool, min_samples: int, sample_rate: int
) -> np.ndarray:
    """pyannote's rule: use only non-overlapped frames unless too few remain for an embedding."""
    masks = np.nan_to_num(segmentations.data, nan=0.0).astype(np.float32)  # (chunks, frames, speakers)
    if not exclude_overlap:
        return masks
    num_frames = masks.shape[1]
    duration = segmentations.sliding_window.duration
    min_frames = math.ceil(num_frames * min_samples / (duration * sample_rate))
    clean = masks * (masks.sum(axis=2, keepdims=True) < 2)
    enough = clean.sum(axis=1, keepdims=True) > min_frames  # (chunks, 1, speakers)
    return np.where(enough, clean, masks)
