// Loading a stack folder: exposures.txt plus the images it lists.
#include "io_internal.hpp"

namespace hdrgpu::io {

pixel_type loaded_stack::type() const {
  if (images.empty()) throw invalid_argument("stack '" + name + "' has no images");
  return type_of(images.front());
}

loaded_stack load_stack(const std::filesystem::path& dir) {
  loaded_stack s;
  s.dir = dir;
  // "a/b/" has an empty filename(); the folder's name is then the last non-empty element.
  s.name = (dir.has_filename() ? dir : dir.parent_path()).filename().string();
  const std::string label = "stack '" + s.name + "'";

  const auto list = dir / "exposures.txt";
  std::vector<exposure_entry> entries;
  try {
    entries = read_exposures(list);
  } catch (const io_error& e) {
    throw io_error(list, label + ": " + e.what());
  }
  if (entries.empty()) throw io_error(list, label + ": " + list.string() + " lists no images");

  for (const auto& entry : entries) {
    const auto file = dir / entry.file;
    try {
      s.images.push_back(detail::decode_image(detail::read_bytes(file), file));
    } catch (const detail::failure& e) {
      throw io_error(file, label + ": " + entry.file + ": " + e.what());
    }
    s.times.push_back(float(entry.seconds));
    s.files.push_back(entry.file);
    if (loaded_stack::type_of(s.images.back()) != loaded_stack::type_of(s.images.front()))
      throw invalid_argument(label + ": " + entry.file + " has " + to_string(loaded_stack::type_of(s.images.back())) +
                             " samples but " + s.files.front() + " has " +
                             to_string(loaded_stack::type_of(s.images.front())));
  }
  // Size, channel and time checks now rather than at the first merge, with the same messages.
  if (s.type() == pixel_type::u8)
    (void)s.view<std::uint8_t>();
  else
    (void)s.view<std::uint16_t>();
  return s;
}

}  // namespace hdrgpu::io
