// Backtracking glob matcher; paths and patterns are short, so clarity wins over speed tricks.
#include "dwae/common/glob.h"

#include "dwae/common/strings.h"

namespace dwae {
namespace {

std::string_view strip_slashes(std::string_view s) {
  while (!s.empty() && s.front() == '/') s.remove_prefix(1);
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return s;
}

// Matches a character class starting at p[0] == '['; advances p past ']' on return.
bool match_class(std::string_view& p, char c) {
  size_t i = 1;
  bool negate = false;
  if (i < p.size() && (p[i] == '!' || p[i] == '^')) {
    negate = true;
    ++i;
  }
  bool hit = false;
  bool first = true;
  while (i < p.size() && (p[i] != ']' || first)) {
    first = false;
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      if (c >= p[i] && c <= p[i + 2]) hit = true;
      i += 3;
    } else {
      if (c == p[i]) hit = true;
      ++i;
    }
  }
  p.remove_prefix(i + 1);
  return hit != negate;
}

bool match(std::string_view p, std::string_view s) {
  while (!p.empty()) {
    if (p.starts_with("**")) {
      // `**/` may match zero components; `**` alone matches everything that remains.
      std::string_view rest = p.substr(2);
      if (rest.starts_with("/")) {
        rest.remove_prefix(1);
        if (match(rest, s)) return true;
        for (size_t i = 0; i < s.size(); ++i) {
          if (s[i] == '/' && match(rest, s.substr(i + 1))) return true;
        }
        return false;
      }
      for (size_t i = 0; i <= s.size(); ++i) {
        if (match(rest, s.substr(i))) return true;
      }
      return false;
    }
    const char pc = p.front();
    if (pc == '*') {
      const auto rest = p.substr(1);
      for (size_t i = 0; i <= s.size(); ++i) {
        if (match(rest, s.substr(i))) return true;
        if (i < s.size() && s[i] == '/') break;
      }
      return false;
    }
    if (s.empty()) return false;
    if (pc == '?') {
      if (s.front() == '/') return false;
      p.remove_prefix(1);
    } else if (pc == '[') {
      if (s.front() == '/' || !match_class(p, s.front())) return false;
    } else if (pc == '\\') {
      if (p[1] != s.front()) return false;
      p.remove_prefix(2);
    } else {
      if (pc != s.front()) return false;
      p.remove_prefix(1);
    }
    s.remove_prefix(1);
  }
  return s.empty();
}

}  // namespace

Result<Glob> Glob::compile(std::string_view pattern) {
  const auto p = strip_slashes(trim(pattern));
  if (p.empty()) return Error{"empty glob"};
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) return Error{"glob ends with a lone backslash"};
      ++i;
    } else if (c == '[') {
      size_t j = i + 1;
      if (j < p.size() && (p[j] == '!' || p[j] == '^')) ++j;
      if (j < p.size() && p[j] == ']') ++j;  // a leading ']' is literal
      while (j < p.size() && p[j] != ']') {
        if (p[j] == '/')
          return Error{"character class '[' spans a '/' at offset " + std::to_string(i)};
        ++j;
      }
      if (j >= p.size()) return Error{"unterminated '[' at offset " + std::to_string(i)};
      if (j == i + 1) return Error{"empty character class '[]' at offset " + std::to_string(i)};
      i = j;
    } else if (c == '*' && i + 1 < p.size() && p[i + 1] == '*') {
      const bool starts_component = i == 0 || p[i - 1] == '/';
      const bool ends_component = i + 2 == p.size() || p[i + 2] == '/';
      if (!starts_component || !ends_component) {
        return Error{"'**' must be a whole path component (offset " + std::to_string(i) + ")"};
      }
      ++i;
    }
  }
  return Glob(std::string(p));
}

bool Glob::matches(std::string_view path) const {
  return match(pattern_, strip_slashes(path));
}

std::optional<size_t> Glob::anchored_match(std::string_view path) const {
  const auto s = strip_slashes(path);
  const size_t offset = static_cast<size_t>(s.data() - path.data());
  if (!match(pattern_, s)) return std::nullopt;
  if (!std::string_view(pattern_).starts_with("**/")) return 0;
  const auto rest = std::string_view(pattern_).substr(3);
  if (match(rest, s)) return offset;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '/' && match(rest, s.substr(i + 1))) return offset + i + 1;
  }
  return std::nullopt;
}

}  // namespace dwae
