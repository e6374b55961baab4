#include "dwae/bench/results.h"

#include <array>
#include <utility>

namespace dwae::bench {
namespace {

constexpr std::array<std::pair<Controller, std::string_view>, 5> kNames{{
    {Controller::none, "none"},
    {Controller::static_best, "static-best"},
    {Controller::rule, "rule"},
    {Controller::feedback, "feedback"},
    {Controller::ppo, "ppo"},
}};

}  // namespace

std::string_view to_string(Controller controller) {
  for (const auto& [value, name] : kNames) {
    if (value == controller) return name;
  }
  return "unknown";
}

std::optional<Controller> parse_controller(std::string_view name) {
  for (const auto& [value, known] : kNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

}  // namespace dwae::bench
