// Typed reads of the fields of a JSON document that an operator may have pointed a command at
// (the audit log, status.json). Nothing here copies, dumps or compares a json value: the parser
// is iterative and accepts a value nested a million levels deep, but nlohmann's copy, dump and
// comparison recurse once per level and would overflow the stack on it. A field must have the
// type it is read as; a structured value where a scalar belongs is an error like any other.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "dwae/common/result.h"

namespace dwae::agent::json_fields {

using nlohmann::json;

// The member `key` of `object` (which must be an object), or nullptr when absent.
inline const json* find(const json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

inline Error mistyped(const char* key, const char* expected) {
  return Error{std::string("\"") + key + "\" is not " + expected};
}

// A string member; absent is nullopt.
inline Result<std::optional<std::string>> string_member(const json& object, const char* key) {
  const json* v = find(object, key);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return mistyped(key, "a string");
  return std::optional<std::string>(v->get_ref<const std::string&>());
}

// A boolean member; absent is nullopt.
inline Result<std::optional<bool>> bool_member(const json& object, const char* key) {
  const json* v = find(object, key);
  if (v == nullptr) return std::optional<bool>();
  if (!v->is_boolean()) return mistyped(key, "true or false");
  return std::optional<bool>(v->get<bool>());
}

// A finite number member (an integer is read as a double); absent is nullopt.
inline Result<std::optional<double>> number_member(const json& object, const char* key) {
  const json* v = find(object, key);
  if (v == nullptr) return std::optional<double>();
  if (!v->is_number()) return mistyped(key, "a number");
  const double d = v->get<double>();
  if (!std::isfinite(d)) return mistyped(key, "a finite number");
  return std::optional<double>(d);
}

// An integer member in [lowest, highest]; a number with a fraction or exponent (1e300, 2.5) is
// not an integer. Absent is nullopt.
inline Result<std::optional<int64_t>> integer_member(const json& object, const char* key,
                                                     int64_t lowest, int64_t highest) {
  const json* v = find(object, key);
  if (v == nullptr) return std::optional<int64_t>();
  const std::string range =
      "an integer in [" + std::to_string(lowest) + ", " + std::to_string(highest) + "]";
  if (v->is_number_unsigned()) {
    const auto u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(highest)) return mistyped(key, range.c_str());
    const auto i = static_cast<int64_t>(u);
    if (i < lowest) return mistyped(key, range.c_str());
    return std::optional<int64_t>(i);
  }
  if (v->is_number_integer()) {
    const auto i = v->get<int64_t>();
    if (i < lowest || i > highest) return mistyped(key, range.c_str());
    return std::optional<int64_t>(i);
  }
  return mistyped(key, range.c_str());
}

// A non-negative integer member (any uint64_t); absent is nullopt.
inline Result<std::optional<uint64_t>> unsigned_member(const json& object, const char* key) {
  const json* v = find(object, key);
  if (v == nullptr) return std::optional<uint64_t>();
  if (v->is_number_unsigned()) return std::optional<uint64_t>(v->get<uint64_t>());
  if (v->is_number_integer() && v->get<int64_t>() >= 0) {  // "-0"
    return std::optional<uint64_t>(static_cast<uint64_t>(v->get<int64_t>()));
  }
  return mistyped(key, "a non-negative integer");
}

}  // namespace dwae::agent::json_fields
