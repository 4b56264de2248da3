"""Every gated accuracy figure under each CPU instruction set this machine can pretend to be.

CTranslate2's int8 kernels and the bf16 speaker-embedding path compute slightly different numbers on
AVX2-only, AVX-512 and AVX-512 + AMX CPUs. This runs the project's accuracy gate suites
(configs/regression.toml) once per setting, each in a fresh process with the instruction sets capped
through the libraries' own variables, and prints one table: rows item x metric, a column per setting,
and the spread. The limits in configs/regression.toml must cover the worst column.

    python benchmarks/isa_spread.py                  # native, avx512 (no AMX), avx2, mkl, mkl-avx2
    python benchmarks/isa_spread.py --settings avx2  # one setting
Settings capped above what the CPU has run as the CPU itself (the variables only lower the ceiling).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS: dict[str, dict[str, str]] = {
    "native": {},
    "avx512": {
        "CT2_FORCE_CPU_ISA": "AVX512",
        "ONEDNN_MAX_CPU_ISA": "AVX512_CORE_BF16",
        "ATEN_CPU_CAPABILITY": "avx512",
    },
    "avx2": {"CT2_FORCE_CPU_ISA": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"},
    # CTranslate2 takes Intel MKL's int8 kernels only on Intel CPUs, oneDNN's elsewhere: these two
    # give an AMD machine the kernels an Intel one runs (without AMX, which needs the hardware)
    "mkl": {"CT2_USE_MKL": "1", "CT2_FORCE_CPU_ISA": "AVX512"},
    "mkl-avx2": {"CT2_USE_MKL": "1", "CT2_FORCE_CPU_ISA": "AVX2"},
}
FIGURES = ("wer", "cpwer", "der", "der_c0", "confusion", "speaker_error", "names_right", "names_wrong")


def run_setting(name: str, folder: Path) -> tuple[dict[tuple[str, str], float], float]:
    """The gate's checks of both suites under one setting: {(item, metric): value}, wall seconds."""
    env = {**os.environ, **SETTINGS[name], "PODSCRIBE_GATE_REPORT": str(folder / name)}
    started = time.monotonic()
    command = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "tests/test_regression.py"]
    subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    values: dict[tuple[str, str], float] = {}
    for suite in ("samples", "real_speech"):
        path = folder / name / f"{suite}.json"
        if not path.is_file():
            print(f"{name}: {suite} wrote no gate report (see pytest tests/test_regression.py)", file=sys.stderr)
            continue
        for check in json.loads(path.read_text())["checks"]:
            if check["metric"] in FIGURES and check["now"] is not None:
                values[(check["item"], check["metric"])] = check["now"]
    return values, time.monotonic() - started


def table(results: dict[str, dict[tuple[str, str], float]], walls: dict[str, float]) -> str:
    names = list(results)
    keys = sorted({k for r in results.values() for k in r}, key=lambda k: (k[0] == "(all)", k))
    lines = ["| item | metric | " + " | ".join(names) + " | spread |", "|---|---|" + "---:|" * (len(names) + 1)]
    for item, metric in keys:
        got = [results[n].get((item, metric)) for n in names]
        shown = [_fmt(metric, v) for v in got]
        present = [v for v in got if v is not None]
        spread = _fmt(metric, max(present) - min(present)) if len(present) > 1 else ""
        lines.append(f"| {item} | {metric} | " + " | ".join(shown) + f" | {spread} |")
    lines.append("| wall | s | " + " | ".join(f"{walls[n]:.0f}" for n in names) + " | |")
    return "\n".join(lines)


def _fmt(metric: str, value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if metric in ("speaker_error", "names_right", "names_wrong") else f"{value * 100:.2f} %"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default=",".join(SETTINGS), help=f"comma-separated, of {', '.join(SETTINGS)}")
    args = parser.parse_args()
    results, walls = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.settings.split(","):
            results[name], walls[name] = run_setting(name.strip(), Path(tmp))
            print(f"{name}: {len(results[name])} figures in {walls[name]:.0f} s", file=sys.stderr, flush=True)
    print(table(results, walls))


if __name__ == "__main__":
    main()
