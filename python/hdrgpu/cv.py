"""Drop-in for cv2's HDR classes: ``import hdrgpu.cv as cv``.

``cv.createCalibrateDebevec()``, ``cv.createMergeDebevec()`` and the other factories below return objects
whose ``process`` takes cv2's arguments (positional order and keywords) and returns cv2's shapes and dtypes,
computed by hdrgpu. Getters and setters are cv2's. Every other name (``cv.imread``, ``cv.cvtColor``, ...) is
taken from cv2 when it is installed, so a script that also uses them runs unchanged.

``cv.set_device("cuda" | "cpu" | "auto")`` chooses where they run (default "auto"). The OpenCV profile is the
module-wide ``hdrgpu.set_compat`` one.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Optional

import numpy as np

import hdrgpu as _h

_device = "auto"
_device_lock = threading.Lock()


def set_device(device: str) -> None:
    """Where the HDR classes run: "auto" (a GPU when usable), "cpu", "cuda" or "cuda:N"."""
    global _device
    _h.device_info(device)  # validates the name (and that a requested GPU exists)
    with _device_lock:
        _device = device


def get_device() -> str:
    """The device set by set_device."""
    return _device


def _f32(value: Any) -> float:
    """A float parameter as cv2 keeps it: rounded to f32 (cv2's getters return those values)."""
    return float(np.float32(value))


def _param(name: str, attr: str, convert: Callable[[Any], Any]) -> tuple[Callable, Callable]:
    """cv2's getNAME/setNAME pair for the parameter kept in `attr` (set converts the value with `convert`)."""

    def get(self: Any) -> Any:
        return getattr(self, attr)

    def set_(self: Any, value: Any) -> None:
        setattr(self, attr, convert(value))

    get.__name__, set_.__name__ = f"get{name}", f"set{name}"
    get.__doc__, set_.__doc__ = f"cv2's get{name}.", f"cv2's set{name}."
    return get, set_


def _list(src: Any) -> list:
    return list(src) if not isinstance(src, np.ndarray) else [src]


class CalibrateDebevec:
    """cv2.CalibrateDebevec: process(src, times) -> response (256, 1, C) float32."""

    def __init__(self, samples: int = 70, lambda_: float = 10.0, random: bool = False) -> None:
        self._samples, self._lambda, self._random = int(samples), _f32(lambda_), bool(random)

    def process(self, src: Any, times: Any, dst: Any = None) -> np.ndarray:
        """The response curve of the 8-bit images `src` taken with exposure `times` (seconds)."""
        return _h.calibrate_debevec(_list(src), times, samples=self._samples, lambda_=self._lambda,
                                    random=self._random, device=_device)

    getSamples, setSamples = _param("Samples", "_samples", int)

    getLambda, setLambda = _param("Lambda", "_lambda", _f32)

    getRandom, setRandom = _param("Random", "_random", bool)


class CalibrateRobertson:
    """cv2.CalibrateRobertson: process(src, times) -> response (256, 1, C) float32."""

    def __init__(self, max_iter: int = 30, threshold: float = 0.01) -> None:
        self._max_iter, self._threshold = int(max_iter), _f32(threshold)

    def process(self, src: Any, times: Any, dst: Any = None) -> np.ndarray:
        """The response curve of the 8-bit images `src` taken with exposure `times` (seconds)."""
        return _h.calibrate_robertson(_list(src), times, max_iter=self._max_iter, threshold=self._threshold,
                                      device=_device)

    getMaxIter, setMaxIter = _param("MaxIter", "_max_iter", int)

    getThreshold, setThreshold = _param("Threshold", "_threshold", _f32)

    def getRadiance(self) -> np.ndarray:
        """cv2's getRadiance: the current radiance."""
        raise NotImplementedError("hdrgpu.cv.CalibrateRobertson does not keep the last radiance map")


class MergeDebevec:
    """cv2.MergeDebevec: process(src, times[, response]) -> radiance (H, W, C) float32."""

    def process(self, src: Any, times: Any, response: Optional[np.ndarray] = None, dst: Any = None) -> np.ndarray:
        """The radiance map of `src` (OpenCV's linear response when `response` is omitted)."""
        return _h.merge_debevec(_list(src), times, response, device=_device)


class MergeRobertson:
    """cv2.MergeRobertson: process(src, times[, response]) -> radiance (H, W, C) float32."""

    def process(self, src: Any, times: Any, response: Optional[np.ndarray] = None, dst: Any = None) -> np.ndarray:
        """The radiance map of `src` (OpenCV's linear response when `response` is omitted)."""
        return _h.merge_robertson(_list(src), times, response, device=_device)


class MergeMertens:
    """cv2.MergeMertens: process(src) -> fused image (H, W, C) float32."""

    def __init__(self, contrast_weight: float = 1.0, saturation_weight: float = 1.0,
                 exposure_weight: float = 0.0) -> None:
        self._contrast, self._saturation = _f32(contrast_weight), _f32(saturation_weight)
        self._exposure = _f32(exposure_weight)

    def process(self, src: Any, *args: Any, **kwargs: Any) -> np.ndarray:
        """Exposure fusion of `src`; like cv2, extra arguments (times, response) are accepted and ignored."""
        return _h.merge_mertens(_list(src), contrast_weight=self._contrast,
                                saturation_weight=self._saturation, exposure_weight=self._exposure, device=_device)

    getContrastWeight, setContrastWeight = _param("ContrastWeight", "_contrast", _f32)

    getSaturationWeight, setSaturationWeight = _param("SaturationWeight", "_saturation", _f32)

    getExposureWeight, setExposureWeight = _param("ExposureWeight", "_exposure", _f32)


class Tonemap:
    """cv2.Tonemap: process(src) -> float32 image in [0, 1], gamma-corrected."""

    def __init__(self, gamma: float = 1.0) -> None:
        self._gamma = _f32(gamma)

    def process(self, src: np.ndarray, dst: Any = None) -> np.ndarray:
        """`src` scaled to [0, 1] by its range and raised to 1/gamma."""
        return _h.tonemap_gamma(src, self._gamma, device=_device)

    getGamma, setGamma = _param("Gamma", "_gamma", _f32)


class TonemapDrago(Tonemap):
    """cv2.TonemapDrago: process(src) -> float32 image in [0, 1] (adaptive logarithmic mapping)."""

    def __init__(self, gamma: float = 1.0, saturation: float = 1.0, bias: float = 0.85) -> None:
        super().__init__(gamma)
        self._saturation, self._bias = _f32(saturation), _f32(bias)

    def process(self, src: np.ndarray, dst: Any = None) -> np.ndarray:
        """`src` (float32, 3 channels) tonemapped as OpenCV's TonemapDrago."""
        return _h.tonemap_drago(src, self._gamma, self._saturation, self._bias, device=_device)

    getSaturation, setSaturation = _param("Saturation", "_saturation", _f32)

    getBias, setBias = _param("Bias", "_bias", _f32)


class TonemapReinhard(Tonemap):
    """cv2.TonemapReinhard: process(src) -> float32 image in [0, 1] (global photoreceptor model)."""

    def __init__(self, gamma: float = 1.0, intensity: float = 0.0, light_adapt: float = 1.0,
                 color_adapt: float = 0.0) -> None:
        super().__init__(gamma)
        self._intensity, self._light, self._color = _f32(intensity), _f32(light_adapt), _f32(color_adapt)

    def process(self, src: np.ndarray, dst: Any = None) -> np.ndarray:
        """`src` (float32, 3 channels) tonemapped as OpenCV's TonemapReinhard."""
        return _h.tonemap_reinhard(src, self._gamma, self._intensity, self._light, self._color, device=_device)

    getIntensity, setIntensity = _param("Intensity", "_intensity", _f32)

    getLightAdaptation, setLightAdaptation = _param("LightAdaptation", "_light", _f32)

    getColorAdaptation, setColorAdaptation = _param("ColorAdaptation", "_color", _f32)


class TonemapMantiuk(Tonemap):
    """cv2.TonemapMantiuk: process(src) -> float32 image in [0, 1] (contrast mapping, gradient domain)."""

    def __init__(self, gamma: float = 1.0, scale: float = 0.7, saturation: float = 1.0) -> None:
        super().__init__(gamma)
        self._scale, self._saturation = _f32(scale), _f32(saturation)

    def process(self, src: np.ndarray, dst: Any = None) -> np.ndarray:
        """`src` (float32, 3 channels) tonemapped as OpenCV's TonemapMantiuk."""
        return _h.tonemap_mantiuk(src, self._gamma, self._scale, self._saturation, device=_device)

    getScale, setScale = _param("Scale", "_scale", _f32)

    getSaturation, setSaturation = _param("Saturation", "_saturation", _f32)


class AlignMTB:
    """cv2.AlignMTB: median threshold bitmap alignment of uint8 images.

    process(src, dst) puts the aligned images into the list `dst` (replacing its contents). cv2's Python
    binding computes them but cannot hand them back, so code written for cv2 keeps working and code that
    reads `dst` gets what the C++ API gives."""

    def __init__(self, max_bits: int = 6, exclude_range: int = 4, cut: bool = True) -> None:
        self._max_bits, self._exclude, self._cut = int(max_bits), int(exclude_range), bool(cut)

    def process(self, src: Any, dst: Any, times: Any = None, response: Any = None) -> None:
        """Align `src` to its middle image (times and response are ignored, as in OpenCV)."""
        aligned, _ = _h.align_mtb(_list(src), max_bits=self._max_bits, exclude_range=self._exclude, cut=self._cut,
                                  device=_device)
        if isinstance(dst, list):
            dst[:] = aligned

    def calculateShift(self, img0: np.ndarray, img1: np.ndarray) -> tuple:
        """cv2's calculateShift: the (x, y) shift that moves `img1` onto `img0`."""
        return tuple(_h.calculate_shift(img0, img1, max_bits=self._max_bits, exclude_range=self._exclude,
                                        device=_device))

    def shiftMat(self, src: np.ndarray, shift: Any, dst: Any = None) -> np.ndarray:
        """cv2's shiftMat: `src` moved by `shift` = (x, y), zero-filled."""
        return _h.shift_image(src, shift, device=_device)

    def computeBitmaps(self, img: np.ndarray, tb: Any = None, eb: Any = None) -> tuple:
        """cv2's computeBitmaps of a uint8 grey image: (threshold bitmap, exclusion bitmap), 0 or 255."""
        a = np.asarray(img)
        if a.dtype != np.uint8 or a.ndim != 2:
            raise ValueError("computeBitmaps: expected an H x W uint8 image, as OpenCV")
        # OpenCV's "median": one past the first level whose cumulative count reaches half the pixels.
        cum = np.cumsum(np.bincount(a.ravel(), minlength=256))
        half = a.size // 2
        median = 0 if half == 0 else int(np.searchsorted(cum, half)) + 1
        tb_out = np.where(a > median, 255, 0).astype(np.uint8)
        eb_out = np.where(np.abs(a.astype(np.int32) - median) > self._exclude, 255, 0).astype(np.uint8)
        return tb_out, eb_out

    getMaxBits, setMaxBits = _param("MaxBits", "_max_bits", int)

    getExcludeRange, setExcludeRange = _param("ExcludeRange", "_exclude", int)

    getCut, setCut = _param("Cut", "_cut", bool)


def createCalibrateDebevec(samples: int = 70, lambda_: float = 10.0, random: bool = False) -> CalibrateDebevec:
    """cv2.createCalibrateDebevec, computed by hdrgpu."""
    return CalibrateDebevec(samples, lambda_, random)


def createCalibrateRobertson(max_iter: int = 30, threshold: float = 0.01) -> CalibrateRobertson:
    """cv2.createCalibrateRobertson, computed by hdrgpu."""
    return CalibrateRobertson(max_iter, threshold)


def createMergeDebevec() -> MergeDebevec:
    """cv2.createMergeDebevec, computed by hdrgpu."""
    return MergeDebevec()


def createMergeRobertson() -> MergeRobertson:
    """cv2.createMergeRobertson, computed by hdrgpu."""
    return MergeRobertson()


def createMergeMertens(contrast_weight: float = 1.0, saturation_weight: float = 1.0,
                       exposure_weight: float = 0.0) -> MergeMertens:
    """cv2.createMergeMertens, computed by hdrgpu."""
    return MergeMertens(contrast_weight, saturation_weight, exposure_weight)


def createTonemap(gamma: float = 1.0) -> Tonemap:
    """cv2.createTonemap, computed by hdrgpu."""
    return Tonemap(gamma)


def createTonemapDrago(gamma: float = 1.0, saturation: float = 1.0, bias: float = 0.85) -> TonemapDrago:
    """cv2.createTonemapDrago, computed by hdrgpu."""
    return TonemapDrago(gamma, saturation, bias)


def createTonemapReinhard(gamma: float = 1.0, intensity: float = 0.0, light_adapt: float = 1.0,
                          color_adapt: float = 0.0) -> TonemapReinhard:
    """cv2.createTonemapReinhard, computed by hdrgpu."""
    return TonemapReinhard(gamma, intensity, light_adapt, color_adapt)


def createTonemapMantiuk(gamma: float = 1.0, scale: float = 0.7, saturation: float = 1.0) -> TonemapMantiuk:
    """cv2.createTonemapMantiuk, computed by hdrgpu."""
    return TonemapMantiuk(gamma, scale, saturation)


def createAlignMTB(max_bits: int = 6, exclude_range: int = 4, cut: bool = True) -> AlignMTB:
    """cv2.createAlignMTB, computed by hdrgpu."""
    return AlignMTB(max_bits, exclude_range, cut)


def __getattr__(name: str) -> Any:
    """Names hdrgpu.cv does not define come from cv2 (imread, imwrite, cvtColor, constants, ...)."""
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        import cv2
    except ImportError:
        raise AttributeError("hdrgpu.cv has no %r, and cv2 (which would provide it) is not installed" % name) from None
    return getattr(cv2, name)
