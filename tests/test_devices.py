"""Devices: every tensor of the bundled diarizer follows the model's device; CUDA asked for without
CUDA is one clear usage error. The CPU tests move the network to torch's `meta` device, where a
tensor left on the CPU raises at once; the CUDA tests run only where CUDA is present."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from pipeline.asr import pick_device
from pipeline.audio import load_audio
from pipeline.config import AsrOptions, DiarizationOptions
from pipeline.diarize.campplus import CAMPPlus
from pipeline.diarize.pyannote_backend import torch_device
from pipeline.diarize.shared_frames import FRAME_STEP, pool_embeddings, trunk_frames
from pipeline.errors import ConfigError

from .conftest import DATA

CUDA = torch.cuda.is_available()


def _ct2_gpus() -> int:
    import ctranslate2

    return ctranslate2.get_cuda_device_count()


@pytest.fixture(scope="module")
def meta_net():
    return CAMPPlus().eval().to("meta")


def test_trunk_runs_on_the_nets_device_from_a_cpu_waveform(meta_net) -> None:
    waveform = torch.randn(16_000 * 25)  # on the CPU, as pyannote hands it over
    frames = trunk_frames(meta_net, waveform, 16_000)
    assert frames.device.type == "meta"
    assert frames.shape[0] == 512 and abs(frames.shape[1] - 25 / FRAME_STEP) <= 2


def test_pooling_runs_on_the_nets_device_with_cpu_masks(meta_net) -> None:
    frames = torch.empty(512, 1250, device="meta")
    masks = np.zeros((3, 589, 3), dtype=np.float32)  # (chunks, segmentation frames, local speakers)
    masks[0, :100, 0] = 1
    masks[1, 50:300, 1] = 1
    masks[2, :, 2] = 1
    out = pool_embeddings(meta_net, frames, masks, [(0, 500), (125, 625), (250, 750)])
    assert out.device.type == "meta" and tuple(out.shape) == (3, 3, 192)


def test_pooling_on_cpu_gives_nan_only_for_silent_speakers() -> None:
    net = CAMPPlus().eval()
    frames = torch.randn(512, 600)
    masks = np.zeros((2, 589, 2), dtype=np.float32)
    masks[0, :300, 0] = 1
    masks[1, 100:, 1] = 1
    out = pool_embeddings(net, frames, masks, [(0, 500), (100, 600)]).numpy()
    assert np.isfinite(out[0, 0]).all() and np.isfinite(out[1, 1]).all()
    assert np.isnan(out[0, 1]).all() and np.isnan(out[1, 0]).all()


def test_pick_device_rules() -> None:
    assert pick_device("auto", "auto", gpus=lambda: 0) == ("cpu", "int8")
    assert pick_device("auto", "auto", gpus=lambda: 1) == ("cuda", "float16")
    assert pick_device("cuda", "int8_float16", gpus=lambda: 2) == ("cuda", "int8_float16")
    assert pick_device("cpu", "auto", gpus=lambda: 1 / 0) == ("cpu", "int8"), "cpu never probes CUDA"
    with pytest.raises(ConfigError, match="--device cuda: CTranslate2 sees no CUDA device.*use --device cpu"):
        pick_device("cuda", "auto", gpus=lambda: 0)


@pytest.mark.skipif(CUDA, reason="checks the no-CUDA message")
def test_torch_device_without_cuda() -> None:
    assert torch_device("auto") == "cpu" and torch_device("cpu") == "cpu"
    with pytest.raises(ConfigError, match="--device cuda: torch .* sees no CUDA device"):
        torch_device("cuda")


@pytest.mark.skipif(CUDA, reason="checks the no-CUDA message")
def test_cli_device_cuda_without_cuda_exits_2_with_one_line(tmp_path) -> None:
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "pipeline", str(DATA / "jfk.flac"), "--device", "cuda", "-o", str(out)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: --device cuda: CTranslate2 sees no CUDA device (no GPU, driver or CUDA 12 runtime visible); use --device cpu or auto"
    ]
    assert not list(out.glob("*")), "nothing was processed"


@pytest.mark.skipif(not CUDA, reason="needs a CUDA device and a CUDA build of torch")
def test_bundled_diarizer_on_cuda_matches_cpu() -> None:
    from pipeline.diarize.pyannote_backend import PyannoteDiarizer
    from pipeline.evaluate import diarization_error_rate

    audio = load_audio(DATA / "ami" / "trn03.flac")
    on_cpu = PyannoteDiarizer(DiarizationOptions(), device="cpu").diarize(audio)
    on_gpu = PyannoteDiarizer(DiarizationOptions(), device="cuda").diarize(audio)
    assert len(on_gpu.speakers) == len(on_cpu.speakers)
    assert diarization_error_rate(on_cpu.turns, on_gpu.turns, collar=0.5).der < 0.02


@pytest.mark.skipif(not CUDA or _ct2_gpus() == 0, reason="needs a CUDA device visible to CTranslate2")
def test_faster_whisper_float16_on_cuda() -> None:
    from pipeline.asr import FasterWhisperTranscriber
    from pipeline.evaluate import normalize

    asr = FasterWhisperTranscriber(AsrOptions(model="tiny.en", device="cuda"))
    assert (asr.device, asr.compute_type) == ("cuda", "float16")
    text = normalize(" ".join(s.text for s in asr.transcribe(load_audio(DATA / "jfk.flac")).segments))
    assert "ask not what your country can do for you" in text


def test_frame_windows_match_the_whole_trunk_output_and_drop_what_is_behind() -> None:
    from pipeline.diarize.shared_frames import FrameWindows

    whole = torch.arange(2 * 1300, dtype=torch.float32).reshape(2, 1300)
    pieces = [whole[:, i : i + 500] for i in range(0, 1300, 500)]  # blocks of 500 frames, the last 300
    computed: list[int] = []

    def lazily():
        for i, piece in enumerate(pieces):
            computed.append(i)
            yield piece

    windows = FrameWindows(lazily())
    spans = [(0, 500), (125, 625), (250, 750), (900, 1400), (1250, 1750)]  # the last two run past the end
    for lo, hi in spans:
        got = windows.get(lo, hi)[0]
        expected = torch.nn.functional.pad(whole[:, lo:hi], (0, max(0, hi - 1300)))
        assert torch.equal(got, expected), (lo, hi)
        if (lo, hi) == (125, 625):
            assert computed == [0, 1], "a block is computed only when a window reaches it"
    assert len(windows._kept) == 1, "blocks every later window starts past are dropped"
    with pytest.raises(ValueError, match="start order"):
        windows.get(0, 500)
