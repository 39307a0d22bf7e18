"""AlignMTB and the Drago, Reinhard and Mantiuk tonemaps against live cv2 (OpenCV 4.6), through hdrgpu's
functions and the hdrgpu.cv drop-ins. Tolerances are the C++ suite's (README, OpenCV compatibility)."""
import numpy as np
import pytest

import hdrgpu
import hdrgpu.cv as hcv
from conftest import devices

TONEMAP_TOL = 2e-5  # absolute, on [0, 1] outputs (tests/tonemap_ops_test.cpp)

# Known shifts applied to Memorial exposures 1..5; the middle one is the reference. (On exposures 0..4
# OpenCV's own AlignMTB misses one of them by 4 px: its grey weighs blue by 0.299.)
KNOWN = [(7, -3), (-12, 5), (3, 2), (0, -9), (25, 14)]


@pytest.fixture(scope="module")
def radiance(cv2, memorial):
    images, times = memorial
    return cv2.createMergeDebevec().process(images, times, cv2.createCalibrateDebevec().process(images, times))


def max_abs(a, b):
    return float(np.max(np.abs(a.astype(np.float64) - b)))


@pytest.mark.parametrize("device", devices())
def test_tonemaps_match_opencv(cv2, radiance, device):
    cases = [
        (lambda: hdrgpu.tonemap_drago(radiance, 2.2, 0.8, 0.9, device=device),
         cv2.createTonemapDrago(2.2, 0.8, 0.9)),
        (lambda: hdrgpu.tonemap_drago(radiance, device=device), cv2.createTonemapDrago()),
        (lambda: hdrgpu.tonemap_reinhard(radiance, 2.2, 0.5, 0.8, 0.3, device=device),
         cv2.createTonemapReinhard(2.2, 0.5, 0.8, 0.3)),
        (lambda: hdrgpu.tonemap_reinhard(radiance, device=device), cv2.createTonemapReinhard()),
        (lambda: hdrgpu.tonemap_mantiuk(radiance, 2.2, 0.85, 1.2, device=device),
         cv2.createTonemapMantiuk(2.2, 0.85, 1.2)),
    ]
    for ours_fn, theirs in cases:
        ours = ours_fn()
        expected = theirs.process(radiance.copy())
        assert ours.shape == expected.shape and ours.dtype == np.float32
        assert max_abs(ours, expected) <= TONEMAP_TOL, type(theirs).__name__


def tonemap_script(cv, hdr):
    """A cv2-style tonemapping script, written once and run with cv2 and with hdrgpu.cv."""
    drago = cv.createTonemapDrago(gamma=2.2, saturation=0.7)
    drago.setBias(0.9)
    reinhard = cv.createTonemapReinhard(1.5)
    reinhard.setIntensity(-0.5)
    reinhard.setLightAdaptation(0.6)
    reinhard.setColorAdaptation(0.2)
    mantiuk = cv.createTonemapMantiuk(scale=0.8)
    mantiuk.setSaturation(1.1)
    mantiuk.setGamma(2.0)
    return [drago.process(hdr.copy()), reinhard.process(hdr.copy()), mantiuk.process(hdr.copy())]


def test_cv_tonemap_drop_ins_give_opencv_numbers(cv2, radiance):
    expected = tonemap_script(cv2, radiance)
    for device in devices():
        hcv.set_device(device)
        for ours, theirs in zip(tonemap_script(hcv, radiance), expected):
            assert max_abs(ours, theirs) <= TONEMAP_TOL
    hcv.set_device("auto")
    # The factories' arguments read back as cv2 reads them back (kept as f32).
    d, cd = hcv.createTonemapDrago(1.5, 0.5, 0.7), cv2.createTonemapDrago(1.5, 0.5, 0.7)
    assert (d.getGamma(), d.getSaturation(), d.getBias()) == (cd.getGamma(), cd.getSaturation(), cd.getBias())
    r, cr = hcv.createTonemapReinhard(1.0, 2.0, 0.5, 0.25), cv2.createTonemapReinhard(1.0, 2.0, 0.5, 0.25)
    assert (r.getIntensity(), r.getLightAdaptation(), r.getColorAdaptation()) == (
        cr.getIntensity(), cr.getLightAdaptation(), cr.getColorAdaptation())
    m, cm = hcv.createTonemapMantiuk(1.0, 0.9, 1.3), cv2.createTonemapMantiuk(1.0, 0.9, 1.3)
    assert (m.getScale(), m.getSaturation()) == (cm.getScale(), cm.getSaturation())


def shifted_stack(cv2, memorial):
    images = memorial[0][1:6]
    mtb = cv2.createAlignMTB()
    return [mtb.shiftMat(img, s) for img, s in zip(images, KNOWN)]


def opencv_alignment(cv2, images):
    """What cv2's AlignMTB.process computes (its Python binding cannot return the images): shifts against
    the middle image on RGB2GRAY of the BGR data (as process converts), shiftMat, then the cut."""
    mtb = cv2.createAlignMTB()
    pivot = len(images) // 2
    grey = [cv2.cvtColor(im, cv2.COLOR_RGB2GRAY) for im in images]
    shifts = [(0, 0) if i == pivot else tuple(mtb.calculateShift(grey[pivot], g)) for i, g in enumerate(grey)]
    h, w = images[0].shape[:2]
    x0, y0 = max(0, *(s[0] for s in shifts)), max(0, *(s[1] for s in shifts))
    x1, y1 = w + min(0, *(s[0] for s in shifts)), h + min(0, *(s[1] for s in shifts))
    aligned = [mtb.shiftMat(im, s)[y0:y1, x0:x1] for im, s in zip(images, shifts)]
    return aligned, shifts


@pytest.mark.parametrize("device", devices())
def test_align_mtb_matches_opencv_and_recovers_known_shifts(cv2, memorial, device):
    images = shifted_stack(cv2, memorial)
    want_images, want_shifts = opencv_alignment(cv2, images)
    aligned, shifts = hdrgpu.align_mtb(images, device=device)
    assert [tuple(s) for s in shifts] == want_shifts
    # The true answer: each image moved back onto the middle one.
    pivot = KNOWN[len(KNOWN) // 2]
    assert want_shifts == [(pivot[0] - k[0], pivot[1] - k[1]) for k in KNOWN]
    assert len(aligned) == len(want_images)
    for ours, theirs in zip(aligned, want_images):
        assert ours.dtype == np.uint8 and ours.shape == theirs.shape
        assert np.array_equal(ours, theirs)
    # Without cut: full frames.
    uncut, _ = hdrgpu.align_mtb(images, cut=False, device=device)
    assert all(u.shape == images[0].shape for u in uncut)


def test_cv_align_mtb_drop_in(cv2, memorial):
    images = shifted_stack(cv2, memorial)
    want_images, want_shifts = opencv_alignment(cv2, images)
    theirs, ours = cv2.createAlignMTB(), hcv.createAlignMTB()
    dst = []
    ours.process(images, dst)
    assert len(dst) == len(want_images) and all(np.array_equal(a, b) for a, b in zip(dst, want_images))
    g0, g1 = (cv2.cvtColor(images[i], cv2.COLOR_RGB2GRAY) for i in (2, 4))
    assert ours.calculateShift(g0, g1) == tuple(theirs.calculateShift(g0, g1)) == want_shifts[4]
    for shift in [(5, -7), (-30, 11), (0, 0)]:
        assert np.array_equal(ours.shiftMat(images[1], shift), theirs.shiftMat(images[1], shift))
        assert np.array_equal(ours.shiftMat(g0, shift), theirs.shiftMat(g0, shift))
    for img in (g0, g1, g0[:7, :9]):
        for a, b in zip(ours.computeBitmaps(img), theirs.computeBitmaps(img)):
            assert np.array_equal(a, b)
    a = hcv.createAlignMTB(5, 3, False)
    assert (a.getMaxBits(), a.getExcludeRange(), a.getCut()) == (5, 3, False)
    a.setMaxBits(6)
    a.setExcludeRange(4)
    a.setCut(True)
    assert (a.getMaxBits(), a.getExcludeRange(), a.getCut()) == (6, 4, True)


def test_bad_input_is_refused(synthetic):
    images, _ = synthetic
    with pytest.raises(ValueError, match="at least 2 images"):
        hdrgpu.align_mtb(images[:1])
    with pytest.raises(ValueError):
        hdrgpu.align_mtb([images[0], images[1][:60]])  # mismatched sizes
    with pytest.raises(ValueError, match="uint8"):
        hdrgpu.align_mtb([im.astype(np.uint16) for im in images])
    hdr = np.ones((40, 50, 3), np.float32)
    hdr[3, 4, 1] = np.nan
    for fn in (hdrgpu.tonemap_drago, hdrgpu.tonemap_reinhard, hdrgpu.tonemap_mantiuk):
        with pytest.raises(ValueError, match="must be finite"):
            fn(hdr)
        with pytest.raises(ValueError, match="3-channel"):
            fn(np.ones((40, 50), np.float32))
    with pytest.raises(ValueError, match="bias"):
        hdrgpu.tonemap_drago(np.ones((8, 8, 3), np.float32), bias=1.5)


def test_batch_aligns_and_tonemaps_previews(cv2, synthetic, tmp_path):
    images, times = synthetic
    stack = tmp_path / "in" / "s0"
    stack.mkdir(parents=True)
    with open(stack / "exposures.txt", "w") as f:
        for i, (img, t) in enumerate(zip(images, times)):
            cv2.imwrite(str(stack / ("e%d.png" % i)), img)
            f.write("e%d.png %r\n" % (i, float(t)))
    out = tmp_path / "out"
    rows = hdrgpu.batch(str(tmp_path / "in"), str(out), progress=False, device="cpu", format="pfm",
                        align="mtb", tonemap="reinhard:intensity=0.5")
    assert [r["status"] for r in rows] == ["ok"]
    assert len(rows[0]["shifts"]) == len(images)
    hdr = hdrgpu.read_image(str(out / "s0.pfm"))
    preview = cv2.imread(str(out / "s0.png"))
    expected = np.clip(np.rint(hdrgpu.tonemap_reinhard(hdr, intensity=0.5) * 255), 0, 255)
    assert preview.shape == hdr.shape
    assert float(np.max(np.abs(preview.astype(np.float64) - expected))) <= 1
    with pytest.raises(ValueError, match="tonemap"):
        hdrgpu.batch(str(tmp_path / "in"), str(tmp_path / "o2"), progress=False, tonemap="hable")
    with pytest.raises(ValueError, match="align"):
        hdrgpu.batch(str(tmp_path / "in"), str(tmp_path / "o2"), progress=False, align="sift")


# Every parameter's getter and setter, against cv2's object made with the same arguments: defaults
# first, then a changed value read back by both (cv2 keeps floats as f32, so values here are exact in f32).
ACCESSORS = [
    ("createCalibrateDebevec", (), {"Samples": 50, "Lambda": 5.0, "Random": True}),
    ("createCalibrateRobertson", (), {"MaxIter": 12, "Threshold": 0.25}),
    ("createMergeMertens", (), {"ContrastWeight": 0.5, "SaturationWeight": 2.0, "ExposureWeight": 0.25}),
    ("createTonemap", (), {"Gamma": 2.5}),
    ("createTonemapDrago", (), {"Gamma": 2.5, "Saturation": 0.5, "Bias": 0.75}),
    ("createTonemapReinhard", (), {"Gamma": 2.5, "Intensity": -1.0, "LightAdaptation": 0.5, "ColorAdaptation": 0.25}),
    ("createTonemapMantiuk", (), {"Gamma": 2.5, "Scale": 0.5, "Saturation": 1.25}),
    ("createAlignMTB", (), {"MaxBits": 4, "ExcludeRange": 7, "Cut": False}),
]


@pytest.mark.parametrize("factory,args,changes", ACCESSORS, ids=[a[0] for a in ACCESSORS])
def test_getters_and_setters_match_cv2(cv2, factory, args, changes):
    ours, theirs = getattr(hcv, factory)(*args), getattr(cv2, factory)(*args)
    for name, value in changes.items():
        assert getattr(ours, "get" + name)() == getattr(theirs, "get" + name)(), name
        getattr(ours, "set" + name)(value)
        getattr(theirs, "set" + name)(value)
        assert getattr(ours, "get" + name)() == getattr(theirs, "get" + name)() == value, name
