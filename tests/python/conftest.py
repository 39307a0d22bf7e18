"""Shared fixtures: the Memorial stack (cv2.imread, as users load it) and a synthetic 8-bit stack."""
import os
import pathlib

import numpy as np
import pytest

DATA = pathlib.Path(os.environ.get("HDRGPU_TEST_DATA", pathlib.Path(__file__).resolve().parents[3] / "shared" / "data"))


def _read_list(folder):
    rows = []
    for line in open(folder / "exposures.txt"):
        line = line.split("#", 1)[0].split()
        if len(line) >= 2:
            num, _, den = line[1].partition("/")
            rows.append((line[0], float(num) / float(den) if den else float(num)))
    return rows


@pytest.fixture(scope="session")
def cv2():
    return pytest.importorskip("cv2")


@pytest.fixture(scope="session")
def memorial(cv2):
    folder = DATA / "memorial"
    if not folder.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail("test data missing under CI: %s" % folder)
        pytest.skip("memorial not found (set HDRGPU_TEST_DATA)")
    rows = _read_list(folder)
    images = [cv2.imread(str(folder / f), cv2.IMREAD_COLOR) for f, _ in rows]
    times = np.array([t for _, t in rows], dtype=np.float32)
    return images, times


@pytest.fixture(scope="session")
def synthetic():
    """Five 8-bit BGR exposures of a smooth random scene (160 x 120), clipped like a camera."""
    rng = np.random.default_rng(3)
    radiance = np.exp(rng.normal(0, 1.2, size=(12, 16, 3))).repeat(10, 0).repeat(10, 1).astype(np.float32)
    radiance *= np.linspace(0.3, 3, 160, dtype=np.float32)[None, :, None]
    times = np.array([1 / 250, 1 / 60, 1 / 15, 1 / 4, 1.0], dtype=np.float32)
    images = [np.clip(255 * (radiance * t * 8) ** (1 / 2.2), 0, 255).astype(np.uint8) for t in times]
    return images, times


def devices():
    """cpu always; cuda when the package was built with CUDA and a device (or the emulator) is usable."""
    import hdrgpu
    out = ["cpu"]
    if hdrgpu.device_info("auto").startswith("cuda"):
        out.append("cuda")
    return out


def merge_tol(device):
    """The C++ suite's tolerances: 1e-5 relative against OpenCV; the GPU's expf/logf add a few ulp."""
    return 1e-5 if device == "cpu" else 2e-5
