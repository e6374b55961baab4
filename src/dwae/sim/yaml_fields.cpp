// yaml-cpp marks are 0-based; diagnostics are 1-based like editors.
#include "dwae/sim/yaml_fields.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "dwae/common/strings.h"
#include "dwae/common/units.h"

namespace dwae::sim {

namespace {
std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
}  // namespace

std::string suggest(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string_view best;
  size_t best_distance = 3;
  for (const auto c : candidates) {
    const size_t d = levenshtein(word, c);
    if (d < best_distance && d < word.size()) {
      best = c;
      best_distance = d;
    }
  }
  return best.empty() ? std::string() : " (did you mean '" + std::string(best) + "'?)";
}

void YamlFields::error(const YAML::Node& at, std::string message) {
  const YAML::Mark m = at.IsDefined() ? at.Mark() : YAML::Mark::null_mark();
  if (m.is_null()) {
    error_at(1, 1, std::move(message));
  } else {
    error_at(m.line + 1, m.column + 1, std::move(message));
  }
}

void YamlFields::error_at(int line, int column, std::string message) {
  const std::string key = std::to_string(line) + ":" + std::to_string(column) + ":" + message;
  if (!reported_.insert(key).second) return;
  diagnostics_.push_back({{file_, line, column}, std::move(message)});
}

bool YamlFields::expect_map(const YAML::Node& node, std::string_view what) {
  if (node.IsMap()) return true;
  error(node, std::string(what) + " must be a mapping");
  return false;
}

void YamlFields::check_keys(const YAML::Node& map, const std::vector<std::string_view>& known,
                            std::string_view where) {
  std::set<std::string> seen;
  for (const auto& kv : map) {
    const std::string key = kv.first.Scalar();
    bool found = false;
    for (const auto k : known) found = found || k == key;
    if (!found) {
      error(kv.first, "unknown key '" + key + "' in " + std::string(where) + suggest(key, known));
    } else if (!seen.insert(key).second) {
      error(kv.first, "key '" + key + "' is given twice in " + std::string(where));
    }
  }
}

void YamlFields::get(const YAML::Node& map, const char* key, std::string& out) {
  const YAML::Node n = map[key];
  if (!n) return;
  if (!n.IsScalar()) {
    error(n, std::string(key) + " must be a string");
    return;
  }
  if (!is_utf8(n.Scalar())) {
    error(n, std::string(key) + " must be UTF-8 text");
    return;
  }
  out = n.Scalar();
}

void YamlFields::get(const YAML::Node& map, const char* key, bool& out) {
  const YAML::Node n = map[key];
  if (!n) return;
  const std::string s = n.IsScalar() ? n.Scalar() : "";
  if (s == "true" || s == "yes") {
    out = true;
  } else if (s == "false" || s == "no") {
    out = false;
  } else {
    error(n, std::string(key) + " must be true or false");
  }
}

void YamlFields::get(const YAML::Node& map, const char* key, double& out, double min, double max) {
  const YAML::Node n = map[key];
  if (!n) return;
  const auto v = n.IsScalar() ? parse_double(n.Scalar()) : std::nullopt;
  if (!v || !std::isfinite(*v)) {
    error(n, std::string(key) + " must be a number");
  } else if (*v < min || *v > max) {
    error(n, std::string(key) + " " + n.Scalar() + " is out of range " + number(min) + ".." +
                 number(max));
  } else {
    out = *v;
  }
}

void YamlFields::get(const YAML::Node& map, const char* key, uint64_t& out, uint64_t min,
                     uint64_t max) {
  const YAML::Node n = map[key];
  if (!n) return;
  const auto v = n.IsScalar() ? parse_uint64(n.Scalar()) : std::nullopt;
  if (!v) {
    error(n, std::string(key) + " must be a whole number");
  } else if (*v < min || *v > max) {
    error(n, std::string(key) + " " + n.Scalar() + " is out of range " + std::to_string(min) +
                 ".." + std::to_string(max));
  } else {
    out = *v;
  }
}

void YamlFields::get(const YAML::Node& map, const char* key, uint32_t& out, uint32_t min,
                     uint32_t max) {
  uint64_t v = out;
  get(map, key, v, min, max);
  out = static_cast<uint32_t>(v);
}

void YamlFields::get_duration(const YAML::Node& map, const char* key, std::chrono::nanoseconds& out,
                              std::chrono::nanoseconds min, std::chrono::nanoseconds max) {
  const YAML::Node n = map[key];
  if (!n) return;
  if (!n.IsScalar()) {
    error(n, std::string(key) + " must be a duration such as 200ms");
    return;
  }
  const auto d = parse_duration(n.Scalar());
  if (!d.ok()) {
    error(n, std::string(key) + ": " + d.error().message);
  } else if (*d < min) {
    error(n, std::string(key) + " must be at least " + format_duration(min));
  } else if (*d > max) {
    error(n, std::string(key) + " must be at most " + format_duration(max));
  } else {
    out = *d;
  }
}

void YamlFields::get_size(const YAML::Node& map, const char* key, uint64_t& out) {
  const YAML::Node n = map[key];
  if (!n) return;
  const auto s = n.IsScalar() ? parse_size(n.Scalar()) : Result<uint64_t>(Error{"not a size"});
  if (!s.ok()) {
    error(n, std::string(key) + " must be a size such as 512MiB: " + s.error().message);
  } else {
    out = *s;
  }
}

void YamlFields::get_list(const YAML::Node& map, const char* key,
                          std::optional<std::vector<uint32_t>>& out, uint32_t count,
                          std::string_view unit) {
  const YAML::Node n = map[key];
  if (!n) return;
  // One flag per id the host has: however long the text, no more than `count` entries.
  std::vector<bool> named(count, false);
  const std::string text = n.IsScalar() ? n.Scalar() : "";
  bool ok = n.IsScalar() && !text.empty();
  // An empty part ("0,,2", "0-3,") is a mistake, not nothing.
  for (const auto part : split(text, ',', /*skip_empty=*/false)) {
    if (!ok) break;
    const auto dash = part.find('-');
    const auto lo = parse_uint64(part.substr(0, dash));
    const auto hi = dash == std::string_view::npos ? lo : parse_uint64(part.substr(dash + 1));
    if (!lo || !hi || *hi < *lo) {
      ok = false;
    } else if (*hi >= count) {
      const std::string host_has = count == 1
                                       ? std::string(unit) + " 0"
                                       : std::string(unit) + "s 0-" + std::to_string(count - 1);
      error(n, std::string(key) + " names " + std::string(unit) + " " +
                   std::to_string(std::max<uint64_t>(*lo, count)) + " but the host has " +
                   host_has);
      return;
    } else {
      for (uint64_t i = *lo; i <= *hi; ++i) named[i] = true;
    }
  }
  if (!ok) {
    error(n, std::string(key) + " must be a list such as 0-3,8");
    return;
  }
  std::vector<uint32_t> list;
  for (uint32_t i = 0; i < count; ++i) {
    if (named[i]) list.push_back(i);
  }
  out = std::move(list);
}

std::optional<size_t> YamlFields::get_choice(const YAML::Node& map, const char* key,
                                             const std::vector<std::string_view>& choices) {
  const YAML::Node n = map[key];
  if (!n) return std::nullopt;
  const std::string s = n.IsScalar() ? n.Scalar() : "";
  for (size_t i = 0; i < choices.size(); ++i) {
    if (choices[i] == s) return i;
  }
  std::string all;
  for (const auto c : choices) all += (all.empty() ? "" : ", ") + std::string(c);
  error(n, std::string(key) + " '" + s + "' is not one of: " + all + suggest(s, choices));
  return std::nullopt;
}

}  // namespace dwae::sim
