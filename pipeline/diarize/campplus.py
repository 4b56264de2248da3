"""CAM++ speaker embedding network (Wang et al., "CAM++: A Fast and Efficient Network for Speaker
Verification Using Context-Aware Masking", Interspeech 2023), written from the paper and the names
and shapes of the bundled 3D-Speaker weights, so that those weights load strictly.

Shape: 80-dim fbank -> 2-D conv front end (FCM) -> densely connected TDNN blocks whose layers use
context-aware masking -> statistics pooling -> 192-d embedding. Pooling here takes optional per-frame
weights, which is how pyannote asks for "the embedding of this speaker's frames only".
"""

from __future__ import annotations

from typing import TypeVar, cast

import torch
import torch.nn.functional as F
from torch import nn

EMBEDDING_DIM = 192
N_MELS = 80

_Conv = TypeVar("_Conv", nn.Conv1d, nn.Conv2d)


def fold_batchnorm(conv: _Conv, bn: nn.Module) -> _Conv:
    """Make `conv` compute `bn(conv(x))` with the batchnorm's running statistics; returns `conv`.

    At inference a batchnorm is a per-channel scale and shift, which the convolution's weights and
    bias can carry: the same function to float rounding (~1e-5 on frame features of magnitude ~7),
    one pass over the activations less.
    """
    if not isinstance(bn, nn.modules.batchnorm._BatchNorm) or bn.running_var is None or bn.running_mean is None:
        raise TypeError(f"expected a batchnorm with running statistics after {conv}, got {bn} (fused twice?)")
    scale = torch.rsqrt(bn.running_var + bn.eps)
    shift = -bn.running_mean * scale
    if bn.affine:
        scale, shift = scale * bn.weight, shift * bn.weight + bn.bias
    with torch.no_grad():  # elementwise: the weight keeps its memory format (channels_last in the front end)
        bias = shift if conv.bias is None else conv.bias * scale + shift
        conv.weight = nn.Parameter(conv.weight * scale.reshape(-1, *[1] * (conv.weight.dim() - 1)), requires_grad=False)
        conv.bias = nn.Parameter(bias, requires_grad=False)
    return conv


class _BnRelu(nn.Module):
    """`nonlinear` block of the reference weights: batchnorm then ReLU (key: nonlinear.batchnorm.*)."""

    def __init__(self, channels: int, affine: bool = True, relu: bool = True) -> None:
        super().__init__()
        self.batchnorm: nn.Module = nn.BatchNorm1d(channels, affine=affine)  # Identity once folded
        self.relu = relu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.batchnorm(x)
        return F.relu(x) if self.relu else x


class ResBlock2d(nn.Module):
    """Residual block of the front end; strides only along frequency, never time."""

    def __init__(self, channels: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, stride=(stride, 1), padding=1, bias=False)
        self.bn1: nn.Module = nn.BatchNorm2d(channels)  # Identity once folded
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=1, padding=1, bias=False)
        self.bn2: nn.Module = nn.BatchNorm2d(channels)
        self.shortcut = nn.Sequential()
        if stride != 1:
            self.shortcut = nn.Sequential(
                nn.Conv2d(channels, channels, 1, stride=(stride, 1), bias=False), nn.BatchNorm2d(channels)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))

    def fuse(self) -> None:
        self.conv1, self.bn1 = fold_batchnorm(self.conv1, self.bn1), nn.Identity()
        self.conv2, self.bn2 = fold_batchnorm(self.conv2, self.bn2), nn.Identity()
        if len(self.shortcut):
            conv, bn = self.shortcut
            self.shortcut = nn.Sequential(fold_batchnorm(cast(nn.Conv2d, conv), bn))


class FCM(nn.Module):
    """Front-end convolution module: (B, 1, 80, T) -> (B, 32 * 10, T)."""

    def __init__(self, channels: int = 32) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels, 3, stride=1, padding=1, bias=False)
        self.bn1: nn.Module = nn.BatchNorm2d(channels)  # Identity once folded
        self.layer1 = nn.Sequential(ResBlock2d(channels, 2), ResBlock2d(channels, 1))
        self.layer2 = nn.Sequential(ResBlock2d(channels, 2), ResBlock2d(channels, 1))
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=(2, 1), padding=1, bias=False)
        self.bn2: nn.Module = nn.BatchNorm2d(channels)
        self.out_channels = channels * (N_MELS // 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.contiguous(memory_format=torch.channels_last)  # 2-D convs run ~2x faster on CPU this way
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer2(self.layer1(x))
        x = F.relu(self.bn2(self.conv2(x)))  # (B, C, F/8, T)
        return x.flatten(1, 2)  # (B, C * F/8, T)

    def fuse(self) -> None:
        self.conv1, self.bn1 = fold_batchnorm(self.conv1, self.bn1), nn.Identity()
        self.conv2, self.bn2 = fold_batchnorm(self.conv2, self.bn2), nn.Identity()
        for block in (*self.layer1, *self.layer2):
            cast(ResBlock2d, block).fuse()


class CAMLayer(nn.Module):
    """Local TDNN output scaled by a mask computed from utterance-level and 100-frame segment context."""

    def __init__(self, channels: int, out: int, dilation: int, segment: int = 100) -> None:
        super().__init__()
        self.linear_local = nn.Conv1d(channels, out, 3, padding=dilation, dilation=dilation, bias=False)
        self.linear1 = nn.Conv1d(channels, channels // 2, 1)
        self.linear2 = nn.Conv1d(channels // 2, out, 1)
        self.segment = segment

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        local = self.linear_local(x)
        context = x.mean(-1, keepdim=True) + self._segment_mean(x)
        mask = torch.sigmoid(self.linear2(F.relu(self.linear1(context))))
        return local * mask

    def _segment_mean(self, x: torch.Tensor) -> torch.Tensor:
        pooled = F.avg_pool1d(x, self.segment, self.segment, ceil_mode=True)  # (B, C, ceil(T/seg))
        return pooled.repeat_interleave(self.segment, dim=-1)[..., : x.shape[-1]]


class DenseTDNNLayer(nn.Module):
    def __init__(self, channels: int, growth: int, bottleneck: int, dilation: int) -> None:
        super().__init__()
        self.nonlinear1 = _BnRelu(channels)
        self.linear1 = nn.Conv1d(channels, bottleneck, 1, bias=False)
        self.nonlinear2 = _BnRelu(bottleneck)
        self.cam_layer = CAMLayer(bottleneck, growth, dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cam_layer(self.nonlinear2(self.linear1(self.nonlinear1(x))))

    def fuse(self) -> None:
        # only the batchnorm after linear1 folds: nonlinear1's comes before it, behind no convolution
        self.linear1 = fold_batchnorm(self.linear1, self.nonlinear2.batchnorm)
        self.nonlinear2.batchnorm = nn.Identity()


class DenseTDNNBlock(nn.ModuleDict):
    """Each layer sees the concatenation of the block input and all earlier layers' outputs."""

    def __init__(self, layers: int, channels: int, growth: int, dilation: int) -> None:
        super().__init__(
            {
                f"tdnnd{i + 1}": DenseTDNNLayer(channels + i * growth, growth, 4 * growth, dilation)
                for i in range(layers)
            }
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.values():
            x = torch.cat([x, layer(x)], dim=1)
        return x


class Transit(nn.Module):
    def __init__(self, channels: int, out: int) -> None:
        super().__init__()
        self.nonlinear = _BnRelu(channels)
        self.linear = nn.Conv1d(channels, out, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.nonlinear(x))


class _Tdnn(nn.Module):
    def __init__(self, channels: int, out: int) -> None:
        super().__init__()
        self.linear = nn.Conv1d(channels, out, 5, stride=2, padding=2, bias=False)
        self.nonlinear = _BnRelu(out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.nonlinear(self.linear(x))

    def fuse(self) -> None:
        self.linear = fold_batchnorm(self.linear, self.nonlinear.batchnorm)
        self.nonlinear.batchnorm = nn.Identity()


class _Dense(nn.Module):
    def __init__(self, channels: int, out: int) -> None:
        super().__init__()
        self.linear = nn.Conv1d(channels, out, 1, bias=False)
        self.nonlinear = _BnRelu(out, affine=False, relu=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.nonlinear(self.linear(x.unsqueeze(-1))).squeeze(-1)


class XVector(nn.Module):
    def __init__(self, channels: int, growth: int = 32) -> None:
        super().__init__()
        self.tdnn = _Tdnn(channels, 128)
        self.block1, self.transit1 = DenseTDNNBlock(12, 128, growth, 1), Transit(128 + 12 * growth, 256)
        self.block2, self.transit2 = DenseTDNNBlock(24, 256, growth, 2), Transit(256 + 24 * growth, 512)
        self.block3, self.transit3 = DenseTDNNBlock(16, 512, growth, 2), Transit(512 + 16 * growth, 512)
        self.out_nonlinear = _BnRelu(512)
        self.dense = _Dense(1024, EMBEDDING_DIM)

    def fuse(self) -> None:
        self.tdnn.fuse()
        for block in (self.block1, self.block2, self.block3):
            for layer in block.values():
                cast(DenseTDNNLayer, layer).fuse()

    def frames(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, T) -> (B, 512, T/2) frame-level features before pooling."""
        x = self.tdnn(x)
        x = self.transit1(self.block1(x))
        x = self.transit2(self.block2(x))
        x = self.transit3(self.block3(x))
        return self.out_nonlinear(x)

    def pool(self, frames: torch.Tensor, weights: torch.Tensor | None) -> torch.Tensor:
        """Weighted mean and standard deviation over time -> (B, 192)."""
        if weights is None:
            weights = torch.ones(frames.shape[0], frames.shape[-1], device=frames.device)
        w = weights.unsqueeze(1)  # (B, 1, T)
        total = w.sum(-1).clamp_min(1e-6)
        mean = (frames * w).sum(-1) / total
        var = ((frames - mean.unsqueeze(-1)) ** 2 * w).sum(-1) / total
        return self.dense(torch.cat([mean, var.clamp_min(1e-10).sqrt()], dim=1))


class CAMPPlus(nn.Module):
    """Input fbank (B, T, 80); output embeddings (B, 192)."""

    def __init__(self) -> None:
        super().__init__()
        self.head = FCM()
        self.xvector = XVector(self.head.out_channels)

    def fuse(self) -> CAMPPlus:
        """Fold every batchnorm that follows a convolution into it, for inference (after loading the
        weights: the state-dict keys change). The trunk runs ~10 % faster on the CPU."""
        self.head.fuse()
        self.xvector.fuse()
        return self

    def forward(self, fbank: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        frames = self.xvector.frames(self.head(fbank.transpose(1, 2).unsqueeze(1)))
        if weights is not None:  # resample per-frame weights to this network's frame rate
            weights = F.interpolate(weights.unsqueeze(1).float(), size=frames.shape[-1], mode="nearest").squeeze(1)
        return self.xvector.pool(frames, weights)


def fbank(waveforms: torch.Tensor, sample_rate: int = 16_000) -> torch.Tensor:
    """(B, 1, N) float in [-1, 1] -> (B, T, 80) Kaldi fbank, mean-normalised per utterance."""
    from .compat import import_torchaudio

    kaldi = import_torchaudio().compliance.kaldi  # pure Python: needs no native library

    feats = [kaldi.fbank(w, num_mel_bins=N_MELS, sample_frequency=sample_rate, dither=0.0) for w in waveforms]
    stacked = torch.stack(feats)
    return stacked - stacked.mean(dim=1, keepdim=True)
