"""Multichannel input: what `--channels auto` decides for each kind of file, and split against mix.

    python benchmarks/channels_eval.py [--cache DIR] [--no-der]

Files (benchmarks/calls.py): two real AMI voices as a two-sided call (bleed 6-30 dB, telephone
band, 32 kbit/s MP3), the real 9.5-min sales call in ../shared/real-speakers put on two channels by
its reference (bleed 20 dB), its first 30 s, dual-mono and music-bed copies of a real AMI clip,
a one-sided stereo file, and the real stereo TV-news clip. Prints the measures and the decision;
then, for each call, diarization DER of the default pipeline on the downmix (mix) and on the
channels (split: crosstalk silenced, one diarization per channel, multichannel.merge), at collar
0 and 0.25 s, with missed / false alarm / confusion and speakers found against true.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import calls  # noqa: E402
from pipeline.audio import load_audio  # noqa: E402
from pipeline.channels import choose  # noqa: E402
from pipeline.references import read_rttm  # noqa: E402
from pipeline.types import AsrResult, SpeakerTurn  # noqa: E402

SHARED = ROOT.parent / "shared" / "real-speakers"
SALES = SHARED / "gecko-sales-call"
NEWS = SHARED / "saivt-bnews-3055877" / "3055877.flac"
AMI = ROOT / "tests" / "data" / "ami"


def build(cache: Path) -> list[tuple[str, Path, list[SpeakerTurn] | None]]:
    """(name, file, reference turns for calls / None) for every test file, made once into `cache`."""
    cache.mkdir(parents=True, exist_ok=True)
    out: list[tuple[str, Path, list[SpeakerTurn] | None]] = []
    for bleed in (6, 10, 20, 30):
        channels, turns = calls.ami_call(bleed_db=bleed)
        out.append(
            (f"ami call, bleed {bleed} dB", calls.write_stereo(cache / f"ami_call_b{bleed}.wav", channels), turns)
        )
    base, turns = out[2][1], out[2][2]
    tel = ["-af", "highpass=f=300,lowpass=f=3400", "-ar", "8000", "-c:a", "pcm_mulaw"]
    out.append(("ami call, telephone band", calls.encode(base, cache / "ami_call_tel.wav", tel), turns))
    out.append(
        ("ami call, MP3 32k", calls.encode(base, cache / "ami_call.mp3", ["-c:a", "libmp3lame", "-b:a", "32k"]), turns)
    )
    if SALES.exists():
        mono = load_audio(SALES / "demo.mp3").samples
        reference = read_rttm(SALES / "demo.rttm")
        stereo = calls.reference_call(mono, reference)
        out.append(("sales call 569 s, two sides", calls.write_stereo(cache / "sales_stereo.wav", stereo), reference))
        first = [t for t in reference if t.start < 30.0]
        out.append(
            ("sales call, first 30 s", calls.write_stereo(cache / "sales_30.wav", stereo[:, : 30 * 16000]), first)
        )
    clip = load_audio(AMI / "trn07.flac").samples
    out.append(("dual-mono (ami/trn07)", calls.write_stereo(cache / "dual_mono.wav", calls.dual_mono(clip)), None))
    out.append(("music bed -12 dB (trn07)", calls.write_stereo(cache / "music_bed.wav", calls.music_bed(clip)), None))
    out.append(
        ("music bed -3 dB (trn07)", calls.write_stereo(cache / "music_loud.wav", calls.music_bed(clip, 3.0)), None)
    )
    one_sided = np.stack([clip, np.zeros_like(clip)])
    out.append(("left channel only", calls.write_stereo(cache / "left_only.wav", one_sided), None))
    if NEWS.exists():
        out.append(("TV news (real stereo)", NEWS, None))
    return out


def decisions(files: list[tuple[str, Path, list[SpeakerTurn] | None]]) -> None:
    print("| file | correlation | left | right | active s | auto |")
    print("|---|---:|---:|---:|---:|---|")
    for name, path, _ in files:
        audio = load_audio(path, keep_channels=True)
        layout = choose(audio.channels, "auto", audio.sample_rate)
        m = layout.measures
        cells = [f"{m[k]:.2f}" if k in m else "-" for k in ("correlation", "left", "right")]
        print(
            f"| {name} | {' | '.join(cells)} | {m.get('active_seconds', '-')} | **{layout.mode}** ({layout.reason}) |"
        )


def diarize_both(diarizer, path: Path, reference: list[SpeakerTurn]) -> None:
    from pipeline.multichannel import ChannelResult, channel_audios, merge, within

    audio = load_audio(path, keep_channels=True)
    started = time.monotonic()
    mixed = diarizer.diarize(audio)
    mix_seconds = time.monotonic() - started
    started = time.monotonic()
    empty = AsrResult((), "en", 0.0)
    results = [
        ChannelResult(i, empty, within(diarizer.diarize(ch), own)) for i, (ch, own) in enumerate(channel_audios(audio))
    ]
    split = merge(results).diarization
    split_seconds = time.monotonic() - started
    assert split is not None
    true = len({t.speaker for t in reference})
    for label, found, seconds in (("mix", mixed, mix_seconds), ("split", split, split_seconds)):
        print(
            f"| {path.name} | {label} | {_der(reference, found.turns)} | {len(found.speakers)}/{true} | {seconds:.1f} |"
        )


def _der(reference: list[SpeakerTurn], turns) -> str:
    from pipeline.evaluate import diarization_error_rate

    cells = []
    for collar in (0.0, 0.25):
        r = diarization_error_rate(reference, turns, collar=collar)
        cells.append(f"{r.der:.1%}")
    r = diarization_error_rate(reference, turns, collar=0.25)
    parts = (r.missed, r.false_alarm, r.confusion)
    cells.append(" / ".join(f"{x / max(r.total, 1e-9):.1%}" for x in parts))
    return " | ".join(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/podscribe-channels"))
    parser.add_argument("--no-der", action="store_true", help="only the auto decisions")
    args = parser.parse_args()
    files = build(args.cache)
    decisions(files)
    if args.no_der:
        return
    from pipeline.config import DiarizationOptions
    from pipeline.diarize.pyannote_backend import PyannoteDiarizer

    diarizer = PyannoteDiarizer(DiarizationOptions())
    print("\n| call | channels | DER c0 | DER c0.25 | missed / false alarm / confusion (c0.25) | found/true | s |")
    print("|---|---|---:|---:|---|---:|---:|")
    for _, path, reference in files:
        if reference is not None:
            diarize_both(diarizer, path, reference)


if __name__ == "__main__":
    main()
