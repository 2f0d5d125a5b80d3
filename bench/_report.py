"""What every benchmark script shares: its command line (--device, --out), the line that says
when and where it ran, markdown tables, and printing the report and writing it to --out.
tests/gpu/run.sh runs each bench/*.py with --device cuda --out FILE."""
import argparse
import os
import platform
from datetime import datetime, timezone
from pathlib import Path


def parser(doc, devices=("cpu", "cuda")):
    """An ArgumentParser with the options every benchmark takes; add the script's own to it."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--device", choices=devices, default="cpu", help="where franca runs")
    p.add_argument("--out", help="also write the markdown report to this file")
    return p


def machine_line(device):
    return (f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPU cores, "
            f"device {device}")


def markdown_table(header, rows):
    """Rows shorter than the header (a case that could not run, with its reason) end early."""
    return "\n".join("| " + " | ".join(map(str, r)) + " |" for r in [header, ["---"] * len(header)] + list(rows))


def show(part):
    """Prints one part of the report as soon as it is ready (a long run shows its progress);
    returns it."""
    print(part + "\n", flush=True)
    return part


def write(parts, out):
    """Writes the report's parts, joined by blank lines, to `out` (when given)."""
    if out:
        Path(out).write_text("\n\n".join(parts) + "\n")


def publish(parts, out):
    """Prints the report's parts and writes them to `out`."""
    for part in parts:
        show(part)
    write(parts, out)
