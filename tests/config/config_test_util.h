// Helpers shared by the config tests: load a YAML literal and check its diagnostics.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "dwae/config/loader.h"

namespace dwae::config::test {

inline LoadResult load(std::string_view yaml) {
  return load_config_text(yaml, "test.yaml");
}

inline std::string all_diagnostics(const LoadResult& result) {
  std::string out;
  for (const auto& d : result.diagnostics) out += "\n  " + d.format();
  return out.empty() ? " (none)" : out;
}

// Exactly one diagnostic, at line:column, whose message contains `text`.
inline testing::AssertionResult HasOneError(const LoadResult& result, int line, int column,
                                            std::string_view text) {
  if (result.ok()) return testing::AssertionFailure() << "config loaded without errors";
  if (result.diagnostics.size() != 1) {
    return testing::AssertionFailure()
           << "expected one diagnostic, got " << result.diagnostics.size() << ":"
           << all_diagnostics(result);
  }
  const auto& d = result.diagnostics.front();
  if (d.where.line != line || d.where.column != column ||
      d.message.find(text) == std::string::npos) {
    return testing::AssertionFailure() << "expected " << line << ":" << column << " '" << text
                                       << "', got:" << all_diagnostics(result);
  }
  return testing::AssertionSuccess();
}

// Some diagnostic (among possibly several) at line:column whose message contains `text`.
inline testing::AssertionResult HasError(const LoadResult& result, int line, int column,
                                         std::string_view text) {
  for (const auto& d : result.diagnostics) {
    if (d.where.line == line && d.where.column == column &&
        d.message.find(text) != std::string::npos) {
      return testing::AssertionSuccess();
    }
  }
  return testing::AssertionFailure()
         << "no " << line << ":" << column << " '" << text << "' among:" << all_diagnostics(result);
}

}  // namespace dwae::config::test
