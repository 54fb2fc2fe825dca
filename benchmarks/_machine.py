"""Describe the machine a benchmark ran on, for docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
import re
from importlib import metadata
from pathlib import Path


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else platform.machine()


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe(*packages: str) -> str:
    """One markdown line naming the machine and the versions that matter."""
    libs = ", ".join(f"{p} {_version(p)}" for p in packages)
    return (
        f"{_cpu_model()}, {os.cpu_count()} cores, {_memory_gib()} RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}; {libs}"
    )


def replace_section(doc: Path, marker: str, body: str) -> None:
    """Replace the text between ``<!-- marker:start/end -->`` comments (append if absent)."""
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    intro = "# Benchmarks\n\nEach section is written by its script under `benchmarks/`.\n"
    text = doc.read_text() if doc.exists() else intro
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    doc.write_text(text)
