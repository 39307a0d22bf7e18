// `hdrgpu calibrate`: estimate a stack's camera response and write it as CSV (OpenCV's layout).
#include <cstdio>
#include <filesystem>

#include <hdrgpu/hdrgpu.hpp>
#include <hdrgpu/io.hpp>

#include "common.hpp"

namespace hdrgpu::cli {

int run_calibrate(int argc, char** argv) {
  const args a(argc, argv, 2, {"--output", "--method", "--samples", "--lambda", "--compat", "--threads", "--device",
                                "--max-pixels"},
               {"--ignore-orientation"});
  if (a.positional().size() != 1) throw usage_error("calibrate needs exactly one STACK_DIR");
  if (!a.has("--output")) throw usage_error("calibrate needs -o response.csv");
  const std::string method = a.get("--method", "debevec");
  if (method != "debevec" && method != "robertson") throw usage_error("--method must be debevec or robertson");
  const int samples = a.get_int("--samples", 70, 1);
  const double lambda = a.get_double("--lambda", 10.0);
  if (lambda < 0) throw usage_error("--lambda must be >= 0");
  const compat profile = parse_compat_arg(a);
  const any_executor backend = make_executor(a);

  const io::loaded_stack loaded =
      io::load_stack(a.positional()[0], load_options_of(a));
  if (loaded.type() != pixel_type::u8)
    throw invalid_argument("stack '" + loaded.name + "': calibration needs 8-bit images");
  const auto stack = loaded.view<std::uint8_t>();
  const response_curve r = std::visit(
      [&]<class Exec>(const Exec& exec) {
        return method == "debevec"
                   ? calibrate_debevec(exec, stack, {.samples = samples, .lambda = float(lambda), .profile = profile})
                   : calibrate_robertson(exec, stack, {.sums = robertson_sums_for<Exec>()});
      },
      backend);
  const std::filesystem::path out = a.get("--output", "");
  io::write_response_csv(out, r);
  std::printf("%s: %s response (%d levels x %d channels) -> %s\n", loaded.name.c_str(), method.c_str(), r.levels(),
              r.channels(), out.string().c_str());
  return 0;
}

}  // namespace hdrgpu::cli
