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
from typing import Any, Optional

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


def _list(src: Any) -> list:
    return list(src) if not isinstance(src, np.ndarray) else [src]


class CalibrateDebevec:
    """cv2.CalibrateDebevec: process(src, times) -> response (256, 1, C) float32."""

    def __init__(self, samples: int = 70, lambda_: float = 10.0, random: bool = False) -> None:
        self._samples, self._lambda, self._random = int(samples), float(lambda_), bool(random)

    def process(self, src: Any, times: Any, dst: Any = None) -> np.ndarray:
        """The response curve of the 8-bit images `src` taken with exposure `times` (seconds)."""
        return _h.calibrate_debevec(_list(src), times, samples=self._samples, lambda_=self._lambda,
                                    random=self._random, device=_device)

    def getSamples(self) -> int:
        """cv2's getSamples: the current samples."""
        return self._samples

    def setSamples(self, samples: int) -> None:
        """cv2's setSamples: change the samples."""
        self._samples = int(samples)

    def getLambda(self) -> float:
        """cv2's getLambda: the current lambda."""
        return self._lambda

    def setLambda(self, lambda_: float) -> None:
        """cv2's setLambda: change the lambda."""
        self._lambda = float(lambda_)

    def getRandom(self) -> bool:
        """cv2's getRandom: the current random."""
        return self._random

    def setRandom(self, random: bool) -> None:
        """cv2's setRandom: change the random."""
        self._random = bool(random)


class CalibrateRobertson:
    """cv2.CalibrateRobertson: process(src, times) -> response (256, 1, C) float32."""

    def __init__(self, max_iter: int = 30, threshold: float = 0.01) -> None:
        self._max_iter, self._threshold = int(max_iter), float(threshold)

    def process(self, src: Any, times: Any, dst: Any = None) -> np.ndarray:
        """The response curve of the 8-bit images `src` taken with exposure `times` (seconds)."""
        return _h.calibrate_robertson(_list(src), times, max_iter=self._max_iter, threshold=self._threshold,
                                      device=_device)

    def getMaxIter(self) -> int:
        """cv2's getMaxIter: the current max iter."""
        return self._max_iter

    def setMaxIter(self, max_iter: int) -> None:
        """cv2's setMaxIter: change the max iter."""
        self._max_iter = int(max_iter)

    def getThreshold(self) -> float:
        """cv2's getThreshold: the current threshold."""
        return self._threshold

    def setThreshold(self, threshold: float) -> None:
        """cv2's setThreshold: change the threshold."""
        self._threshold = float(threshold)

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
        self._w = [float(contrast_weight), float(saturation_weight), float(exposure_weight)]

    def process(self, src: Any, *args: Any, **kwargs: Any) -> np.ndarray:
        """Exposure fusion of `src`; like cv2, extra arguments (times, response) are accepted and ignored."""
        return _h.merge_mertens(_list(src), contrast_weight=self._w[0], saturation_weight=self._w[1],
                                exposure_weight=self._w[2], device=_device)

    def getContrastWeight(self) -> float:
        """cv2's getContrastWeight: the current contrast weight."""
        return self._w[0]

    def setContrastWeight(self, v: float) -> None:
        """cv2's setContrastWeight: change the contrast weight."""
        self._w[0] = float(v)

    def getSaturationWeight(self) -> float:
        """cv2's getSaturationWeight: the current saturation weight."""
        return self._w[1]

    def setSaturationWeight(self, v: float) -> None:
        """cv2's setSaturationWeight: change the saturation weight."""
        self._w[1] = float(v)

    def getExposureWeight(self) -> float:
        """cv2's getExposureWeight: the current exposure weight."""
        return self._w[2]

    def setExposureWeight(self, v: float) -> None:
        """cv2's setExposureWeight: change the exposure weight."""
        self._w[2] = float(v)


class Tonemap:
    """cv2.Tonemap: process(src) -> float32 image in [0, 1], gamma-corrected."""

    def __init__(self, gamma: float = 1.0) -> None:
        self._gamma = float(gamma)

    def process(self, src: np.ndarray, dst: Any = None) -> np.ndarray:
        """`src` scaled to [0, 1] by its range and raised to 1/gamma."""
        return _h.tonemap_gamma(src, self._gamma, device=_device)

    def getGamma(self) -> float:
        """cv2's getGamma: the current gamma."""
        return self._gamma

    def setGamma(self, gamma: float) -> None:
        """cv2's setGamma: change the gamma."""
        self._gamma = float(gamma)


class TonemapDrago(Tonemap):
    """cv2.TonemapDrago: process(src) -> float32 image in [0, 1] (adaptive logarithmic mapping)."""

    def __init__(self, gamma: float = 1.0, saturation: float = 1.0, bias: float = 0.85) -> None:
        super().__init__(gamma)
        self._saturation, self._bias = float(saturation), float(bias)

    def process(self, src: np.ndarray, dst: Any = None) -> np.ndarray:
        """`src` (float32, 3 channels) tonemapped as OpenCV's TonemapDrago."""
        return _h.tonemap_drago(src, self._gamma, self._saturation, self._bias, device=_device)

    def getSaturation(self) -> float:
        """cv2's getSaturation: the current saturation."""
        return self._saturation

    def setSaturation(self, saturation: float) -> None:
        """cv2's setSaturation: change the saturation."""
        self._saturation = float(saturation)

    def getBias(self) -> float:
        """cv2's getBias: the current bias."""
        return self._bias

    def setBias(self, bias: float) -> None:
        """cv2's setBias: change the bias."""
        self._bias = float(bias)


class TonemapReinhard(Tonemap):
    """cv2.TonemapReinhard: process(src) -> float32 image in [0, 1] (global photoreceptor model)."""

    def __init__(self, gamma: float = 1.0, intensity: float = 0.0, light_adapt: float = 1.0,
                 color_adapt: float = 0.0) -> None:
        super().__init__(gamma)
        self._intensity, self._light, self._color = float(intensity), float(light_adapt), float(color_adapt)

    def process(self, src: np.ndarray, dst: Any = None) -> np.ndarray:
        """`src` (float32, 3 channels) tonemapped as OpenCV's TonemapReinhard."""
        return _h.tonemap_reinhard(src, self._gamma, self._intensity, self._light, self._color, device=_device)

    def getIntensity(self) -> float:
        """cv2's getIntensity: the current intensity."""
        return self._intensity

    def setIntensity(self, intensity: float) -> None:
        """cv2's setIntensity: change the intensity."""
        self._intensity = float(intensity)

    def getLightAdaptation(self) -> float:
        """cv2's getLightAdaptation: the current light adaptation."""
        return self._light

    def setLightAdaptation(self, light_adapt: float) -> None:
        """cv2's setLightAdaptation: change the light adaptation."""
        self._light = float(light_adapt)

    def getColorAdaptation(self) -> float:
        """cv2's getColorAdaptation: the current colour adaptation."""
        return self._color

    def setColorAdaptation(self, color_adapt: float) -> None:
        """cv2's setColorAdaptation: change the colour adaptation."""
        self._color = float(color_adapt)


class TonemapMantiuk(Tonemap):
    """cv2.TonemapMantiuk: process(src) -> float32 image in [0, 1] (contrast mapping, gradient domain)."""

    def __init__(self, gamma: float = 1.0, scale: float = 0.7, saturation: float = 1.0) -> None:
        super().__init__(gamma)
        self._scale, self._saturation = float(scale), float(saturation)

    def process(self, src: np.ndarray, dst: Any = None) -> np.ndarray:
        """`src` (float32, 3 channels) tonemapped as OpenCV's TonemapMantiuk."""
        return _h.tonemap_mantiuk(src, self._gamma, self._scale, self._saturation, device=_device)

    def getScale(self) -> float:
        """cv2's getScale: the current scale."""
        return self._scale

    def setScale(self, scale: float) -> None:
        """cv2's setScale: change the scale."""
        self._scale = float(scale)

    def getSaturation(self) -> float:
        """cv2's getSaturation: the current saturation."""
        return self._saturation

    def setSaturation(self, saturation: float) -> None:
        """cv2's setSaturation: change the saturation."""
        self._saturation = float(saturation)


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

    def getMaxBits(self) -> int:
        """cv2's getMaxBits: the current max bits."""
        return self._max_bits

    def setMaxBits(self, max_bits: int) -> None:
        """cv2's setMaxBits: change the max bits."""
        self._max_bits = int(max_bits)

    def getExcludeRange(self) -> int:
        """cv2's getExcludeRange: the current exclude range."""
        return self._exclude

    def setExcludeRange(self, exclude_range: int) -> None:
        """cv2's setExcludeRange: change the exclude range."""
        self._exclude = int(exclude_range)

    def getCut(self) -> bool:
        """cv2's getCut: the current cut."""
        return self._cut

    def setCut(self, cut: bool) -> None:
        """cv2's setCut: change the cut."""
        self._cut = bool(cut)


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
