// hdrgpu._hdrgpu: the compiled half of the Python package (hdrgpu/__init__.py holds the documented API and
// its argument checks). Inputs are numpy arrays read in place; the GIL is released while computing.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/function.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <hdrgpu/batch.hpp>
#include <hdrgpu/convert.hpp>
#include <hdrgpu/hdrgpu.hpp>
#include <hdrgpu/io.hpp>
#include <hdrgpu/pipeline.hpp>

#include "arrays.hpp"
#include "devices.hpp"

namespace nb = nanobind;
using namespace nb::literals;
using namespace hdrgpu;
using namespace hdrgpu::python;

namespace {

/// The images as one stack of sample type T, BGR as cv2 gives them. Throws invalid_argument naming the
/// image that differs.
template <class T>
exposure_stack<T> stack_of(const std::vector<any_view>& views, const std::vector<double>& times) {
  exposure_stack<T> s("images");
  for (std::size_t i = 0; i < views.size(); ++i) {
    const auto* v = std::get_if<image_view<const T>>(&views[i]);
    if (!v) throw invalid_argument("images[" + std::to_string(i) + "]: every image must have the same dtype as images[0]");
    s.add(*v, times[i], "images[" + std::to_string(i) + "]");
  }
  return s;
}

std::vector<any_view> views_of(const std::vector<any_array>& images) {
  std::vector<any_view> v;
  for (std::size_t i = 0; i < images.size(); ++i) v.push_back(view_of(images[i], "images[" + std::to_string(i) + "]"));
  return v;
}

/// Runs f(stack) with the stack typed as images[0]'s dtype.
template <class F>
auto with_stack(const std::vector<any_view>& views, const std::vector<double>& times, F&& f) {
  if (views.empty()) throw invalid_argument("images: the list is empty");
  if (views.size() != times.size())
    throw invalid_argument("times: " + std::to_string(times.size()) + " exposure times for " + std::to_string(views.size()) +
                           " images");
  switch (views[0].index()) {
    case 0: return f(stack_of<std::uint8_t>(views, times));
    case 1: return f(stack_of<std::uint16_t>(views, times));
    default: return f(stack_of<float>(views, times));
  }
}

const exposure_stack<std::uint8_t>& eight_bit(const auto& stack, const char* who) {
  using S = std::decay_t<decltype(stack)>;
  if constexpr (std::is_same_v<S, exposure_stack<std::uint8_t>>)
    return stack;
  else
    throw invalid_argument(std::string(who) + ": the images must be 8-bit (uint8), as in OpenCV");
}

/// (levels, 1, C) float32 in BGR order, as cv2's calibrations return it; numpy owns the values.
nb::ndarray<nb::numpy, float> response_to_numpy(const response_curve& r) {
  auto* values = new std::vector<float>(r.reordered(channel_order::bgr).values());
  nb::capsule owner(values, [](void* p) noexcept { delete static_cast<std::vector<float>*>(p); });
  const std::size_t shape[3] = {std::size_t(r.levels()), 1, std::size_t(r.channels())};
  return nb::ndarray<nb::numpy, float>(values->data(), 3, shape, owner);
}

/// A response from numpy: (levels, 1, C) or (levels, C) float32, BGR like cv2's.
response_curve response_of(const nb::ndarray<nb::numpy, const float, nb::c_contig, nb::device::cpu>& a) {
  const std::size_t levels = a.shape(0);
  const std::size_t c = a.ndim() == 3 ? a.shape(2) : a.ndim() == 2 ? a.shape(1) : 1;
  if ((a.ndim() == 3 && a.shape(1) != 1) || a.ndim() > 3 || (levels != 256 && levels != 65536) || c < 1 || c > 4)
    throw invalid_argument("response: expected a (256, 1, C) float32 array as OpenCV's calibrations return");
  response_curve r(int(levels), int(c), c >= 3 ? channel_order::bgr : channel_order::rgb);
  std::copy(a.data(), a.data() + levels * c, r.values().begin());
  return r;
}

using response_arg = std::optional<nb::ndarray<nb::numpy, const float, nb::c_contig, nb::device::cpu>>;

nb::object calibrate_debevec_py(const std::vector<any_array>& images, const std::vector<double>& times, int samples,
                                float lambda, bool random, std::uint64_t seed, const std::string& device,
                                const std::string& profile) {
  const auto views = views_of(images);
  const calibrate_debevec_options o{.samples = samples, .lambda = lambda, .random = random, .seed = seed,
                                    .profile = parse_compat(profile)};
  response_curve r;
  {
    nb::gil_scoped_release unlocked;
    r = with_stack(views, times, [&](const auto& stack) {
      return run_on(device, [&](const auto& exec) { return calibrate_debevec(exec, eight_bit(stack, "calibrate_debevec"), o); });
    });
  }
  return nb::cast(response_to_numpy(r));
}

nb::object calibrate_robertson_py(const std::vector<any_array>& images, const std::vector<double>& times, int max_iter,
                                  float threshold, const std::string& device) {
  const auto views = views_of(images);
  response_curve r;
  {
    nb::gil_scoped_release unlocked;
    r = with_stack(views, times, [&](const auto& stack) {
      return run_on(device, [&]<class E>(const E& exec) {
        // The GPU sums in double (exact); OpenCV's f32 order is a CPU-only choice.
        calibrate_robertson_options o{.max_iter = max_iter, .threshold = threshold};
        if constexpr (std::is_same_v<E, cuda_executor>) o.sums = robertson_sums::exact;
        return calibrate_robertson(exec, eight_bit(stack, "calibrate_robertson"), o);
      });
    });
  }
  return nb::cast(response_to_numpy(r));
}

nb::object merge_py(const char* method, const std::vector<any_array>& images, const std::vector<double>& times,
                    const response_arg& response, const std::string& device, const std::string& profile) {
  const auto views = views_of(images);
  const std::optional<response_curve> curve = response ? std::optional(response_of(*response)) : std::nullopt;
  const bool debevec = std::string(method) == "debevec";
  const compat c = parse_compat(profile);
  image<float> out;
  {
    nb::gil_scoped_release unlocked;
    out = with_stack(views, times, [&](const auto& stack) {
      return run_on(device, [&](const auto& exec) -> image<float> {
        if (debevec)
          return curve ? merge_debevec(exec, stack, *curve, {.profile = c}) : merge_debevec(exec, stack, {.profile = c});
        return curve ? merge_robertson(exec, stack, *curve) : merge_robertson(exec, stack);
      });
    });
  }
  return nb::cast(to_numpy(std::move(out)));
}

nb::object merge_mertens_py(const std::vector<any_array>& images, float contrast, float saturation, float exposure,
                            const std::string& device) {
  const auto views = views_of(images);
  const std::vector<double> times(views.size(), 1.0);  // Mertens ignores times
  // opencv_bgr: OpenCV's grey for imread data (cv2 hands BGR arrays).
  const mertens_options o{.contrast_weight = contrast, .saturation_weight = saturation, .exposure_weight = exposure,
                          .grey = grey_rule::opencv_bgr};
  image<float> out;
  {
    nb::gil_scoped_release unlocked;
    out = with_stack(views, times, [&](const auto& stack) {
      return run_on(device, [&](const auto& exec) { return merge_mertens(exec, stack, o); });
    });
  }
  return nb::cast(to_numpy(std::move(out)));
}

nb::object tonemap_gamma_py(const any_array& hdr, float gamma, const std::string& device) {
  const any_view v = view_of(hdr, "hdr");
  const auto* f = std::get_if<image_view<const float>>(&v);
  if (!f) throw invalid_argument("hdr: expected a float32 radiance map");
  image<float> out;
  {
    nb::gil_scoped_release unlocked;
    out = run_on(device, [&](const auto& exec) { return tonemap_gamma(exec, *f, {.gamma = gamma}); });
  }
  return nb::cast(to_numpy(std::move(out), hdr.ndim() == 2));
}

/// The float32 3-channel map of a local tonemap (Drago, Reinhard, Mantiuk), or invalid_argument.
image_view<const float> radiance_of(const any_view& v) {
  const auto* f = std::get_if<image_view<const float>>(&v);
  if (!f) throw invalid_argument("hdr: expected a float32 radiance map");
  return *f;
}

template <class F>
nb::object tonemap_local_py(const any_array& hdr, const std::string& device, F&& op) {
  const image_view<const float> f = radiance_of(view_of(hdr, "hdr"));
  image<float> out;
  {
    nb::gil_scoped_release unlocked;
    out = run_on(device, [&](const auto& exec) { return op(exec, f); });
  }
  return nb::cast(to_numpy(std::move(out)));
}

/// 8-bit views of `images` (all uint8, as AlignMTB takes).
std::vector<image_view<const std::uint8_t>> u8_views(const std::vector<any_array>& images, const char* who) {
  std::vector<image_view<const std::uint8_t>> out;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const any_view v = view_of(images[i], "images[" + std::to_string(i) + "]");
    const auto* u = std::get_if<image_view<const std::uint8_t>>(&v);
    if (!u) throw invalid_argument(std::string(who) + ": images[" + std::to_string(i) + "] must be uint8, as in OpenCV");
    out.push_back(*u);
  }
  return out;
}

align_mtb_options align_options_of(int max_bits, int exclude_range, bool cut) {
  return {.max_bits = max_bits, .exclude_range = exclude_range, .cut = cut, .grey = grey_rule::opencv_bgr};
}

/// (aligned images, shifts as (dx, dy) tuples).
nb::tuple align_mtb_py(const std::vector<any_array>& images, int max_bits, int exclude_range, bool cut,
                       const std::string& device) {
  const auto views = u8_views(images, "align_mtb");
  const align_mtb_options o = align_options_of(max_bits, exclude_range, cut);
  mtb_alignment a;
  {
    nb::gil_scoped_release unlocked;
    a = run_on(device, [&](const auto& exec) { return align_mtb(exec, std::span(views), o); });
  }
  nb::list out;
  for (std::size_t i = 0; i < a.images.size(); ++i)
    out.append(nb::cast(to_numpy(std::move(a.images[i]), images[i].ndim() == 2)));
  nb::list shifts;
  for (const auto& s : a.shifts) shifts.append(nb::make_tuple(s.dx, s.dy));
  return nb::make_tuple(out, shifts);
}

nb::tuple calculate_shift_py(const any_array& img0, const any_array& img1, int max_bits, int exclude_range,
                             const std::string& device) {
  const auto views = u8_views({img0, img1}, "calculate_shift");
  const align_mtb_options o = align_options_of(max_bits, exclude_range, true);
  image_shift s;
  {
    nb::gil_scoped_release unlocked;
    s = run_on(device, [&](const auto& exec) { return calculate_shift(exec, views[0], views[1], o); });
  }
  return nb::make_tuple(s.dx, s.dy);
}

nb::object shift_image_py(const any_array& src, int dx, int dy, const std::string& device) {
  const auto views = u8_views({src}, "shift_image");
  image<std::uint8_t> out;
  {
    nb::gil_scoped_release unlocked;
    out = run_on(device, [&](const auto& exec) { return shift_image(exec, views[0], image_shift{dx, dy}); });
  }
  return nb::cast(to_numpy(std::move(out), src.ndim() == 2));
}

/// Decoded images in BGR (cv2's order), without a copy.
nb::object any_image_to_numpy(io::any_image&& img) {
  return std::visit([](auto&& im) { return nb::cast(to_numpy(std::move(im), im.channels() == 1)); }, std::move(img));
}

nb::tuple load_stack_py(const std::string& dir, bool apply_orientation) {
  io::loaded_stack s;
  {
    nb::gil_scoped_release unlocked;
    s = io::load_stack(dir, {.apply_orientation = apply_orientation});
  }
  nb::list images;
  for (auto& img : s.images) images.append(any_image_to_numpy(std::move(img)));
  nb::list times;
  for (const float t : s.times) times.append(t);
  return nb::make_tuple(images, times);
}

nb::object read_image_py(const std::string& path, bool apply_orientation) {
  const std::string ext = std::filesystem::path(path).extension().string();
  std::string lower;
  for (const char ch : ext) lower += char(std::tolower(static_cast<unsigned char>(ch)));
  if (lower == ".exr" || lower == ".hdr" || lower == ".pfm") {
    image<float> map;
    {
      nb::gil_scoped_release unlocked;
      map = io::read_radiance(path);
    }
    return nb::cast(to_numpy(std::move(map), map.channels() == 1));
  }
  io::any_image img;
  {
    nb::gil_scoped_release unlocked;
    img = io::load_image(path, {.apply_orientation = apply_orientation});
  }
  return any_image_to_numpy(std::move(img));
}

std::size_t write_radiance_py(const std::string& path, const any_array& hdr, bool half, const std::string& compression,
                              int threads) {
  const any_view v = view_of(hdr, "hdr");
  const auto* f = std::get_if<image_view<const float>>(&v);
  if (!f) throw invalid_argument("hdr: expected a float32 radiance map");
  io::write_options o;
  if (!compression.empty()) o.compression = io::parse_exr_compression(compression);
  nb::gil_scoped_release unlocked;
  const cpu_executor encoder(cpu_executor::options{.threads = unsigned(threads)});
  o.executor = &encoder;
  return io::write_radiance(path, *f, io::hdr_format_from_path(path, half), o).clamped;
}

nb::dict batch_py(const std::string& input, const std::string& out_dir, const nb::dict& options,
                  const std::optional<std::function<void(const std::string&)>>& on_stack) {
  pipeline::config cfg;
  cfg.input = input;
  cfg.output_dir = out_dir;
  for (const auto& [key, value] : options) {
    const std::string k = nb::cast<std::string>(key);
    const auto text = [&] { return nb::cast<std::string>(value); };
    if (k == "method") {
      const std::string m = text();
      if (m == "debevec") cfg.method = pipeline::merge_method::debevec;
      else if (m == "robertson") cfg.method = pipeline::merge_method::robertson;
      else if (m == "mertens") cfg.method = pipeline::merge_method::mertens;
      else throw invalid_argument("method must be debevec, robertson or mertens (got '" + m + "')");
    } else if (k == "response") {
      const std::string r = text();
      if (r == "per-stack") cfg.response = pipeline::response_mode::per_stack;
      else if (r == "calibrate-once") cfg.response = pipeline::response_mode::calibrate_once;
      else cfg.response = pipeline::response_mode::file, cfg.response_file = r;
    } else if (k == "format") {
      const std::string f = text();
      if (f == "exr") cfg.format = io::hdr_format::exr;
      else if (f == "exr-half") cfg.format = io::hdr_format::exr_half;
      else if (f == "hdr") cfg.format = io::hdr_format::hdr;
      else if (f == "pfm") cfg.format = io::hdr_format::pfm;
      else throw invalid_argument("format must be exr, exr-half, hdr or pfm (got '" + f + "')");
    } else if (k == "exr_compression") cfg.compression = io::parse_exr_compression(text());
    else if (k == "device") cfg.device = text();
    else if (k == "report") cfg.report = text();
    else if (k == "shard") cfg.part = pipeline::shard::parse(text());
    else if (k == "overwrite") cfg.overwrite = nb::cast<bool>(value);
    else if (k == "memory") cfg.memory_budget = nb::cast<std::size_t>(value);
    else if (k == "ignore_orientation") cfg.apply_orientation = !nb::cast<bool>(value);
    else if (k == "preview") cfg.preview = nb::cast<bool>(value);
    else if (k == "keep_nonfinite") cfg.keep_nonfinite = nb::cast<bool>(value);
    else if (k == "max_pixels") cfg.max_pixels = nb::cast<std::uint64_t>(value);
    else if (k == "tonemap") cfg.preview_tonemap = tonemap_spec::parse(text());  // implies preview, as in the CLI
    else if (k == "align") {
      const std::string a = value.is_none() ? "" : text();
      if (a != "mtb" && !a.empty()) throw invalid_argument("align must be 'mtb' or None (got '" + a + "')");
      cfg.align = a == "mtb";
    }
    else if (k == "progress") cfg.progress = nb::cast<bool>(value);
    else if (k == "readers") cfg.readers = nb::cast<unsigned>(value);
    else if (k == "threads") cfg.threads = nb::cast<unsigned>(value);
    else if (k == "gpu_lanes") cfg.gpu_lanes = nb::cast<unsigned>(value);
    else if (k == "compat") cfg.profile = parse_compat(text());
    else throw invalid_argument("batch: unknown option '" + k + "'");
  }
  if (cfg.preview_tonemap) cfg.preview = true;
  // The engine runs on its own thread while this one waits with the GIL released, checking for Python
  // signals: Ctrl-C then stops the run as SIGINT stops `hdrgpu batch` (no new stacks; those in flight
  // finish; the report is completed), and KeyboardInterrupt is raised afterwards. The callback runs
  // Python code, where a pending Ctrl-C surfaces too: it stops the run the same way.
  std::atomic<int> stop{0};
  cfg.stop = &stop;
  std::unique_ptr<nb::python_error> interrupted;  // only touched with the GIL held
  if (on_stack) {
    const auto callback = *on_stack;
    cfg.on_stack = [callback, &stop, &interrupted](const std::string& line) {
      nb::gil_scoped_acquire locked;
      try {
        callback(line);
      } catch (nb::python_error& e) {
        if (e.matches(PyExc_KeyboardInterrupt)) {
          if (!interrupted) interrupted = std::make_unique<nb::python_error>(std::move(e));
          stop.store(2);
        } else {
          e.discard_as_unraisable("hdrgpu.batch progress callback");
        }
      }
    };
  }
  pipeline::summary sum;
  std::vector<std::string> log;
  std::exception_ptr failure;
  std::mutex log_mutex;
  std::atomic<bool> done{false};
  std::thread engine([&] {
    try {
      sum = pipeline::run(cfg, [&](const std::string& line) {
        const std::lock_guard lock(log_mutex);
        log.push_back(line);
      });
    } catch (...) {
      failure = std::current_exception();
    }
    done.store(true);
  });
  while (!done.load()) {
    {
      nb::gil_scoped_release unlocked;
      for (int i = 0; i < 10 && !done.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!interrupted && PyErr_CheckSignals() != 0) {
      interrupted = std::make_unique<nb::python_error>();
      stop.store(2);
    }
  }
  {
    nb::gil_scoped_release unlocked;
    engine.join();
  }
  if (interrupted) throw std::move(*interrupted);
  if (failure) std::rethrow_exception(failure);
  nb::dict d;
  d["total"] = sum.total;
  d["ok"] = sum.ok;
  d["skipped"] = sum.skipped;
  d["failed"] = sum.failed;
  d["seconds"] = sum.seconds;
  d["report"] = sum.report.string();
  d["device"] = sum.device;
  d["not_started"] = sum.not_started;
  d["log"] = log;
  return d;
}

/// process_batch over 8-bit stacks (each a list of images and its times): the library's batched path (on a
/// GPU, all Debevec calibrations in one solve and the merges spread over streams). Returns, per stack, its
/// map or the error text naming it.
nb::list process_batch_py(const std::vector<std::vector<any_array>>& images, const std::vector<std::vector<double>>& times,
                          const std::string& method, const response_arg& response, const std::string& device,
                          const std::string& profile) {
  batch_options o;
  o.method = method == "robertson" ? merge_method::robertson : method == "mertens" ? merge_method::mertens : merge_method::debevec;
  if (response) o.response = response_of(*response);
  o.profile = parse_compat(profile);
  o.calibration.profile = o.profile;
  o.mertens.grey = grey_rule::opencv_bgr;
  std::vector<exposure_stack<std::uint8_t>> stacks;
  for (std::size_t k = 0; k < images.size(); ++k) {
    exposure_stack<std::uint8_t> s("stack " + std::to_string(k));
    for (std::size_t i = 0; i < images[k].size(); ++i) {
      const any_view v = view_of(images[k][i], "stack " + std::to_string(k) + ": images[" + std::to_string(i) + "]");
      const auto* u8 = std::get_if<image_view<const std::uint8_t>>(&v);
      if (!u8) throw invalid_argument("process_batch: the batched path takes uint8 images");
      s.add(*u8, times[k][i], "images[" + std::to_string(i) + "]");
    }
    stacks.push_back(std::move(s));
  }
  std::vector<batch_result> results;
  {
    nb::gil_scoped_release unlocked;
    results = run_on(device, [&](const auto& exec) { return process_batch(exec, std::span(stacks), o); });
  }
  nb::list out;
  for (auto& r : results) {
    if (r.ok())
      out.append(nb::cast(to_numpy(std::move(r.output))));
    else
      out.append(nb::str(r.error.c_str()));
  }
  return out;
}

}  // namespace

NB_MODULE(_hdrgpu, m) {
  m.doc() = "Compiled core of hdrgpu (use the hdrgpu package, not this module).";
  static nb::exception<hdrgpu::error> error_type(m, "Error", PyExc_RuntimeError);
  // invalid_argument is an hdrgpu::error too, but Python callers expect ValueError for bad input.
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const hdrgpu::invalid_argument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });

  m.def("calibrate_debevec", &calibrate_debevec_py, "images"_a, "times"_a, "samples"_a, "lambda_"_a, "random"_a,
        "seed"_a, "device"_a, "compat"_a);
  m.def("calibrate_robertson", &calibrate_robertson_py, "images"_a, "times"_a, "max_iter"_a, "threshold"_a, "device"_a);
  m.def("merge_debevec", [](const std::vector<any_array>& i, const std::vector<double>& t, const response_arg& r,
                            const std::string& d, const std::string& c) { return merge_py("debevec", i, t, r, d, c); },
        "images"_a, "times"_a, "response"_a.none(), "device"_a, "compat"_a);
  m.def("merge_robertson", [](const std::vector<any_array>& i, const std::vector<double>& t, const response_arg& r,
                              const std::string& d) { return merge_py("robertson", i, t, r, d, "opencv-latest"); },
        "images"_a, "times"_a, "response"_a.none(), "device"_a);
  m.def("merge_mertens", &merge_mertens_py, "images"_a, "contrast_weight"_a, "saturation_weight"_a, "exposure_weight"_a,
        "device"_a);
  m.def("tonemap_gamma", &tonemap_gamma_py, "hdr"_a, "gamma"_a, "device"_a);
  m.def("tonemap_drago", [](const any_array& hdr, float gamma, float saturation, float bias, const std::string& d) {
          return tonemap_local_py(hdr, d, [&](const auto& exec, image_view<const float> f) {
            return tonemap_drago(exec, f, {.gamma = gamma, .saturation = saturation, .bias = bias});
          });
        }, "hdr"_a, "gamma"_a, "saturation"_a, "bias"_a, "device"_a);
  m.def("tonemap_reinhard", [](const any_array& hdr, float gamma, float intensity, float light_adapt, float color_adapt,
                               const std::string& d) {
          return tonemap_local_py(hdr, d, [&](const auto& exec, image_view<const float> f) {
            return tonemap_reinhard(exec, f, {.gamma = gamma, .intensity = intensity, .light_adapt = light_adapt,
                                              .color_adapt = color_adapt});
          });
        }, "hdr"_a, "gamma"_a, "intensity"_a, "light_adapt"_a, "color_adapt"_a, "device"_a);
  m.def("tonemap_mantiuk", [](const any_array& hdr, float gamma, float scale, float saturation, const std::string& d) {
          return tonemap_local_py(hdr, d, [&](const auto& exec, image_view<const float> f) {
            return tonemap_mantiuk(exec, f, {.gamma = gamma, .scale = scale, .saturation = saturation});
          });
        }, "hdr"_a, "gamma"_a, "scale"_a, "saturation"_a, "device"_a);
  m.def("align_mtb", &align_mtb_py, "images"_a, "max_bits"_a, "exclude_range"_a, "cut"_a, "device"_a);
  m.def("calculate_shift", &calculate_shift_py, "img0"_a, "img1"_a, "max_bits"_a, "exclude_range"_a, "device"_a);
  m.def("shift_image", &shift_image_py, "src"_a, "dx"_a, "dy"_a, "device"_a);
  m.def("load_stack", &load_stack_py, "dir"_a, "apply_orientation"_a);
  m.def("read_image", &read_image_py, "path"_a, "apply_orientation"_a);
  m.def("write_radiance", &write_radiance_py, "path"_a, "hdr"_a, "half"_a, "compression"_a, "threads"_a);
  m.def("process_batch", &process_batch_py, "images"_a, "times"_a, "method"_a, "response"_a.none(), "device"_a,
        "compat"_a);
  m.def("batch", &batch_py, "input"_a, "out_dir"_a, "options"_a, "on_stack"_a.none());
  m.def("resolve_device", [](const std::string& d) { return describe_device(d); }, "device"_a);
  m.def("version", [] { return std::string(HDRGPU_VERSION_STRING); });
}
