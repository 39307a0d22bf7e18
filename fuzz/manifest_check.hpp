// What read_manifest promises about a manifest it accepts; shared by fuzz_manifest_{csv,jsonl}.cpp.
#pragma once

#include <cmath>
#include <set>

#include "fuzz_common.hpp"

namespace hdrgpu_fuzz {

inline void fuzz_manifest(const std::uint8_t* data, std::size_t size, const char* name) {
  const auto file = write_temp(data, size, name);
  try {
    const auto stacks = hdrgpu::io::read_manifest(file);
    check(!stacks.empty(), "manifest accepted with no stacks");
    std::set<std::string> ids;
    for (const auto& s : stacks) {
      check(!s.id.empty(), "empty stack id accepted");
      check(ids.insert(s.id).second, "duplicate stack id accepted");
      check(!s.images.empty(), "stack without images accepted");
      check(s.times.empty() || s.times.size() == s.images.size(), "stack with partly given times accepted");
      for (double t : s.times) check(std::isfinite(t) && t > 0, "exposure time not finite and > 0");
      for (const auto& p : s.images) check(!p.empty(), "empty image path accepted");
    }
  } catch (const hdrgpu::error&) {
  }
}

}  // namespace hdrgpu_fuzz
