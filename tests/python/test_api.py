"""The Python API's contract: inputs read in place, bad input as ValueError, failures as hdrgpu.Error,
threads, memory, files and batches."""
import gc
import os
import resource
import sys
import threading

import numpy as np
import pytest

import hdrgpu
from conftest import DATA, devices


def test_version_and_profiles():
    assert hdrgpu.__version__.count(".") == 2
    assert hdrgpu.get_compat() == "opencv-latest"
    with pytest.raises(ValueError):
        hdrgpu.set_compat("opencv-3")
    assert isinstance(hdrgpu.Error("x"), RuntimeError)


def test_compat_profile_changes_the_merge(synthetic):
    images, times = synthetic
    latest = hdrgpu.merge_debevec(images, times, device="cpu")
    old = hdrgpu.merge_debevec(images, times, device="cpu", compat="opencv-4.6")
    assert not np.array_equal(latest, old)
    hdrgpu.set_compat("opencv-4.6")
    try:
        assert np.array_equal(hdrgpu.merge_debevec(images, times, device="cpu"), old)
    finally:
        hdrgpu.set_compat("opencv-latest")


@pytest.mark.parametrize("device", devices())
def test_strided_views_give_the_same_numbers(synthetic, device):
    images, times = synthetic
    want = hdrgpu.merge_debevec(images, times, device=device)
    # Row-strided views (a crop of a wider buffer) are read in place; channel-strided ones are copied.
    wide = [np.zeros((120, 200, 3), np.uint8) for _ in images]
    views = []
    for w, img in zip(wide, images):
        w[:, 20:180] = img
        views.append(w[:, 20:180])
    assert not views[0].flags["C_CONTIGUOUS"]
    assert np.array_equal(hdrgpu.merge_debevec(views, times, device=device), want)
    planar = [np.ascontiguousarray(img.transpose(2, 0, 1)).transpose(1, 2, 0) for img in images]
    assert np.array_equal(hdrgpu.merge_debevec(planar, times, device=device), want)
    # times as a list, a tuple or an array of any dtype.
    assert np.array_equal(hdrgpu.merge_debevec(images, [float(t) for t in times], device=device), want)


def test_inputs_are_read_in_place(synthetic):
    """Zero-copy: numpy's allocator is not asked for a copy of the inputs (tracemalloc counts numpy's
    allocations), and the result is a numpy array owning the library's buffer."""
    import tracemalloc
    images, times = synthetic
    big = [np.repeat(np.repeat(img, 8, 0), 8, 1) for img in images]  # 960 x 1280 x 3
    hdrgpu.merge_debevec(big, times, device="cpu")  # warm up
    tracemalloc.start()
    out = hdrgpu.merge_debevec(big, times, device="cpu")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    input_bytes = big[0].nbytes
    assert peak < input_bytes // 4, "numpy allocated %d bytes: an input was copied" % peak
    assert out.flags["OWNDATA"] is False and out.base is not None  # owned by the library's capsule
    assert out.shape == (960, 1280, 3) and out.dtype == np.float32


@pytest.mark.parametrize("bad, message", [
    (lambda i, t: ([i[0], i[1][:, :100]], t[:2]), "expected"),
    (lambda i, t: ([x.astype(np.int32) for x in i], t), "dtype"),
    (lambda i, t: (i, t[:3]), "exposure times for"),
    (lambda i, t: (i, [np.nan] + list(t[1:])), "finite positive"),
    (lambda i, t: (i, [-1.0] + list(t[1:])), "finite positive"),
    (lambda i, t: ([], []), "empty"),
    (lambda i, t: (["not", "arrays"], ["a", "b"]), "numpy array"),
    (lambda i, t: ([i[0], i[1].astype(np.uint16)], t[:2]), "same dtype"),
    (lambda i, t: (i, "fast"), "times"),
])
def test_bad_input_raises_value_error(synthetic, bad, message):
    images, times = synthetic
    imgs, t = bad(images, times)
    with pytest.raises(ValueError, match=message):
        hdrgpu.merge_debevec(imgs, t, device="cpu")


def test_calibration_needs_8_bit_and_failures_are_hdrgpu_errors(synthetic, tmp_path):
    images, times = synthetic
    with pytest.raises(ValueError, match="8-bit"):
        hdrgpu.calibrate_debevec([i.astype(np.uint16) * 257 for i in images], times, device="cpu")
    with pytest.raises(hdrgpu.Error, match="nonexistent"):
        hdrgpu.load_stack(str(tmp_path / "nonexistent"))
    with pytest.raises(hdrgpu.Error):
        hdrgpu.read_image(str(tmp_path / "missing.png"))
    with pytest.raises(ValueError, match="device"):
        hdrgpu.merge_debevec(images, times, device="gpu7")


def test_threads_match_sequential_calls(synthetic):
    images, times = synthetic
    want = [hdrgpu.merge_debevec(images, times, device=d) for d in devices()]
    want_r = hdrgpu.calibrate_debevec(images, times, device="cpu")
    results, errors = [], []

    def work(k):
        try:
            for _ in range(5):
                d = devices()[k % len(devices())]
                results.append((d, hdrgpu.merge_debevec(images, times, device=d)))
                results.append(("r", hdrgpu.calibrate_debevec(images, times, device="cpu")))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 40
    for d, r in results:
        if d == "r":
            assert np.array_equal(r, want_r)
        else:
            assert np.array_equal(r, want[devices().index(d)])


def test_no_leak_over_1000_calls(synthetic):
    images, times = synthetic
    for _ in range(50):
        hdrgpu.merge_debevec(images, times, device="cpu")
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(1000):
        out = hdrgpu.merge_debevec(images, times, device="cpu")
        del out
    gc.collect()
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    # 1000 results of 230 KB each would be 230 MB; allow 20 MB of allocator noise.
    assert grown_kib < 20 * 1024


def test_files_round_trip(synthetic, tmp_path):
    images, times = synthetic
    hdr = hdrgpu.merge_debevec(images, times, device="cpu")
    for name in ("m.exr", "m.pfm"):
        hdrgpu.write_radiance(str(tmp_path / name), hdr)
        assert np.array_equal(hdrgpu.read_image(str(tmp_path / name)), hdr)
    clamped = hdrgpu.write_radiance(str(tmp_path / "h.exr"), hdr * 1e6, half=True, compression="zip")
    assert clamped == int(np.count_nonzero(hdr * 1e6 > 65504))
    back = hdrgpu.read_image(str(tmp_path / "h.exr"))
    assert np.isfinite(back).all() and back.max() == 65504.0
    with pytest.raises(ValueError):
        hdrgpu.write_radiance(str(tmp_path / "x.exr"), hdr, compression="lzma")


def test_load_stack_reads_as_cv2_imread(cv2):
    folder = DATA / "memorial"
    if not folder.is_dir():
        pytest.skip("memorial not found")
    images, times = hdrgpu.load_stack(str(folder))
    assert len(images) == len(times) == 16
    first = sorted(p.name for p in folder.glob("*.png"))[0]
    assert np.array_equal(images[0], cv2.imread(str(folder / first), cv2.IMREAD_COLOR))
    assert times[0] == pytest.approx(32.0)


def test_batch_and_process_batch(cv2, synthetic, tmp_path):
    images, times = synthetic
    for k in range(3):
        d = tmp_path / "in" / ("stack_%d" % k)
        d.mkdir(parents=True)
        lines = []
        for i, (img, t) in enumerate(zip(images, times)):
            cv2.imwrite(str(d / ("e%d.png" % i)), img)
            lines.append("e%d.png %r" % (i, float(t)))
        if k == 1:
            lines[2] = "missing.png 0.5"  # this stack fails, the others do not
        (d / "exposures.txt").write_text("\n".join(lines) + "\n")
    seen = []
    rows = hdrgpu.batch(str(tmp_path / "in"), str(tmp_path / "out"), progress=seen.append, format="pfm",
                        device="cpu", threads=2)
    assert len(rows) == 3 and len(seen) == 3
    status = {r["stack"]: r["status"] for r in rows}
    assert status == {"stack_0": "ok", "stack_1": "error", "stack_2": "ok"}
    written = hdrgpu.read_image(str(tmp_path / "out" / "stack_0.pfm"))
    want = hdrgpu.merge_debevec(images, times, hdrgpu.calibrate_debevec(images, times, device="cpu"), device="cpu")
    # The engine decodes RGB, the arrays here are BGR: a channel sum's order may move the last bit.
    assert np.max(np.abs(written - want) / np.maximum(want, 1e-30)) <= 1e-6
    with pytest.raises(ValueError, match="unknown option"):
        hdrgpu.batch(str(tmp_path / "in"), str(tmp_path / "out2"), frobnicate=True)


@pytest.mark.parametrize("device", devices())
def test_process_batch_in_order_with_bad_stacks_isolated(synthetic, device):
    images, times = synthetic
    tol = 0 if device == "cpu" else 2e-5  # the GPU calibrates in a batched solve
    want = hdrgpu.merge_debevec(images, times, hdrgpu.calibrate_debevec(images, times, device="cpu"), device="cpu")
    darker = [(i // 2).astype(np.uint8) for i in images]
    want_dark = hdrgpu.merge_debevec(darker, times, hdrgpu.calibrate_debevec(darker, times, device="cpu"), device="cpu")
    wide = [i.astype(np.uint16) * 257 for i in images]
    stacks = [(images, times), ([images[0], images[1][:50]], times[:2]), (darker, times), (images, [1.0] * 4),
              (wide, times), (images, times)]
    out = list(hdrgpu.process_batch(iter(stacks), device=device, chunk=2))
    assert len(out) == 6
    assert isinstance(out[1], ValueError) and isinstance(out[3], ValueError)
    for k, w in ((0, want), (2, want_dark), (5, want)):
        assert isinstance(out[k], np.ndarray) and out[k].shape == w.shape
        assert float(np.max(np.abs(out[k] - w) / np.maximum(w, 1e-30))) <= tol
    assert isinstance(out[4], ValueError)  # 16-bit: calibrations need 8-bit, as OpenCV's
    fused = list(hdrgpu.process_batch([(images, None)], method="mertens", device=device))
    assert float(np.max(np.abs(fused[0] - hdrgpu.merge_mertens(images, device="cpu")))) <= 1e-5


def test_batch_stops_cleanly_on_ctrl_c(cv2, tmp_path):
    """Ctrl-C (SIGINT) during hdrgpu.batch stops it as it stops `hdrgpu batch`: the stacks in flight finish,
    the report gets its closing line, no temporaries stay, and KeyboardInterrupt reaches the caller."""
    import json
    import signal
    import subprocess
    import time

    rng = np.random.default_rng(3)
    base = rng.integers(0, 256, size=(600, 800, 3), dtype=np.uint8)
    for k in range(12):
        d = tmp_path / "in" / ("s%02d" % k)
        d.mkdir(parents=True)
        for i, t in enumerate((0.01, 0.04, 0.16)):
            cv2.imwrite(str(d / ("e%d.png" % i)), np.clip(base.astype(np.int32) * (i + 1) // 2, 0, 255).astype(np.uint8))
        (d / "exposures.txt").write_text("e0.png 0.01\ne1.png 0.04\ne2.png 0.16\n")
    out = tmp_path / "out"
    # A shell that runs us in the background ignores SIGINT, and the child would inherit that: restore
    # Python's own handler, as in an interactive session.
    script = ("import hdrgpu, signal, sys\n"
              "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
              "try:\n"
              "    hdrgpu.batch(sys.argv[1], sys.argv[2], progress=False, device='cpu', threads=1, readers=1, format='pfm', memory=8 << 20)\n"
              "except KeyboardInterrupt:\n"
              "    sys.exit(42)\n")
    child = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "in"), str(out)])
    deadline = time.time() + 60
    while time.time() < deadline and not list(out.glob("*.pfm")):
        time.sleep(0.01)
    child.send_signal(signal.SIGINT)
    assert child.wait(60) == 42
    lines = [json.loads(l) for l in (out / "report.jsonl").read_text().splitlines()]
    assert "run" in lines[0] and "run_end" in lines[-1]
    assert lines[-1]["run_end"]["interrupted"] is True
    assert lines[-1]["run_end"]["not_started"] > 0
    assert not list(out.glob(".*.tmp-*"))
    written = len(list(out.glob("*.pfm")))
    assert written == sum(1 for l in lines if l.get("status") == "ok")


def test_ctrl_c_in_the_progress_callback_stops_the_batch(cv2, synthetic, tmp_path):
    """A Ctrl-C that surfaces in the progress callback's Python code stops the run as one in the wait does."""
    import json
    images, times = synthetic
    for k in range(6):
        d = tmp_path / "in" / ("s%d" % k)
        d.mkdir(parents=True)
        for i, img in enumerate(images):
            cv2.imwrite(str(d / ("e%d.png" % i)), img)
        (d / "exposures.txt").write_text("".join("e%d.png %r\n" % (i, float(t)) for i, t in enumerate(times)))
    out = tmp_path / "out"
    seen = []

    def callback(row):
        seen.append(row)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        hdrgpu.batch(str(tmp_path / "in"), str(out), progress=callback, device="cpu", threads=1, readers=1,
                     format="pfm", memory=1 << 20)
    assert len(seen) >= 1
    end = json.loads((out / "report.jsonl").read_text().splitlines()[-1])["run_end"]
    assert end["interrupted"] is True and end["not_started"] > 0
