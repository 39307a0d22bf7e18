// `hdrgpu synth`: render stacks with known radiance and response (the demo's input, the tests' truth).
#include <cstdio>
#include <filesystem>
#include <string>

#include <hdrgpu/io.hpp>
#include <hdrgpu/synth.hpp>

#include "common.hpp"

namespace hdrgpu::cli {

int run_synth(int argc, char** argv) {
  const args a(argc, argv, 2, {"--stacks", "--size", "--exposures", "--seed", "--format", "--threads", "--stops",
                               "--noise"},
               {});
  if (a.positional().size() != 1) throw usage_error("synth needs exactly one OUT_DIR");
  synth::options o;
  parse_size(a.get("--size", "640x480"), o.width, o.height);
  o.exposures = a.get_int("--exposures", 5, 1);
  o.stops = a.get_double("--stops", 2.0);
  o.noise = a.get_double("--noise", 0.6);
  const std::string seed = a.get("--seed", "1");
  try {
    std::size_t used = 0;
    o.seed = std::stoull(seed, &used);
    if (used != seed.size()) throw usage_error("");
  } catch (const std::exception&) {
    throw usage_error("--seed needs a non-negative integer, got '" + seed + "'");
  }
  const std::string format = a.get("--format", "jpg");
  if (format != "jpg" && format != "png") throw usage_error("--format must be jpg or png");
  const int stacks = a.get_int("--stacks", 4, 1);
  try {
    synth::validate(o);
  } catch (const invalid_argument& e) {
    throw usage_error(e.what());
  }
  const cpu_executor exec({.threads = thread_count(a, "--threads")});

  const std::filesystem::path root = a.positional()[0];
  for (int i = 0; i < stacks; ++i) {
    const synth::stack s = synth::render(exec, o, i);
    const std::filesystem::path dir = root / s.name;
    std::filesystem::create_directories(dir);
    std::string list = "# " + s.name + ": synthetic stack (hdrgpu synth --seed " + std::to_string(o.seed) + ")\n";
    for (std::size_t k = 0; k < s.images.size(); ++k) {
      const std::string file = "exposure_" + std::to_string(k) + "." + format;
      io::write_ldr(dir / file, s.images[k]);
      char t[64];
      std::snprintf(t, sizeof t, "%.9g", double(s.times[k]));
      list += file + " " + t + "\n";
    }
    io::write_file_atomic(dir / "exposures.txt", list);
    io::write_radiance(dir / "truth.pfm", s.radiance, io::hdr_format::pfm);
    io::write_response_csv(dir / "truth_response.csv", s.response);
    std::printf("%s: %zu exposures %dx%d -> %s\n", s.name.c_str(), s.images.size(), o.width, o.height,
                dir.string().c_str());
  }
  return 0;
}

}  // namespace hdrgpu::cli
