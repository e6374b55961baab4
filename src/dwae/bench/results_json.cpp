// results.json: every field of BenchResults, under a format version. Numbers are written at full
// precision so that a report made again from the file equals the one made from the live run.
// Non-finite numbers (a service that answered nothing) are written as null and read back as NaN.
// Reading refuses what would be silently misread: duplicate keys, a second run with the same
// (scenario, controller, repetition), a second alone entry for a scenario, absurd latencies.
#include "dwae/bench/results_json.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace dwae::bench {
namespace {

using Json = nlohmann::ordered_json;

// No request of a bench run takes a day; a latency beyond it is a broken file.
constexpr double kMaxLatencyS = 86400;

// Finds the first key that appears twice in one object. nlohmann's parser silently keeps one of
// the two values, so this is checked while parsing (the path is not known there: the key and
// its nesting depth are).
class DuplicateKeyFinder {
 public:
  bool operator()(int depth, nlohmann::detail::parse_event_t event, Json& parsed) {
    using Event = nlohmann::detail::parse_event_t;
    if (event == Event::object_start) {
      keys_.emplace_back();
    } else if (event == Event::object_end) {
      if (!keys_.empty()) keys_.pop_back();
    } else if (event == Event::key && !keys_.empty() && parsed.is_string()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!keys_.back().insert(key).second && duplicate_.empty()) {
        duplicate_ = "key \"" + key + "\" appears twice in one object (at depth " +
                     std::to_string(depth) + ")";
      }
    }
    return true;
  }
  const std::string& duplicate() const { return duplicate_; }

 private:
  std::vector<std::set<std::string>> keys_;
  std::string duplicate_;
};

Json number(double v) {
  return std::isfinite(v) ? Json(v) : Json(nullptr);
}

Json quantiles_json(const std::vector<Quantile>& cdf) {
  Json a = Json::array();
  for (const auto& q : cdf) a.push_back(Json::array({number(q.q), number(q.seconds)}));
  return a;
}

Json service_json(const ServiceRun& s) {
  Json o;
  o["name"] = s.name;
  o["p50_s"] = number(s.p50_s);
  o["p99_s"] = number(s.p99_s);
  o["p999_s"] = number(s.p999_s);
  o["requests_per_s"] = number(s.requests_per_s);
  // Only when there were any: a file without "errors" reads as none, so results without errors
  // are written as they were before the counts existed.
  if (s.errors.any()) {
    o["errors"] = {{"connect", s.errors.connect},
                   {"read", s.errors.read},
                   {"write", s.errors.write},
                   {"status", s.errors.status},
                   {"timeout", s.errors.timeout}};
  }
  o["cdf"] = quantiles_json(s.cdf);
  return o;
}

Json services_json(const std::vector<ServiceRun>& services) {
  Json a = Json::array();
  for (const auto& s : services) a.push_back(service_json(s));
  return a;
}

// Reads JSON into BenchResults, keeping the path of the value being read so that an error
// says where it is ("runs[3].services[0].p99_s: expected a number").
class Reader {
 public:
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  void fail(const std::string& path, const std::string& what) {
    if (error_.empty()) error_ = path + ": " + what;
  }

  const Json* member(const Json& object, const std::string& path, const char* key) {
    if (!object.is_object()) {
      fail(path, "expected an object");
      return nullptr;
    }
    auto it = object.find(key);
    if (it == object.end()) {
      fail(join(path, key), "missing");
      return nullptr;
    }
    return &*it;
  }

  void read(const Json& object, const std::string& path, const char* key, double& out) {
    const Json* v = member(object, path, key);
    if (v == nullptr) return;
    if (v->is_null()) {
      out = std::numeric_limits<double>::quiet_NaN();
    } else if (v->is_number()) {
      out = v->get<double>();
    } else {
      fail(join(path, key), "expected a number");
    }
  }

  // An integer in [min, max], checked before it is converted: get<int>() of 4294967297 is 1.
  void read(const Json& object, const std::string& path, const char* key, int& out, int min,
            int max) {
    const Json* v = member(object, path, key);
    if (v == nullptr) return;
    if (!v->is_number_integer()) {
      fail(join(path, key), "expected an integer");
      return;
    }
    if (!integer_within(*v, min, max)) {
      fail(join(path, key), v->dump() + " is out of range (" + std::to_string(min) + " .. " +
                                std::to_string(max) + ")");
      return;
    }
    out = v->get<int>();
  }

  void read(const Json& object, const std::string& path, const char* key, bool& out) {
    const Json* v = member(object, path, key);
    if (v == nullptr) return;
    if (!v->is_boolean()) {
      fail(join(path, key), "expected true or false");
      return;
    }
    out = v->get<bool>();
  }

  void read(const Json& object, const std::string& path, const char* key, std::string& out) {
    const Json* v = member(object, path, key);
    if (v == nullptr) return;
    if (!v->is_string()) {
      fail(join(path, key), "expected a string");
      return;
    }
    out = v->get<std::string>();
  }

  void read_controller(const Json& v, const std::string& path, Controller& out) {
    if (!v.is_string()) {
      fail(path, "expected a controller name");
      return;
    }
    auto parsed = parse_controller(v.get<std::string>());
    if (!parsed) {
      fail(path, "unknown controller '" + v.get<std::string>() +
                     "' (none, static-best, rule, feedback, ppo)");
      return;
    }
    out = *parsed;
  }

  void read(const Json& object, const std::string& path, const char* key, Controller& out) {
    const Json* v = member(object, path, key);
    if (v != nullptr) read_controller(*v, join(path, key), out);
  }

  // A count: an integer in [0, 2^64 - 1], checked before it is converted.
  void read(const Json& object, const std::string& path, const char* key, uint64_t& out) {
    const Json* v = member(object, path, key);
    if (v == nullptr) return;
    if (!v->is_number_integer()) {
      fail(join(path, key), "expected a count (a whole number, 0 or more)");
      return;
    }
    if (!v->is_number_unsigned() && v->get<int64_t>() < 0) {
      fail(join(path, key), v->dump() + " is not a count (0 or more)");
      return;
    }
    out = v->get<uint64_t>();
  }

  // The optional "errors" of a service: missing means none (files from before the counts were
  // kept); present, it names every kind.
  void read_errors(const Json& object, const std::string& path, RequestErrors& out) {
    if (!object.is_object()) return;
    const auto found = object.find("errors");
    if (found == object.end()) return;
    const Json& errors = *found;
    const std::string errors_path = join(path, "errors");
    if (!errors.is_object()) {
      fail(errors_path, "expected an object");
      return;
    }
    read(errors, errors_path, "connect", out.connect);
    read(errors, errors_path, "read", out.read);
    read(errors, errors_path, "write", out.write);
    read(errors, errors_path, "status", out.status);
    read(errors, errors_path, "timeout", out.timeout);
  }

  // Calls each(element, element_path) for every element of the array object[key].
  template <typename Each>
  void each(const Json& object, const std::string& path, const char* key, Each&& fn) {
    const Json* v = member(object, path, key);
    if (v == nullptr) return;
    const std::string array_path = join(path, key);
    if (!v->is_array()) {
      fail(array_path, "expected an array");
      return;
    }
    for (std::size_t i = 0; i < v->size() && ok(); ++i) {
      fn((*v)[i], array_path + "[" + std::to_string(i) + "]");
    }
  }

  // A latency in seconds: null (no answer) or a number in [0, kMaxLatencyS]. A finite but absurd
  // value would overflow every ratio to it and read as "no answer".
  void read_latency(const Json& object, const std::string& path, const char* key, double& out) {
    read(object, path, key, out);
    if (ok() && !latency_within(out)) fail(join(path, key), latency_range_text(out));
  }

  void read(const Json& object, const std::string& path, ServiceRun& s) {
    read(object, path, "name", s.name);
    read_latency(object, path, "p50_s", s.p50_s);
    read_latency(object, path, "p99_s", s.p99_s);
    read_latency(object, path, "p999_s", s.p999_s);
    read(object, path, "requests_per_s", s.requests_per_s);
    read_errors(object, path, s.errors);
    each(object, path, "cdf", [&](const Json& point, const std::string& p) {
      if (!point.is_array() || point.size() != 2 || !number_or_null(point[0]) ||
          !number_or_null(point[1])) {
        fail(p, "expected [q, seconds]");
        return;
      }
      const double seconds = as_double(point[1]);
      if (!latency_within(seconds)) {
        fail(p, latency_range_text(seconds));
        return;
      }
      s.cdf.push_back({as_double(point[0]), seconds});
    });
  }

  void read_services(const Json& object, const std::string& path,
                     std::vector<ServiceRun>& services) {
    each(object, path, "services", [&](const Json& o, const std::string& p) {
      ServiceRun s;
      read(o, p, s);
      services.push_back(std::move(s));
    });
  }

  // A JSON integer (signed or unsigned as the parser stored it) within [min, max].
  static bool integer_within(const Json& v, int64_t min, int64_t max) {
    if (v.is_number_unsigned()) {
      const auto u = v.get<uint64_t>();
      return max >= 0 && u <= static_cast<uint64_t>(max) && static_cast<int64_t>(u) >= min;
    }
    if (!v.is_number_integer()) return false;
    const auto i = v.get<int64_t>();
    return i >= min && i <= max;
  }

 private:
  static std::string join(const std::string& path, const char* key) {
    return path.empty() ? std::string(key) : path + "." + key;
  }
  static bool number_or_null(const Json& v) { return v.is_number() || v.is_null(); }
  static bool latency_within(double seconds) {
    return std::isnan(seconds) || (seconds >= 0 && seconds <= kMaxLatencyS);
  }
  static std::string latency_range_text(double seconds) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%g is not a latency in seconds (0 .. %g, or null)", seconds,
                  kMaxLatencyS);
    return buf;
  }
  static double as_double(const Json& v) {
    return v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>();
  }

  std::string error_;
};

}  // namespace

std::string results_to_json(const BenchResults& results) {
  Json j;
  j["format"] = "dwae-bench-results";
  j["version"] = kResultsFormatVersion;
  j["host"] = results.host;
  j["started_utc"] = results.started_utc;
  j["short_mode"] = results.short_mode;
  j["repetitions"] = results.repetitions;
  j["scenarios"] = results.scenarios;
  Json controllers = Json::array();
  for (auto c : results.controllers) controllers.push_back(std::string(to_string(c)));
  j["controllers"] = std::move(controllers);
  Json alone = Json::array();
  for (const auto& a : results.alone) {
    Json o;
    o["scenario"] = a.scenario;
    o["services"] = services_json(a.services);
    alone.push_back(std::move(o));
  }
  j["alone"] = std::move(alone);
  Json runs = Json::array();
  for (const auto& r : results.runs) {
    Json o;
    o["scenario"] = r.scenario;
    o["controller"] = std::string(to_string(r.controller));
    o["repetition"] = r.repetition;
    o["duration_s"] = number(r.duration_s);
    o["services"] = services_json(r.services);
    Json be = Json::array();
    for (const auto& b : r.best_effort) {
      be.push_back({{"name", b.name}, {"work_per_s", number(b.work_per_s)}, {"unit", b.unit}});
    }
    o["best_effort"] = std::move(be);
    Json weights = Json::array();
    for (const auto& w : r.weights) {
      weights.push_back({{"t_s", number(w.t_s)},
                         {"workload", w.workload},
                         {"resource", w.resource},
                         {"value", number(w.value)}});
    }
    o["weights"] = std::move(weights);
    runs.push_back(std::move(o));
  }
  j["runs"] = std::move(runs);
  return j.dump(1) + "\n";
}

Result<BenchResults> results_from_json(std::string_view text) {
  DuplicateKeyFinder duplicates;
  Json j = Json::parse(
      text,
      [&duplicates](int depth, nlohmann::detail::parse_event_t event, Json& parsed) {
        return duplicates(depth, event, parsed);
      },
      /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error{"not valid JSON"};
  if (!duplicates.duplicate().empty()) return Error{duplicates.duplicate()};
  if (!j.is_object()) return Error{"expected a JSON object at the top level"};
  auto format = j.find("format");
  if (format == j.end() || !format->is_string() ||
      format->get<std::string>() != "dwae-bench-results") {
    return Error{"not a dwae bench results file (\"format\" is not \"dwae-bench-results\")"};
  }
  auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer()) {
    return Error{"\"version\" is missing or not an integer"};
  }
  if (!Reader::integer_within(*version, kResultsFormatVersion, kResultsFormatVersion)) {
    return Error{"results format version " + version->dump() +
                 " is not supported (this build reads version " +
                 std::to_string(kResultsFormatVersion) + ")"};
  }

  Reader in;
  BenchResults r;
  in.read(j, "", "host", r.host);
  in.read(j, "", "started_utc", r.started_utc);
  in.read(j, "", "short_mode", r.short_mode);
  in.read(j, "", "repetitions", r.repetitions, 1, kMaxRepetitions);
  // Each scenario and controller once: every entry costs a simulator run when re-reported.
  in.each(j, "", "scenarios", [&](const Json& v, const std::string& p) {
    if (!v.is_string()) {
      in.fail(p, "expected a string");
      return;
    }
    const auto name = v.get<std::string>();
    if (std::find(r.scenarios.begin(), r.scenarios.end(), name) != r.scenarios.end()) {
      in.fail(p, "scenario '" + name + "' is listed twice");
      return;
    }
    r.scenarios.push_back(name);
  });
  in.each(j, "", "controllers", [&](const Json& v, const std::string& p) {
    Controller c{};
    in.read_controller(v, p, c);
    if (in.ok() &&
        std::find(r.controllers.begin(), r.controllers.end(), c) != r.controllers.end()) {
      in.fail(p, "controller '" + std::string(to_string(c)) + "' is listed twice");
      return;
    }
    r.controllers.push_back(c);
  });
  // One alone entry per scenario and one run per (scenario, controller, repetition): a second
  // one would silently replace the first or count as another repetition.
  in.each(j, "", "alone", [&](const Json& o, const std::string& p) {
    Alone a;
    in.read(o, p, "scenario", a.scenario);
    in.read_services(o, p, a.services);
    for (std::size_t i = 0; in.ok() && i < r.alone.size(); ++i) {
      if (r.alone[i].scenario == a.scenario) {
        in.fail(p, "scenario '" + a.scenario + "' has a second alone entry (first: alone[" +
                       std::to_string(i) + "])");
      }
    }
    r.alone.push_back(std::move(a));
  });
  in.each(j, "", "runs", [&](const Json& o, const std::string& p) {
    Run run;
    in.read(o, p, "scenario", run.scenario);
    in.read(o, p, "controller", run.controller);
    in.read(o, p, "repetition", run.repetition, 0, std::max(r.repetitions - 1, 0));
    for (std::size_t i = 0; in.ok() && i < r.runs.size(); ++i) {
      const Run& other = r.runs[i];
      if (other.scenario == run.scenario && other.controller == run.controller &&
          other.repetition == run.repetition) {
        in.fail(p, "run (" + run.scenario + ", " + std::string(to_string(run.controller)) +
                       ", repetition " + std::to_string(run.repetition) +
                       ") is listed twice (first: runs[" + std::to_string(i) + "])");
      }
    }
    in.read(o, p, "duration_s", run.duration_s);
    in.read_services(o, p, run.services);
    in.each(o, p, "best_effort", [&](const Json& b, const std::string& bp) {
      BestEffortRun be;
      in.read(b, bp, "name", be.name);
      in.read(b, bp, "work_per_s", be.work_per_s);
      in.read(b, bp, "unit", be.unit);
      run.best_effort.push_back(std::move(be));
    });
    in.each(o, p, "weights", [&](const Json& w, const std::string& wp) {
      WeightPoint point;
      in.read(w, wp, "t_s", point.t_s);
      in.read(w, wp, "workload", point.workload);
      in.read(w, wp, "resource", point.resource);
      in.read(w, wp, "value", point.value);
      run.weights.push_back(std::move(point));
    });
    r.runs.push_back(std::move(run));
  });
  if (!in.ok()) return Error{in.error()};
  return r;
}

}  // namespace dwae::bench
