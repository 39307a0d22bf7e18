"""hdrgpu: HDR radiance maps from exposure stacks, with OpenCV's numbers, on NVIDIA GPUs and all CPU cores.

Images are numpy arrays as ``cv2.imread`` returns them: H x W x 3 (BGR) or H x W, uint8, uint16 or float32.
They are read in place (rows may be strided; other layouts are copied once). Results are float32 numpy
arrays that own their memory. The GIL is released while computing, so threads run in parallel.

Quick start::

    import hdrgpu
    images, times = hdrgpu.load_stack("stack_dir")          # or cv2.imread each file
    response = hdrgpu.calibrate_debevec(images, times)       # (256, 1, 3) float32, as OpenCV's
    hdr = hdrgpu.merge_debevec(images, times, response)      # (H, W, 3) float32, BGR
    hdrgpu.write_radiance("out.exr", hdr)

Drop-in for cv2's HDR classes: ``import hdrgpu.cv as cv``.
"""
from __future__ import annotations

import json
import math
import sys
import threading
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, Tuple, Union

import numpy as np

from . import _hdrgpu
from ._hdrgpu import Error

__version__ = _hdrgpu.version()

__all__ = [
    "Error", "__version__", "set_compat", "get_compat", "device_info",
    "calibrate_debevec", "calibrate_robertson", "merge_debevec", "merge_robertson", "merge_mertens",
    "tonemap_gamma", "tonemap_drago", "tonemap_reinhard", "tonemap_mantiuk",
    "align_mtb", "calculate_shift", "shift_image", "load_stack", "read_image", "write_radiance", "batch", "process_batch",
]

_PROFILES = ("opencv-4.6", "opencv-latest")
_compat = "opencv-latest"
_compat_lock = threading.Lock()


def set_compat(profile: str) -> None:
    """Set the default OpenCV profile for the whole module (hdrgpu.cv included): "opencv-4.6" or "opencv-latest".

    The profiles differ in the hat weights of CalibrateDebevec and MergeDebevec (OpenCV changed them in 4.7).
    """
    global _compat
    if profile not in _PROFILES:
        raise ValueError("compat profile must be 'opencv-4.6' or 'opencv-latest' (got %r)" % (profile,))
    with _compat_lock:
        _compat = profile


def get_compat() -> str:
    """The module's default OpenCV profile (set_compat)."""
    return _compat


def device_info(device: str = "auto") -> str:
    """What `device` runs on: "cpu", "cuda:N", or "cpu (why no GPU)" for "auto" on a machine without one."""
    return _hdrgpu.resolve_device(device)


# ---- argument checks -------------------------------------------------------------------------------------

def _image(a: Any, i: int) -> np.ndarray:
    if not isinstance(a, np.ndarray):
        raise ValueError("images[%d]: expected a numpy array, got %s" % (i, type(a).__name__))
    if a.dtype not in (np.uint8, np.uint16, np.float32):
        raise ValueError("images[%d]: unsupported dtype %s (expected uint8, uint16 or float32)" % (i, a.dtype))
    if a.ndim not in (2, 3):
        raise ValueError("images[%d]: expected H x W or H x W x C, got shape %s" % (i, a.shape))
    # Rows may be strided; pixels and channels must be packed, else one contiguous copy.
    item = a.itemsize
    c = a.shape[2] if a.ndim == 3 else 1
    packed = (a.ndim == 2 and a.strides[1] == item) or (a.ndim == 3 and a.strides[2] == item and a.strides[1] == c * item)
    if not packed or a.strides[0] < a.shape[1] * c * item:
        a = np.ascontiguousarray(a)
    return a


def _images(images: Any) -> list:
    if isinstance(images, np.ndarray) or not isinstance(images, Sequence) and not isinstance(images, Iterable):
        raise ValueError("images: expected a sequence of numpy arrays")
    out = [_image(a, i) for i, a in enumerate(images)]
    if not out:
        raise ValueError("images: the list is empty")
    return out


def _times(times: Any, n: int) -> list:
    try:
        t = np.asarray(times, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise ValueError("times: expected a sequence of numbers") from None
    if t.size != n:
        raise ValueError("times: %d exposure times for %d images" % (t.size, n))
    for i, v in enumerate(t):
        if not math.isfinite(v) or v <= 0:
            raise ValueError("times[%d]: exposure time must be a finite positive number of seconds (got %r)" % (i, float(v)))
    return t.tolist()


def _response(response: Any) -> Optional[np.ndarray]:
    if response is None:
        return None
    r = np.ascontiguousarray(response, dtype=np.float32)
    return r


def _profile(compat: Optional[str]) -> str:
    if compat is None:
        return _compat
    if compat not in _PROFILES:
        raise ValueError("compat profile must be 'opencv-4.6' or 'opencv-latest' (got %r)" % (compat,))
    return compat


# ---- algorithms ------------------------------------------------------------------------------------------

def calibrate_debevec(images: Sequence[np.ndarray], times: Any, *, samples: int = 70, lambda_: float = 10.0,
                      random: bool = False, seed: int = 0, device: str = "auto",
                      compat: Optional[str] = None) -> np.ndarray:
    """OpenCV's CalibrateDebevec: the camera response of 8-bit images, shaped (256, 1, C) float32 (BGR).

    `samples` sample points on OpenCV's grid (or random ones from `seed`), smoothness `lambda_`.
    """
    imgs = _images(images)
    return _hdrgpu.calibrate_debevec(imgs, _times(times, len(imgs)), int(samples), float(lambda_), bool(random),
                                     int(seed), device, _profile(compat))


def calibrate_robertson(images: Sequence[np.ndarray], times: Any, *, max_iter: int = 30, threshold: float = 0.01,
                        device: str = "auto") -> np.ndarray:
    """OpenCV's CalibrateRobertson: the camera response of 8-bit images, shaped (256, 1, C) float32 (BGR)."""
    imgs = _images(images)
    return _hdrgpu.calibrate_robertson(imgs, _times(times, len(imgs)), int(max_iter), float(threshold), device)


def merge_debevec(images: Sequence[np.ndarray], times: Any, response: Optional[np.ndarray] = None, *,
                  device: str = "auto", compat: Optional[str] = None) -> np.ndarray:
    """OpenCV's MergeDebevec: the radiance map (H, W, C) float32 in the images' channel order.

    Without `response`, OpenCV's default (linear) response is used, as cv2 does.
    """
    imgs = _images(images)
    return _hdrgpu.merge_debevec(imgs, _times(times, len(imgs)), _response(response), device, _profile(compat))


def merge_robertson(images: Sequence[np.ndarray], times: Any, response: Optional[np.ndarray] = None, *,
                    device: str = "auto") -> np.ndarray:
    """OpenCV's MergeRobertson: the radiance map (H, W, C) float32 (default: OpenCV's linear response)."""
    imgs = _images(images)
    return _hdrgpu.merge_robertson(imgs, _times(times, len(imgs)), _response(response), device)


def merge_mertens(images: Sequence[np.ndarray], *, contrast_weight: float = 1.0, saturation_weight: float = 1.0,
                  exposure_weight: float = 0.0, device: str = "auto") -> np.ndarray:
    """OpenCV's MergeMertens (exposure fusion): a display-referred image (H, W, C) float32, about [0, 1]."""
    imgs = _images(images)
    return _hdrgpu.merge_mertens(imgs, float(contrast_weight), float(saturation_weight), float(exposure_weight), device)


def tonemap_gamma(hdr: np.ndarray, gamma: float = 1.0, *, device: str = "auto") -> np.ndarray:
    """OpenCV's Tonemap: the map scaled to [0, 1] by its range, then raised to 1/gamma; float32."""
    return _hdrgpu.tonemap_gamma(_image(hdr, 0), float(gamma), device)


def tonemap_drago(hdr: np.ndarray, gamma: float = 1.0, saturation: float = 1.0, bias: float = 0.85, *,
                  device: str = "auto") -> np.ndarray:
    """OpenCV's TonemapDrago (adaptive logarithmic mapping) of a float32 H x W x 3 BGR map; float32 in [0, 1]."""
    return _hdrgpu.tonemap_drago(_image(hdr, 0), float(gamma), float(saturation), float(bias), device)


def tonemap_reinhard(hdr: np.ndarray, gamma: float = 1.0, intensity: float = 0.0, light_adapt: float = 1.0,
                     color_adapt: float = 0.0, *, device: str = "auto") -> np.ndarray:
    """OpenCV's TonemapReinhard (global photoreceptor model) of a float32 H x W x 3 BGR map; float32 in [0, 1]."""
    return _hdrgpu.tonemap_reinhard(_image(hdr, 0), float(gamma), float(intensity), float(light_adapt),
                                    float(color_adapt), device)


def tonemap_mantiuk(hdr: np.ndarray, gamma: float = 1.0, scale: float = 0.7, saturation: float = 1.0, *,
                    device: str = "auto") -> np.ndarray:
    """OpenCV's TonemapMantiuk (contrast mapping in the gradient domain) of a float32 H x W x 3 BGR map;
    float32 in [0, 1]."""
    return _hdrgpu.tonemap_mantiuk(_image(hdr, 0), float(gamma), float(scale), float(saturation), device)


def align_mtb(images: Sequence[np.ndarray], *, max_bits: int = 6, exclude_range: int = 4, cut: bool = True,
              device: str = "auto") -> Tuple[list, list]:
    """OpenCV's AlignMTB.process on uint8 images (BGR or grey): (aligned images, shifts). shifts[i] is (dx, dy),
    image i's content moved dx right and dy down onto the middle image (index len // 2, shift (0, 0)). With
    `cut` every aligned image is cropped to the area all of them cover, as OpenCV does."""
    return _hdrgpu.align_mtb(_images(images), int(max_bits), int(exclude_range), bool(cut), device)


def calculate_shift(img0: np.ndarray, img1: np.ndarray, *, max_bits: int = 6, exclude_range: int = 4,
                    device: str = "auto") -> Tuple[int, int]:
    """OpenCV's AlignMTB.calculateShift: the (dx, dy) that moves uint8 `img1` onto `img0`."""
    return _hdrgpu.calculate_shift(_image(img0, 0), _image(img1, 1), int(max_bits), int(exclude_range), device)


def shift_image(src: np.ndarray, shift: Sequence[int], *, device: str = "auto") -> np.ndarray:
    """OpenCV's AlignMTB.shiftMat: uint8 `src` moved shift[0] pixels right and shift[1] down, zeros elsewhere."""
    dx, dy = (int(v) for v in shift)
    return _hdrgpu.shift_image(_image(src, 0), dx, dy, device)


# ---- files -----------------------------------------------------------------------------------------------

def load_stack(dir: str, *, apply_orientation: bool = True) -> Tuple[list, list]:
    """A stack folder as (images, times): the images of exposures.txt (or of the folder, with EXIF times),
    decoded as cv2.imread would (BGR, upright by EXIF orientation), and their exposure times in seconds."""
    return _hdrgpu.load_stack(str(dir), bool(apply_orientation))


def read_image(path: str, *, apply_orientation: bool = True) -> np.ndarray:
    """An image file as numpy: JPEG/PNG/BMP/TGA as uint8 or uint16 (BGR), .exr/.hdr/.pfm as float32 (BGR)."""
    return _hdrgpu.read_image(str(path), bool(apply_orientation))


def write_radiance(path: str, hdr: np.ndarray, *, half: bool = False, compression: Optional[str] = None,
                   threads: int = 0) -> int:
    """Write a float32 radiance map (BGR, as merges return) to .exr, .hdr or .pfm, atomically.

    `half` writes EXR half channels (values above 65504 are stored as 65504); `compression` is one of none,
    rle, zips, zip, piz (default: none for float, piz for half). Returns how many samples were clamped."""
    a = _image(hdr, 0)
    if a.dtype != np.float32:
        raise ValueError("hdr: expected a float32 radiance map, got %s" % a.dtype)
    return _hdrgpu.write_radiance(str(path), a, bool(half), compression or "", int(threads))


# ---- many stacks -----------------------------------------------------------------------------------------

def batch(input: str, out_dir: str, *, progress: Union[bool, Callable[[dict], None]] = True, **options: Any) -> list:
    """Run the batch engine (`hdrgpu batch`) and return the report rows (dicts), one per stack.

    Options are the CLI's, with underscores: method, response, format, exr_compression, device, report,
    shard ("i/n"), overwrite, memory (bytes), ignore_orientation, preview, keep_nonfinite, max_pixels,
    readers, threads, gpu_lanes, compat, align ("mtb"), tonemap (the preview's, e.g. "drago:bias=0.9";
    implies preview). The report file is appended to (a header line per run); the
    rows returned are this run's. `progress` True shows a progress line on stderr; a callable is called with each report row
    as the stacks finish.
    """
    rows: list = []
    callback = progress if callable(progress) else None

    def on_stack(line: str) -> None:
        row = json.loads(line)
        rows.append(row)
        if callback is not None:
            callback(row)

    opts = dict(options)
    opts["progress"] = progress is True and sys.stderr.isatty()
    summary = _hdrgpu.batch(str(input), str(out_dir), opts, on_stack)
    if progress is True:
        for line in summary["log"]:
            print(line, file=sys.stderr)
    return rows


def process_batch(stacks: Iterable[Tuple[Sequence[np.ndarray], Any]], *, method: str = "debevec",
                  response: Optional[np.ndarray] = None, device: str = "auto", compat: Optional[str] = None,
                  chunk: int = 16) -> Iterator[Union[np.ndarray, Exception]]:
    """For each (images, times) in `stacks`, in order: its radiance map (Mertens: the fused image), calibrated
    per stack with the method's calibration unless `response` is given, or the exception that stack raised
    (ValueError for bad input, hdrgpu.Error otherwise). One bad stack never stops the others.

    8-bit stacks go through the library's batched path `chunk` at a time (on a GPU: the Debevec calibrations
    of a chunk in one solve, the merges spread over streams); others one by one."""
    if method not in ("debevec", "robertson", "mertens"):
        raise ValueError("method must be debevec, robertson or mertens (got %r)" % (method,))
    profile = _profile(compat)
    resp = _response(response)

    def one(images: Any, times: Any) -> np.ndarray:
        if method == "mertens":
            return merge_mertens(images, device=device)
        if method == "debevec":
            r = resp if resp is not None else calibrate_debevec(images, times, device=device, compat=profile)
            return merge_debevec(images, times, r, device=device, compat=profile)
        r = resp if resp is not None else calibrate_robertson(images, times, device=device)
        return merge_robertson(images, times, r, device=device)

    def flush(pending: list) -> Iterator[Union[np.ndarray, Exception]]:
        # pending: (checked images, times) or the ValueError its checks raised.
        ok = [p for p in pending if not isinstance(p, Exception)]
        done = iter(_hdrgpu.process_batch([p[0] for p in ok], [p[1] for p in ok], method, resp, device, profile)
                    if ok else [])
        for p in pending:
            if isinstance(p, Exception):
                yield p
            else:
                r = next(done)
                yield Error(r) if isinstance(r, str) else r

    pending: list = []
    for images, times in stacks:
        try:
            imgs = _images(images)
            t = [1.0] * len(imgs) if method == "mertens" else _times(times, len(imgs))
            shapes = {a.shape for a in imgs}
            if len(shapes) > 1:
                raise ValueError("images: sizes or channel counts differ: %s" % sorted(shapes))
        except ValueError as e:
            pending.append(e)
            continue
        if any(a.dtype != np.uint8 for a in imgs):
            yield from flush(pending)
            pending = []
            try:
                yield one(imgs, t)
            except Exception as e:  # noqa: BLE001 - handed to the caller, per stack
                yield e
            continue
        pending.append((imgs, t))
        if len(pending) >= max(1, int(chunk)):
            yield from flush(pending)
            pending = []
    yield from flush(pending)
