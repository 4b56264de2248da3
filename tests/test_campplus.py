"""CAM++ batchnorm folding and the bfloat16 trunk: each computes what the plain float32 network does, on real speech."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from pipeline.audio import load_audio
from pipeline.diarize.campplus import CAMPPlus, fold_batchnorm
from pipeline.diarize.embedding import CAMPPLUS_FILE, CamPlusPlusEmbedding, bundled_file
from pipeline.diarize import shared_frames
from pipeline.diarize.shared_frames import native_bf16, trunk_frames

from .conftest import DATA


def _trained_batchnorm(bn: nn.Module, channels: int, seed: int) -> nn.Module:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        bn.running_mean.copy_(torch.randn(channels, generator=g))
        bn.running_var.copy_(torch.rand(channels, generator=g) + 0.1)
        if bn.affine:
            bn.weight.copy_(torch.randn(channels, generator=g))
            bn.bias.copy_(torch.randn(channels, generator=g))
    return bn.eval()


@pytest.mark.parametrize("affine", [True, False])
def test_folded_conv_equals_conv_then_batchnorm(affine: bool) -> None:
    conv1 = nn.Conv1d(8, 6, 3, padding=2, dilation=2, bias=False).eval()
    bn1 = _trained_batchnorm(nn.BatchNorm1d(6, affine=affine), 6, seed=1)
    conv2 = nn.Conv2d(4, 5, 3, stride=(2, 1), padding=1, bias=True).eval()
    bn2 = _trained_batchnorm(nn.BatchNorm2d(5, affine=affine), 5, seed=2)
    x1, x2 = torch.randn(2, 8, 50), torch.randn(2, 4, 16, 30)
    with torch.inference_mode():
        want1, want2 = bn1(conv1(x1)), bn2(conv2(x2))
        got1, got2 = fold_batchnorm(conv1, bn1)(x1), fold_batchnorm(conv2, bn2)(x2)
    torch.testing.assert_close(got1, want1, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(got2, want2, atol=1e-5, rtol=1e-5)


def test_folding_twice_is_refused() -> None:
    net = CAMPPlus().eval().fuse()
    with pytest.raises(TypeError, match="fused twice"):
        net.fuse()


def test_the_bundled_network_is_fused_and_unchanged_on_real_speech(monkeypatch) -> None:
    monkeypatch.setattr(shared_frames, "BF16", False)  # folding alone, in float32
    fused = CamPlusPlusEmbedding.bundled().net
    assert not any(isinstance(m, nn.BatchNorm2d) for m in fused.head.modules()), "the front end keeps a batchnorm"
    loaded = CAMPPlus()
    loaded.load_state_dict(torch.load(bundled_file(CAMPPLUS_FILE), map_location="cpu", weights_only=True))
    loaded.eval()
    waveform = torch.from_numpy(load_audio(DATA / "ami" / "trn03.flac").samples[: 16_000 * 15])
    with torch.inference_mode():
        want, got = trunk_frames(loaded, waveform, 16_000), trunk_frames(fused, waveform, 16_000)
    assert want.shape == got.shape
    assert float((want - got).abs().max()) < 1e-3 * float(want.abs().max())


@pytest.mark.skipif(not native_bf16(), reason="this CPU has no bfloat16 arithmetic: the trunk stays float32")
def test_the_bfloat16_trunk_stays_close_to_float32_on_real_speech(monkeypatch) -> None:
    net = CamPlusPlusEmbedding.bundled().net
    waveform = torch.from_numpy(load_audio(DATA / "ami" / "trn05.flac").samples)
    frames = {}
    for bf16 in (False, True):
        monkeypatch.setattr(shared_frames, "BF16", bf16)
        with torch.inference_mode():
            frames[bf16] = trunk_frames(net, waveform, 16_000)
    full, half = frames[False], frames[True]
    assert half.dtype == torch.float32 and half.shape == full.shape
    assert float((half - full).norm() / full.norm()) < 0.05  # measured 0.017
    with torch.inference_mode():  # embeddings of 2-s pieces (100 frames): what clustering compares
        pieces = [(net.xvector.pool(f.unfold(-1, 100, 100).permute(1, 0, 2), None)) for f in (full, half)]
    distance = 1 - torch.nn.functional.cosine_similarity(*pieces)
    assert float(distance.max()) < 5e-3  # measured 5.6e-4 (median 1.5e-4); clustering cuts are 0.6-0.8


@pytest.mark.parametrize(
    ("switch", "native", "device", "autocast"),
    [(True, True, "cpu", True), (True, False, "cpu", False), (False, True, "cpu", False), (True, True, "cuda", False)],
)
def test_bfloat16_only_on_a_cpu_that_computes_it(monkeypatch, switch, native, device, autocast) -> None:
    monkeypatch.setattr(shared_frames, "BF16", switch)
    monkeypatch.setattr(shared_frames, "native_bf16", lambda: native)
    context = shared_frames.trunk_precision(torch.device(device))
    assert isinstance(context, torch.autocast) == autocast


def test_a_capped_instruction_set_keeps_the_trunk_float32() -> None:
    """Capping oneDNN or ATen below bfloat16 (to reproduce an AVX2-only CPU) computes what such a CPU does."""
    from pipeline.diarize.shared_frames import isa_allows_bf16

    assert isa_allows_bf16({})
    assert isa_allows_bf16({"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_AMX"})
    assert isa_allows_bf16({"ONEDNN_MAX_CPU_ISA": "avx512_core_bf16", "ATEN_CPU_CAPABILITY": "avx512"})
    assert not isa_allows_bf16({"ONEDNN_MAX_CPU_ISA": "AVX2"})
    assert not isa_allows_bf16({"DNNL_MAX_CPU_ISA": "AVX512_CORE_VNNI"})
    assert not isa_allows_bf16({"ATEN_CPU_CAPABILITY": "avx2"})
