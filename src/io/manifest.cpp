// Batch manifests: picks the reader by extension (.csv, or .jsonl/.ndjson/.json), else by the first
// character. The formats are documented in io.hpp; the readers are manifest_csv.cpp and manifest_jsonl.cpp.
#include "manifest_builder.hpp"

namespace hdrgpu::io {

std::vector<manifest_entry> read_manifest(const std::filesystem::path& manifest) {
  const std::string contents = detail::read_text(manifest, max_manifest_bytes);
  std::string_view text(contents);
  const std::string ext = detail::extension_of(manifest);
  bool json = ext == ".jsonl" || ext == ".ndjson" || ext == ".json";
  if (ext != ".csv" && !json) {
    const auto first = text.find_first_not_of(" \t\r\n");
    json = first != std::string_view::npos && text[first] == '{';
  }
  return json ? manifest_detail::read_jsonl(text, manifest) : manifest_detail::read_csv(text, manifest);
}

}  // namespace hdrgpu::io
