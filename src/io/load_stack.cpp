// Loading a stack: a folder (exposures.txt, or every image with EXIF times) or a manifest entry.
#include <algorithm>
#include <new>
#include <optional>

#include "io_internal.hpp"

namespace hdrgpu::io {
namespace detail {

bool is_image_file_name(const std::filesystem::path& file) {
  const std::string name = file.filename().string();
  if (name.empty() || name.front() == '.') return false;
  const std::string ext = extension_of(file);
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp" || ext == ".tga";
}

}  // namespace detail

namespace {

struct stack_item {
  std::string shown;              // how messages and loaded_stack::files name it
  std::filesystem::path path;
  std::optional<double> seconds;  // empty: from EXIF
};

std::string stack_label(const std::string& name) { return "stack '" + detail::printable(name) + "'"; }

// Regular files (or links to them) with image extensions, by name. Throws io_error for an unreadable folder.
std::vector<std::filesystem::path> images_in(const std::filesystem::path& dir, const std::string& label) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) throw io_error(dir, label + ": " + detail::printable(dir.string()) + ": cannot list the folder: " + ec.message());
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) throw io_error(dir, label + ": " + detail::printable(dir.string()) + ": cannot list the folder: " + ec.message());
    std::error_code fec;
    if (detail::is_image_file_name(it->path()) && it->is_regular_file(fec)) out.push_back(it->path());
  }
  if (ec) throw io_error(dir, label + ": " + detail::printable(dir.string()) + ": cannot list the folder: " + ec.message());
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.filename().string() < b.filename().string(); });
  return out;
}

// Reads every file and header first, then (after options.before_decode) decodes: a stack's memory is
// known, and can be reserved, before any pixel buffer exists.
loaded_stack load_items(loaded_stack s, const std::vector<stack_item>& items, const load_options& options,
                        const std::string& no_exif_hint) {
  const std::string label = stack_label(s.name);
  const decode_options decode{
      .apply_orientation = options.apply_orientation, .allocator = options.allocator, .max_pixels = options.max_pixels};
  struct pending {
    detail::bytes data;
    image_info info;
    double seconds = 0;
  };
  std::vector<pending> files(items.size());
  std::vector<image_info> headers;
  for (std::size_t k = 0; k < items.size(); ++k) {
    const stack_item& item = items[k];
    pending& f = files[k];
    const auto fail = [&](const std::string& why) -> void {
      throw io_error(item.path, label + ": " + detail::printable(item.shown) + ": " + why);
    };
    try {
      f.data = detail::read_bytes(item.path, max_image_file_bytes);
      if (item.seconds) {
        f.seconds = *item.seconds;
      } else {
        const exif_info exif = read_exif(f.data);
        if (!exif.exposure_seconds)
          fail((!exif.invalid_exposure.empty() ? "invalid EXIF ExposureTime " + exif.invalid_exposure
                : exif.present               ? std::string("EXIF has no ExposureTime")
                                             : std::string("no EXIF data, so no exposure time")) +
               no_exif_hint);
        f.seconds = *exif.exposure_seconds;
      }
      f.info = detail::probe_checked(f.data, decode, item.path);
    } catch (const detail::failure& e) {
      fail(e.what());
    } catch (const std::bad_alloc&) {
      fail("out of memory reading the file");
    }
    headers.push_back(f.info);
  }
  if (options.before_decode) options.before_decode(headers);
  for (std::size_t k = 0; k < items.size(); ++k) {
    const stack_item& item = items[k];
    const auto fail = [&](const std::string& why) -> void {
      throw io_error(item.path, label + ": " + detail::printable(item.shown) + ": " + why);
    };
    try {
      s.images.push_back(detail::decode_any(files[k].data, decode, item.path));
    } catch (const detail::failure& e) {
      fail(e.what());
    }
    files[k].data = {};  // the compressed bytes are done with
    s.times.push_back(float(files[k].seconds));
    s.files.push_back(item.shown);
    if (loaded_stack::type_of(s.images.back()) != loaded_stack::type_of(s.images.front()))
      throw invalid_argument(label + ": " + detail::printable(item.shown) + " has " +
                             to_string(loaded_stack::type_of(s.images.back())) + " samples but " +
                             detail::printable(s.files.front()) + " has " +
                             to_string(loaded_stack::type_of(s.images.front())));
  }
  // Size, channel and time checks now rather than at the first merge, with the same messages.
  if (s.type() == pixel_type::u8)
    (void)s.view<std::uint8_t>();
  else
    (void)s.view<std::uint16_t>();
  return s;
}

}  // namespace

const char* to_string(exposure_source s) noexcept { return s == exposure_source::exif ? "exif" : "file"; }

pixel_type loaded_stack::type() const {
  if (images.empty()) throw invalid_argument("stack '" + name + "' has no images");
  return type_of(images.front());
}

loaded_stack load_stack(const std::filesystem::path& dir, const load_options& options) {
  loaded_stack s;
  s.dir = dir;
  // "a/b/" has an empty filename(); the folder's name is then the last non-empty element.
  s.name = (dir.has_filename() ? dir : dir.parent_path()).filename().string();
  const std::string label = stack_label(s.name);

  std::vector<stack_item> items;
  const auto list = dir / "exposures.txt";
  std::error_code ec;
  if (std::filesystem::exists(list, ec) || !std::filesystem::is_directory(dir, ec)) {
    // A missing folder is reported through its missing exposures.txt, as before EXIF support.
    std::vector<exposure_entry> entries;
    try {
      entries = read_exposures(list);
    } catch (const io_error& e) {
      throw io_error(list, label + ": " + e.what());
    }
    if (entries.empty()) throw io_error(list, label + ": " + detail::printable(list.string()) + " lists no images");
    for (auto& e : entries) items.push_back({e.file, dir / e.file, e.seconds});
    s.times_from = exposure_source::file;
  } else {
    for (const auto& p : images_in(dir, label)) items.push_back({p.filename().string(), p, std::nullopt});
    if (items.empty())
      throw io_error(dir, label + ": " + detail::printable(dir.string()) + " has no exposures.txt and no images (.jpg, .jpeg, .png, .bmp, .tga)");
    s.times_from = exposure_source::exif;
  }
  return load_items(std::move(s), items, options, " (and the folder has no exposures.txt)");
}

loaded_stack load_stack(const manifest_entry& entry, const load_options& options) {
  loaded_stack s;
  s.name = entry.id;
  const std::string label = stack_label(s.name);
  if (entry.images.empty()) throw invalid_argument(label + " lists no images");
  if (!entry.times.empty() && entry.times.size() != entry.images.size())
    throw invalid_argument(label + ": " + std::to_string(entry.images.size()) + " images but " +
                           std::to_string(entry.times.size()) + " exposure times");
  s.dir = entry.images.front().parent_path();
  s.times_from = entry.times.empty() ? exposure_source::exif : exposure_source::file;
  std::vector<stack_item> items;
  for (std::size_t i = 0; i < entry.images.size(); ++i)
    items.push_back({entry.images[i].string(), entry.images[i],
                     entry.times.empty() ? std::nullopt : std::optional<double>(entry.times[i])});
  return load_items(std::move(s), items, options, " (give the manifest a time for each image)");
}

}  // namespace hdrgpu::io
