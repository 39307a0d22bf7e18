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


def __getattr__(name: str) -> Any:
    """Names hdrgpu.cv does not define come from cv2 (imread, imwrite, cvtColor, constants, ...)."""
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        import cv2
    except ImportError:
        raise AttributeError("hdrgpu.cv has no %r, and cv2 (which would provide it) is not installed" % name) from None
    return getattr(cv2, name)
