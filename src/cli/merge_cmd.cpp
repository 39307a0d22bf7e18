// `hdrgpu merge`: one stack folder to one HDR (or tonemapped 8-bit) file.
#include <cstdio>
#include <filesystem>
#include <string>

#include <hdrgpu/convert.hpp>
#include <hdrgpu/hdrgpu.hpp>
#include <hdrgpu/io.hpp>
#include <hdrgpu/mertens.hpp>
#include <hdrgpu/tonemap.hpp>

#include "common.hpp"

namespace hdrgpu::cli {
namespace {

bool is_ldr_path(const std::filesystem::path& p) {
  const std::string e = p.extension().string();
  return e == ".png" || e == ".jpg" || e == ".jpeg" || e == ".PNG" || e == ".JPG" || e == ".JPEG";
}

/// The response for debevec/robertson: calibrated from the stack, OpenCV's linear default, or a CSV.
template <class Exec, class T>
response_curve choose_response(const Exec& exec, const exposure_stack<T>& stack, const std::string& method,
                               const std::string& mode, compat profile) {
  const int levels = pixel_traits<T>::levels;
  if (mode == "linear")
    return method == "debevec" ? response_curve::linear_debevec(stack.channels(), levels, stack.order())
                               : response_curve::linear_robertson(stack.channels(), levels, stack.order());
  if (mode == "calibrate") {
    if constexpr (std::is_same_v<T, std::uint8_t>) {
      if (method == "debevec") return calibrate_debevec(exec, stack, {.profile = profile});
      return calibrate_robertson(exec, stack, {.sums = robertson_sums_for<Exec>()});
    } else {
      throw invalid_argument(stack.label() + ": calibration needs 8-bit images; use --response linear or FILE.csv");
    }
  }
  return io::read_response_csv(mode, stack.order());
}

template <class Exec, class T>
image<float> merge_stack(const Exec& exec, const exposure_stack<T>& stack, const args& a,
                         const std::string& method, compat profile) {
  if (method == "mertens") {
    // The CLI reproduces OpenCV on the same files, whose imread data is BGR: 0.299 weighs blue.
    return merge_mertens(exec, stack, {.grey = grey_rule::opencv_bgr});
  }
  const response_curve resp = choose_response(exec, stack, method, a.get("--response", "calibrate"), profile);
  if (method == "debevec") return merge_debevec(exec, stack, resp, {.profile = profile});
  return merge_robertson(exec, stack, resp);
}

}  // namespace

int run_merge(int argc, char** argv) {
  const args a(argc, argv, 2, {"--output", "--method", "--response", "--compat", "--tonemap", "--device", "--threads", "--max-pixels", "--align",
                "--exr-compression"},
               {"--half", "--ignore-orientation", "--keep-nonfinite"});
  if (a.positional().size() != 1) throw usage_error("merge needs exactly one STACK_DIR");
  if (!a.has("--output")) throw usage_error("merge needs -o OUT");
  const std::string method = a.get("--method", "debevec");
  if (method != "debevec" && method != "robertson" && method != "mertens")
    throw usage_error("--method must be debevec, robertson or mertens");
  const std::filesystem::path out = a.get("--output", "");
  const std::optional<tonemap_spec> tonemap = parse_tonemap(a);
  const bool ldr = is_ldr_path(out);
  if (!ldr) {
    try {
      (void)io::hdr_format_from_path(out, a.has("--half"));
    } catch (const invalid_argument& e) {
      throw usage_error(e.what());
    }
  }
  io::write_options wopts;
  if (a.has("--exr-compression")) {
    try {
      wopts.compression = io::parse_exr_compression(a.get("--exr-compression", ""));
    } catch (const invalid_argument& e) {
      throw usage_error(e.what());
    }
  }
  const compat profile = parse_compat_arg(a);  // usage errors before any file is read
  const bool align = parse_align(a);
  const any_executor backend = make_executor(a);

  io::loaded_stack loaded = io::load_stack(a.positional()[0], load_options_of(a));
  if (align) {
    if (loaded.type() != pixel_type::u8) throw invalid_argument("stack '" + loaded.name + "': --align mtb needs 8-bit images");
    mtb_alignment aligned = std::visit([&](const auto& exec) { return align_mtb(exec, loaded.view<std::uint8_t>()); }, backend);
    for (std::size_t i = 0; i < aligned.images.size(); ++i) loaded.images[i] = std::move(aligned.images[i]);
    std::string shifts;
    for (const auto& s : aligned.shifts) shifts += " (" + std::to_string(s.dx) + "," + std::to_string(s.dy) + ")";
    std::fprintf(stderr, "hdrgpu merge: AlignMTB shifts (dx,dy) per image:%s\n", shifts.c_str());
  }
  // An explicit --tonemap applies to any output. Without one, an 8-bit file of a radiance map gets gamma
  // 2.2; Mertens output is already display-referred.
  std::optional<tonemap_spec> tm = tonemap;
  if (!tm && ldr && method != "mertens") tm = tonemap_spec::parse("gamma");
  image<float> result = std::visit(
      [&](const auto& exec) {
        image<float> r;
        switch (loaded.type()) {
          case pixel_type::u8: r = merge_stack(exec, loaded.view<std::uint8_t>(), a, method, profile); break;
          case pixel_type::u16: r = merge_stack(exec, loaded.view<std::uint16_t>(), a, method, profile); break;
          default: throw invalid_argument("stack '" + loaded.name + "': unsupported sample type");
        }
        if (tm) r = apply_tonemap(exec, r, *tm);
        return r;
      },
      backend);
  // As in batch: a map with NaN or infinite values is not a result (extreme times, nothing measured).
  if (const std::size_t bad = census(result.view()).nonfinite; bad > 0 && !a.has("--keep-nonfinite"))
    throw invalid_argument("stack '" + loaded.name + "': " + std::to_string(bad) +
                           " output values are NaN or infinite; not written (--keep-nonfinite writes it)");
  if (ldr) {
    io::write_ldr(out, result);
  } else {
    const cpu_executor encoder(cpu_executor::options{.threads = thread_count(a, "--threads")});
    wopts.executor = &encoder;
    const io::write_result written = io::write_radiance(out, result, io::hdr_format_from_path(out, a.has("--half")), wopts);
    if (written.clamped > 0)
      std::fprintf(stderr, "hdrgpu merge: warning: %zu samples above 65504 are stored as 65504, the largest half (without --half they are kept)\n",
                   written.clamped);
  }
  std::printf("%s: %s merge of %zu images (%dx%d) -> %s\n", loaded.name.c_str(), method.c_str(), loaded.images.size(),
              result.width(), result.height(), out.string().c_str());
  return 0;
}

}  // namespace hdrgpu::cli
