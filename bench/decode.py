"""Benchmark app.core.decode against naive pyzbar on real photos; prints ratios from the same run.

Usage (from the repo root):
    python bench/decode.py [DIR] [--half tuning|held-out|both] [--folders] [--engines]
                           [--only FOLDER ...] [--show-wrong] [--no-naive]
                           [--without PASS ...] [--ablate]
DIR defaults to ../shared/images; its README.md describes the layout (<stem>.txt beside each image).
The images are split once and for all into a tuning half and a held-out half (half_of, by a
hash of the file name): tune on the tuning half, report both; the held-out figure is the one
that says how the pipeline does on photos it was not tuned on.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from pyzbar import pyzbar  # noqa: E402

from app.core.codes import normalize_gtin  # noqa: E402
from app.core.decode import decode_image, engines  # noqa: E402
from app.core.errors import DomainError  # noqa: E402

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff", ".heic"}
BLURRY = "zxing-ean13-5"  # nothing should be read here: any read counts as wrong
PHONE_12MP = "quagga2-q-phone-12mp"  # the speed figure: 12 MP phone photos
HALVES = ("tuning", "held-out")
# The pipeline's passes (app/core/decode/pipeline.py), for --ablate.
PASSES = (
    "zxing:2d",
    "zxing:downscaled",
    "zbar:rot",
    "zxing:up2x",
    "zxing:up3x",
    "zbar:half",
    "zxing:local-contrast",
    "zbar:full",
    "zxing:full",
)
# pyzbar's names for the symbologies that carry a GTIN, as app.core.codes names them.
PYZBAR_GTIN = {"EAN13": "EAN-13", "EAN8": "EAN-8", "UPCA": "UPC-A", "UPCE": "UPC-E"}
PYZBAR_GTIN |= {"ISBN10": "EAN-13", "ISBN13": "EAN-13"}
# What the folder name says every expected text is (others: the digits alone decide).
FOLDER_SYMBOLOGY = {"ean8": "EAN-8", "upce": "UPC-E"}


@dataclass
class Tally:
    images: int = 0
    correct: int = 0
    wrong: int = 0
    ms: list[float] = field(default_factory=list)

    def add(self, verdict: str, ms: float) -> None:
        self.images += 1
        self.correct += verdict == "correct"
        self.wrong += verdict == "wrong"
        self.ms.append(ms)

    def merge(self, other: Tally) -> None:
        self.images += other.images
        self.correct += other.correct
        self.wrong += other.wrong
        self.ms.extend(other.ms)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.ms) if self.ms else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.ms) if self.ms else 0.0


def gtin14(text: str, symbology: str | None = None) -> str | None:
    """GTIN-14 of EAN/UPC digits by app.core.codes' one rule; None if they are not one."""
    try:
        return normalize_gtin(text, symbology)
    except DomainError:
        return None


def folder_symbology(folder: Path) -> str | None:
    return next((s for key, s in FOLDER_SYMBOLOGY.items() if f"-{key}-" in folder.name), None)


def candidates(expected: str, symbology: str | None) -> set[str]:
    """The forms of the expected text that count as a correct read."""
    forms = {expected, expected.rstrip("\r\n")}
    if (g := gtin14(expected.strip(), symbology)) is not None:
        forms.add(g)
    return forms


def normalise(symbology: str, text: str) -> set[str]:
    """The forms of a read to compare: the pipeline's reads carry GTIN-14s already."""
    forms = {text, text.rstrip("\r\n")}
    if symbology in PYZBAR_GTIN and (g := gtin14(text, PYZBAR_GTIN[symbology])) is not None:
        forms.add(g)
    if text.startswith("]"):  # GS1 AIM prefix ("]C1", "]d2"): also compare the bare data
        bare = text[3:]
        forms |= {bare, bare.replace("\x1d", "")}
    return forms


def verdict(
    expected: str, reads: list[tuple[str, str]], blurry: bool, symbology: str | None = None
) -> tuple[str, int | None]:
    """("correct" | "wrong" | "missed", index of the matching read)."""
    if blurry:
        return ("wrong", None) if reads else ("missed", None)
    wanted = candidates(expected, symbology)
    for i, (read_symbology, text) in enumerate(reads):
        if normalise(read_symbology, text) & wanted:
            return "correct", i
    return ("wrong", None) if reads else ("missed", None)


def naive(path: Path) -> list[tuple[str, str]]:
    """The baseline: pyzbar straight on Pillow's image (its palette warnings silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return [
            (s.type, s.data.decode("utf-8", errors="replace"))
            for s in pyzbar.decode(Image.open(path))
        ]


def images_in(folder: Path) -> list[tuple[Path, str]]:
    found = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        expected = path.with_suffix(".txt")
        if expected.exists():
            found.append((path, expected.read_bytes().decode("utf-8")))  # keep CR LF as written
    return found


def half_of(path: Path) -> str:
    """The fixed split: "tuning" or "held-out", from a hash of folder and file name.

    Tune the pipeline on the tuning half only; the held-out half says how it generalises.
    """
    digest = hashlib.sha256(f"{path.parent.name}/{path.name}".encode()).digest()
    return HALVES[digest[0] % 2]


def group_of(folder: Path) -> str:
    if folder.name == BLURRY:
        return "blurry"
    return "datamatrix" if "datamatrix" in folder.name else "main"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", default=str(ROOT.parent / "shared" / "images"))
    parser.add_argument(
        "--half", choices=[*HALVES, "both"], default="both", help="which half of the fixed split"
    )
    parser.add_argument(
        "--engines",
        "--engine",
        action="store_true",
        help="which engine/pass made each correct read",
    )
    parser.add_argument("--only", nargs="*", help="only these folders")
    parser.add_argument("--folders", action="store_true", help="a row per folder and half")
    parser.add_argument("--show-wrong", action="store_true", help="list wrong and missed images")
    parser.add_argument("--no-naive", action="store_true", help="skip the baseline (no ratios)")
    parser.add_argument(
        "--without", nargs="*", default=[], metavar="PASS", help="leave these passes out"
    )
    parser.add_argument(
        "--ablate", action="store_true", help="what each pass buys: a run without each in turn"
    )
    args = parser.parse_args()
    base = Path(args.dir)
    folders = sorted(p for p in base.iterdir() if p.is_dir())
    if args.only:
        folders = [f for f in folders if f.name in args.only]
    halves = HALVES if args.half == "both" else (args.half,)
    skip = frozenset(args.without)
    if args.ablate:
        return ablate(folders, halves, skip)

    print(f"engines: {engines()}")
    header = (
        f"{'':28} {'n':>4} | {'pipe ok':>7} {'wrong':>5} {'mean':>7} {'median':>7}"
        f" | {'naive ok':>8} {'wrong':>5} {'mean':>7} {'median':>7} | {'mean x':>6} {'med x':>6}"
    )
    # (half, group or folder) -> (pipeline, naive)
    tallies: dict[tuple[str, str], tuple[Tally, Tally]] = {}
    by_engine: Counter[str] = Counter()
    by_pass: Counter[str] = Counter()
    extras: Counter[str] = Counter()
    for folder in folders:
        blurry = folder.name == BLURRY
        group = group_of(folder)
        symbology = folder_symbology(folder)
        for path, expected in images_in(folder):
            half = half_of(path)
            if half not in halves:
                continue
            start = time.perf_counter()
            result = decode_image(path.read_bytes(), skip=skip)
            pipe_ms = (time.perf_counter() - start) * 1000
            reads = [(s.symbology, s.text) for s in result.symbols]
            got, index = verdict(expected, reads, blurry, symbology)
            if got == "correct" and group == "main":
                wanted = candidates(expected, symbology)
                # Another symbol beside the right one: a second code, or a partial misread.
                extras[half] += any(not normalise(*read) & wanted for read in reads)
            if got == "correct" and index is not None:
                by_engine[f"{group}:{result.symbols[index].engine}"] += 1
                by_pass[f"{group}:{result.passes[-1]}"] += 1
            naive_got, naive_ms = "missed", 0.0
            if not args.no_naive:
                start = time.perf_counter()
                naive_reads = naive(path)
                naive_ms = (time.perf_counter() - start) * 1000
                naive_got, _ = verdict(expected, naive_reads, blurry, symbology)
            keys = [(half, group), (half, folder.name)]
            if folder.name == PHONE_12MP:
                keys.append((half, "12mp"))
            for key in keys:
                pipe, naive_tally = tallies.setdefault(key, (Tally(), Tally()))
                pipe.add(got, pipe_ms)
                naive_tally.add(naive_got, naive_ms)
            if args.show_wrong and got != "correct" and not (blurry and got == "missed"):
                print(
                    f"  {half:8} {got:7} {folder.name}/{path.name}: expected {expected[:60]!r}"
                    f" got {reads[:3]!r} passes {result.passes}"
                )
    labels = {
        "main": "main (excl. blurry, DM)",
        "blurry": "blurry (reads = wrong)",
        "datamatrix": "Data Matrix",
        "12mp": "12 MP photos (speed)",
    }
    for half in halves:
        print(f"\n{half} half")
        print(header)
        print("-" * len(header))
        if args.folders:
            for folder in folders:
                if (half, folder.name) in tallies:
                    print(row(folder.name, *tallies[half, folder.name]))
            print("-" * len(header))
        for group, label in labels.items():
            if (half, group) in tallies:
                print(row(label, *tallies[half, group]))
    print()
    for half in halves:
        pipe, naive_tally = tallies.get((half, "main"), (Tally(), Tally()))
        speed = tallies.get((half, "12mp"))
        ratio = speed[0].median / speed[1].median if speed and speed[1].median else None
        print(
            f"{half:8} half: pipeline {pipe.correct}/{pipe.images} correct"
            f" ({pct(pipe.correct, pipe.images)}), {pipe.wrong} wrong ({pct(pipe.wrong, pipe.images)});"
            f" naive {naive_tally.correct} correct, {naive_tally.wrong} wrong;"
            f" {extras[half]} correct with another symbol beside;"
            f" 12 MP median {'-' if ratio is None else f'{ratio:.2f}x'} naive"
        )
    if args.engines:
        print("\ncorrect reads by engine:", dict(sorted(by_engine.items())))
        print("correct reads by the pass that found them:", dict(sorted(by_pass.items())))
    return 0


def ablate(folders: list[Path], halves: tuple[str, ...], skip: frozenset[str]) -> int:
    """Run the pipeline without each pass in turn; print what leaving it out costs."""
    items = [
        (folder, path, path.read_bytes(), expected)
        for folder in folders
        for path, expected in images_in(folder)
        if half_of(path) in halves
    ]

    def run(without: frozenset[str]) -> tuple[Counter[str], set[str], float]:
        counts: Counter[str] = Counter()
        missed, seconds = set(), 0.0
        for folder, path, data, expected in items:
            start = time.perf_counter()
            result = decode_image(data, skip=without)
            seconds += time.perf_counter() - start
            group = group_of(folder)
            reads = [(s.symbology, s.text) for s in result.symbols]
            got, _ = verdict(expected, reads, group == "blurry", folder_symbology(folder))
            counts[f"{group} {got}"] += 1
            if got != "correct" and group != "blurry":
                missed.add(f"{folder.name}/{path.name}")
        return counts, missed, seconds

    def line(name: str, counts: Counter[str], seconds: float) -> str:
        return (
            f"{name:28} main {counts['main correct']:>4} ok {counts['main wrong']:>2} wrong"
            f" | DM {counts['datamatrix correct']:>3} ok | blurry {counts['blurry wrong']} read"
            f" | {seconds:6.1f} s"
        )

    print(f"ablation on the {' + '.join(halves)} half ({len(items)} images)")
    counts, missed, seconds = run(skip)
    print(line("all passes", counts, seconds))
    for name in PASSES:
        without_counts, without_missed, seconds = run(skip | {name})
        lost = sorted(without_missed - missed)
        print(line(f"without {name}", without_counts, seconds), "| lost:", ", ".join(lost) or "-")
    return 0


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def row(name: str, pipe: Tally, base: Tally) -> str:
    mean_ratio = pipe.mean / base.mean if base.mean else 0.0
    median_ratio = pipe.median / base.median if base.median else 0.0
    return (
        f"{name:28} {pipe.images:>4} | {pipe.correct:>7} {pipe.wrong:>5} {pipe.mean:>7.1f} {pipe.median:>7.1f}"
        f" | {base.correct:>8} {base.wrong:>5} {base.mean:>7.1f} {base.median:>7.1f}"
        f" | {mean_ratio:>6.2f} {median_ratio:>6.2f}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
