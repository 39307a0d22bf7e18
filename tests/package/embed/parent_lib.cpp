// The parent project's own library, built on hdrgpu::core.
#include <hdrgpu/hdrgpu.hpp>

float parent_radiance() {
  hdrgpu::image<std::uint8_t> dark(4, 4, 3), bright(4, 4, 3);
  for (std::size_t i = 0; i < dark.size(); ++i) {
    dark.data()[i] = 64;
    bright.data()[i] = 128;
  }
  hdrgpu::exposure_stack<std::uint8_t> stack("embed", {dark.view(), bright.view()}, {1.0f, 2.0f});
  return hdrgpu::merge_debevec(hdrgpu::cpu_executor({.threads = 1}), stack).at(1, 2, 0);
}
