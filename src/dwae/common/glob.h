// Path globs for workload match rules: `*` and `?` stay inside one path component, `[a-z]` and
// `[!x]` are character classes, and `**` spans any number of components (including none).
// Leading and trailing slashes are ignored on both the glob and the path.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dwae/common/result.h"

namespace dwae {

class Glob {
 public:
  // Fails on an empty pattern, an unterminated or empty `[...]`, a trailing backslash, or `**`
  // glued to other characters in one component (e.g. `a**`), which would be ambiguous.
  static Result<Glob> compile(std::string_view pattern);

  bool matches(std::string_view path) const;
  // For a glob that begins with `**/`: where in `path` the rest of the glob starts matching
  // (the earliest such place), so callers can name a match without the variable prefix.
  // For other globs: 0 when the path matches. nullopt when it does not match.
  std::optional<size_t> anchored_match(std::string_view path) const;
  const std::string& pattern() const { return pattern_; }

 private:
  explicit Glob(std::string pattern) : pattern_(std::move(pattern)) {}
  std::string pattern_;  // normalised: no leading or trailing slash
};

}  // namespace dwae
