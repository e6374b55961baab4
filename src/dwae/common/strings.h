// Small string helpers shared by every parser; all take std::string_view and never allocate
// unless they return a std::string.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dwae {

std::string_view trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
std::vector<std::string_view> split(std::string_view s, char sep, bool skip_empty = true);
// Splits on runs of spaces and tabs.
std::vector<std::string_view> split_ws(std::string_view s);

// Whole-string decimal parses; surrounding whitespace allowed, anything else is a failure.
std::optional<int64_t> parse_int64(std::string_view s);
std::optional<uint64_t> parse_uint64(std::string_view s);
std::optional<double> parse_double(std::string_view s);

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
// Names read from the kernel (cgroup directories, process arguments) are bytes, not text.
bool is_utf8(std::string_view s);
// `s` with every byte outside printable ASCII written as \xNN, for messages and logs.
std::string printable(std::string_view s);
// `s` as it may go to a terminal: text in UTF-8 is kept ("café" stays readable), and control
// characters (C0, DEL, C1) and bytes that are not UTF-8 are written as \xNN, byte by byte, so
// that a name or a reason read from a file cannot move the cursor or retitle the window.
std::string terminal_safe(std::string_view s);

// Edit distance, for "did you mean" suggestions.
size_t levenshtein(std::string_view a, std::string_view b);

}  // namespace dwae
