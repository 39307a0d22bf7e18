// Loading a job's images and times through the shared loader (the same one `hdrgpu merge` uses).
#include "internal.hpp"

namespace hdrgpu::pipeline {

void load_job(item& it, const config& cfg, io::load_options opts) {
  opts.apply_orientation = cfg.apply_orientation;
  opts.max_pixels = cfg.max_pixels;
  if (!it.work.dir.empty()) {
    it.stack = io::load_stack(it.work.dir, opts);
    it.stack.name = it.work.id;
  } else {
    it.stack = io::load_stack(io::manifest_entry{it.work.id, it.work.images, it.work.times}, opts);
  }
  it.exposure_source = io::to_string(it.stack.times_from);
}

}  // namespace hdrgpu::pipeline
