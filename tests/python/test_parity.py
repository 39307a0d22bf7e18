"""hdrgpu and hdrgpu.cv against live cv2 (Debian's OpenCV 4.6, so set_compat("opencv-4.6")), at the
C++ suite's tolerances (README, OpenCV compatibility)."""
import numpy as np
import pytest

import hdrgpu
import hdrgpu.cv as hcv
from conftest import devices, merge_tol


@pytest.fixture(autouse=True)
def opencv_46():
    hdrgpu.set_compat("opencv-4.6")
    yield
    hdrgpu.set_compat("opencv-latest")


def rel(a, b):
    return float(np.max(np.abs(a.astype(np.float64) - b) / np.maximum(np.abs(b), 1e-30)))


def shape_diff(ours, theirs, lo=15, hi=240):
    """Largest relative difference of two response curves after matching each channel's scale."""
    worst = 0.0
    for c in range(ours.shape[2]):
        a, b = ours[lo:hi + 1, 0, c].astype(np.float64), theirs[lo:hi + 1, 0, c].astype(np.float64)
        scale = np.median(b / a)
        worst = max(worst, float(np.max(np.abs(a * scale - b) / np.abs(b))))
    return worst


@pytest.mark.parametrize("device", devices())
def test_calibrate_debevec_matches_opencv_up_to_scale(cv2, memorial, device):
    images, times = memorial
    ours = hdrgpu.calibrate_debevec(images, times, device=device)
    theirs = cv2.createCalibrateDebevec().process(images, times)
    assert ours.shape == theirs.shape == (256, 1, 3) and ours.dtype == np.float32
    assert shape_diff(ours, theirs) <= 0.02
    assert np.all(ours[128, 0] == 1.0)  # g(128) = 0


@pytest.mark.parametrize("device", devices())
def test_merge_debevec_matches_opencv(cv2, memorial, device):
    images, times = memorial
    response = cv2.createCalibrateDebevec().process(images, times)
    theirs = cv2.createMergeDebevec().process(images, times, response)
    ours = hdrgpu.merge_debevec(images, times, response, device=device)
    assert ours.shape == theirs.shape and ours.dtype == np.float32
    assert rel(ours, theirs) <= merge_tol(device)
    # Without a response: OpenCV's linear default.
    assert rel(hdrgpu.merge_debevec(images, times, device=device), cv2.createMergeDebevec().process(images, times)) <= merge_tol(device)


@pytest.mark.parametrize("device", devices())
def test_robertson_matches_opencv(cv2, memorial, device):
    images, times = memorial
    theirs = cv2.createCalibrateRobertson().process(images, times)
    ours = hdrgpu.calibrate_robertson(images, times, device=device)
    finite = np.isfinite(theirs)
    # The CPU sums in f32 in OpenCV's order (1e-3, as the C++ suite); the GPU sums exactly in double,
    # and OpenCV's f32 sums drift from that by up to 0.3 % on Memorial.
    tol = 1e-3 if device == "cpu" else 1e-2
    assert rel(ours[finite], theirs[finite]) <= tol
    assert np.all(np.isfinite(ours))
    merged = hdrgpu.merge_robertson(images, times, theirs, device=device)
    assert rel(merged, cv2.createMergeRobertson().process(images, times, theirs)) <= merge_tol(device)


@pytest.mark.parametrize("device", devices())
def test_mertens_and_tonemap_match_opencv(cv2, memorial, device):
    images, times = memorial
    fused = hdrgpu.merge_mertens(images, device=device)
    assert float(np.max(np.abs(fused - cv2.createMergeMertens().process(images)))) <= 1e-4
    hdr = cv2.createMergeDebevec().process(images, times)
    for gamma in (1.0, 2.2):
        ours = hdrgpu.tonemap_gamma(hdr, gamma, device=device)
        assert float(np.max(np.abs(ours - cv2.createTonemap(gamma).process(hdr)))) <= 1e-5


@pytest.mark.parametrize("device", devices())
def test_synthetic_stack_matches_opencv(cv2, synthetic, device):
    images, times = synthetic
    response = cv2.createCalibrateDebevec().process(images, times)
    assert shape_diff(hdrgpu.calibrate_debevec(images, times, device=device), response, 30, 220) <= 0.02
    theirs = cv2.createMergeDebevec().process(images, times, response)
    assert rel(hdrgpu.merge_debevec(images, times, response, device=device), theirs) <= merge_tol(device)
    rob = cv2.createCalibrateRobertson().process(images, times)
    assert rel(hdrgpu.merge_robertson(images, times, rob, device=device),
               cv2.createMergeRobertson().process(images, times, rob)) <= merge_tol(device)
    assert float(np.max(np.abs(hdrgpu.merge_mertens(images, device=device) - cv2.createMergeMertens().process(images)))) <= 1e-4


def hdr_generator(cv, images, times):
    """A cv2-style HDR script, written once and run with cv2 and with hdrgpu.cv."""
    calibrate = cv.createCalibrateDebevec()
    calibrate.setSamples(70)
    response = calibrate.process(images, times=times)
    hdr = cv.createMergeDebevec().process(images, times=times, response=response)
    robertson = cv.createMergeRobertson().process(images, times, cv.createCalibrateRobertson().process(images, times))
    fused = cv.createMergeMertens(1.0, 1.0, 0.0).process(images)
    ldr = cv.createTonemap(gamma=2.2).process(hdr.copy())
    ldr8 = np.clip(ldr * 255, 0, 255).astype("uint8")
    grey = cv.cvtColor(ldr8, cv.COLOR_BGR2GRAY)  # a cv2 name the drop-in passes through
    return response, hdr, robertson, fused, ldr, grey


def test_cv2_style_script_gives_opencv_numbers(cv2, memorial):
    images, times = memorial
    r_cv, hdr_cv, rob_cv, fused_cv, ldr_cv, grey_cv = hdr_generator(cv2, images, times)
    for device in devices():
        hcv.set_device(device)
        r, hdr, rob, fused, ldr, grey = hdr_generator(hcv, images, times)
        assert r.shape == r_cv.shape and hdr.shape == hdr_cv.shape and hdr.dtype == hdr_cv.dtype
        assert shape_diff(r, r_cv) <= 0.02
        # Each merge from its own library's curve: equal once the curves' per-channel scale is taken out.
        ratio = np.median(hdr_cv / hdr, axis=(0, 1))
        assert rel(hdr * ratio, hdr_cv) <= 0.05
        finite = np.isfinite(rob_cv)
        assert np.all(np.isfinite(rob))
        assert float(np.max(np.abs(fused - fused_cv))) <= 1e-4
        assert ldr.shape == ldr_cv.shape and grey.shape == grey_cv.shape
    hcv.set_device("auto")


def test_getters_setters_and_passthrough(cv2):
    c = hcv.createCalibrateDebevec(samples=50, lambda_=5.0, random=True)
    assert (c.getSamples(), c.getLambda(), c.getRandom()) == (50, 5.0, True)
    c.setSamples(70)
    c.setLambda(10.0)
    assert (c.getSamples(), c.getLambda()) == (70, 10.0)
    r = hcv.createCalibrateRobertson(max_iter=10, threshold=0.5)
    assert (r.getMaxIter(), r.getThreshold()) == (10, 0.5)
    m = hcv.createMergeMertens(0.5, 0.25, 1.0)
    assert (m.getContrastWeight(), m.getSaturationWeight(), m.getExposureWeight()) == (0.5, 0.25, 1.0)
    t = hcv.createTonemap(2.2)
    t.setGamma(1.5)
    assert t.getGamma() == 1.5
    assert hcv.imread is cv2.imread and hcv.IMREAD_COLOR == cv2.IMREAD_COLOR
    with pytest.raises(ValueError):
        hcv.set_device("gpu")
