// Text from files and folder names, made safe to show: input can hold NUL and control characters (which
// would cut or garble messages and terminals) and names of thousands of bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hdrgpu::detail {

/// True when `s` holds a byte below 0x20 or DEL (NUL, newline, escape...).
bool has_control(std::string_view s) noexcept;

/// `s` cut to about `max` bytes: its start and end around "...", with the full length added
/// ("abc...xyz (5000 bytes)"). Never splits a UTF-8 sequence. Unchanged when it fits.
std::string shorten(std::string_view s, std::size_t max = 1024);

/// shorten(s, max) with control bytes written as \xNN: for error messages and logs.
std::string printable(std::string_view s, std::size_t max = 200);

}  // namespace hdrgpu::detail
