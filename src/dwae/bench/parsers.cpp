// Text in, values out: no file or process access here.
#include "dwae/bench/parsers.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "dwae/common/clock.h"

namespace dwae::bench {
namespace {

using json = nlohmann::json;

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of("\r\n", start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::optional<double> number(std::string_view word) {
  double value = 0;
  const auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (ec != std::errc{} || ptr != word.data() + word.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<uint64_t> whole(std::string_view word) {
  uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (ec != std::errc{} || ptr != word.data() + word.size()) return std::nullopt;
  return value;
}

}  // namespace

void LatencyCounts::merge(const LatencyCounts& other) {
  buckets.insert(buckets.end(), other.buckets.begin(), other.buckets.end());
  requests += other.requests;
  elapsed_s += other.elapsed_s;
  normalise();
}

void LatencyCounts::normalise() {
  std::sort(buckets.begin(), buckets.end(),
            [](const LatencyBucket& a, const LatencyBucket& b) { return a.upper_s < b.upper_s; });
  std::vector<LatencyBucket> joined;
  for (const auto& b : buckets) {
    if (!joined.empty() && joined.back().upper_s == b.upper_s) {
      joined.back().count += b.count;
    } else {
      joined.push_back(b);
    }
  }
  buckets = std::move(joined);
}

double LatencyCounts::quantile_s(double q) const {
  uint64_t total = 0;
  for (const auto& b : buckets) total += b.count;
  if (total == 0) return 0;
  const double wanted = q * static_cast<double>(total);
  uint64_t seen = 0;
  for (const auto& b : buckets) {
    seen += b.count;
    if (static_cast<double>(seen) >= wanted - 1e-9) return b.upper_s;
  }
  return buckets.back().upper_s;
}

const std::vector<double>& cdf_quantiles() {
  static const std::vector<double> kQuantiles = {0.01,  0.05,  0.1,    0.2,    0.3,  0.4,   0.5,
                                                 0.6,   0.7,   0.8,    0.9,    0.95, 0.975, 0.99,
                                                 0.995, 0.999, 0.9995, 0.9999, 1.0};
  return kQuantiles;
}

ServiceRun service_run_from_counts(const std::string& name, const LatencyCounts& counts) {
  ServiceRun run;
  run.name = name;
  for (const double q : cdf_quantiles()) run.cdf.push_back({q, counts.quantile_s(q)});
  run.p50_s = counts.quantile_s(0.5);
  run.p99_s = counts.quantile_s(0.99);
  run.p999_s = counts.quantile_s(0.999);
  run.requests_per_s =
      counts.elapsed_s > 0 ? static_cast<double>(counts.requests) / counts.elapsed_s : 0;
  return run;
}

Result<LatencyCounts> parse_redis_benchmark(std::string_view text) {
  // Both distributions give (latency, requests at or below it); together they are one
  // cumulative curve, finer than either. The summary's percentiles add points inside their steps.
  std::vector<std::pair<double, uint64_t>> cumulative;
  std::vector<std::pair<std::string_view, double>> summary;  // ("p99", ms), ("max", ms)
  LatencyCounts counts;
  bool completed = false;
  const auto lines = lines_of(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto line = lines[i];
    const auto w = words_of(line);
    // "50.000% <= 0.239 milliseconds (cumulative count 1034)"
    if (w.size() == 7 && w[1] == "<=" && w[3] == "milliseconds" && w[4] == "(cumulative" &&
        w[5] == "count" && w[6].size() > 1 && w[6].back() == ')') {
      const auto ms = number(w[2]);
      const auto n = whole(w[6].substr(0, w[6].size() - 1));
      if (!ms || !n)
        return Error{"redis-benchmark: bad distribution line '" + std::string(line) + "'"};
      cumulative.emplace_back(*ms / 1000.0, *n);
      continue;
    }
    // "2000 requests completed in 0.77 seconds"
    if (w.size() == 6 && w[1] == "requests" && w[2] == "completed" && w[5] == "seconds") {
      const auto n = whole(w[0]);
      const auto s = number(w[4]);
      if (!n || !s) return Error{"redis-benchmark: bad summary line '" + std::string(line) + "'"};
      counts.requests = *n;
      counts.elapsed_s = *s;
      completed = true;
      continue;
    }
    // "avg min p50 p95 p99 max" over "0.245 0.064 0.223 0.415 0.615 1.727" (msec)
    if (!w.empty() && w[0] == "avg" && std::find(w.begin(), w.end(), "p99") != w.end()) {
      const auto values = i + 1 < lines.size() ? words_of(lines[i + 1]) : decltype(w){};
      if (values.size() != w.size()) {
        return Error{"redis-benchmark: latency summary without one value per column"};
      }
      summary.clear();
      for (size_t c = 0; c < w.size(); ++c) {
        if (w[c] != "max" && (w[c].size() < 2 || w[c][0] != 'p')) continue;
        const auto ms = number(values[c]);
        if (!ms) {
          return Error{"redis-benchmark: bad latency summary value '" + std::string(values[c]) +
                       "'"};
        }
        summary.emplace_back(w[c], *ms);
      }
    }
  }
  if (!completed) return Error{"redis-benchmark: no 'requests completed' line"};
  if (cumulative.empty()) return Error{"redis-benchmark: no latency distribution"};
  for (const auto& [column, ms] : summary) {
    // redis-benchmark's percentile is its histogram's value at rank (int)(p / 100 * N + 0.5),
    // at least 1 (hdr_value_at_percentile): that many requests took at most that value.
    double rank = static_cast<double>(counts.requests);
    if (column != "max") {
      const auto percent = number(column.substr(1));
      if (!percent || *percent <= 0 || *percent > 100) continue;
      rank = std::floor(*percent / 100.0 * static_cast<double>(counts.requests) + 0.5);
    }
    if (counts.requests > 0) {
      cumulative.emplace_back(ms / 1000.0, std::max<uint64_t>(1, static_cast<uint64_t>(rank)));
    }
  }
  std::sort(cumulative.begin(), cumulative.end());
  uint64_t previous = 0;
  for (const auto& [upper_s, at_most] : cumulative) {
    if (at_most < previous) return Error{"redis-benchmark: latency distribution not cumulative"};
    if (at_most > previous) counts.buckets.push_back({upper_s, at_most - previous});
    previous = at_most;
  }
  if (previous != counts.requests) {
    return Error{"redis-benchmark: distribution counts " + std::to_string(previous) +
                 " requests, summary " + std::to_string(counts.requests)};
  }
  counts.normalise();
  return counts;
}

Result<WrkSummary> parse_wrk_output(std::string_view text) {
  WrkSummary wrk;
  bool has_requests = false, has_duration = false, has_errors = false;
  // What wrk itself printed: "Socket errors: connect 0, read 0, write 0, timeout 12" and
  // "Non-2xx or 3xx responses: 7" (absent when zero).
  RequestErrors printed;
  for (const auto line : lines_of(text)) {
    const auto w = words_of(line);
    if (w.size() == 10 && w[0] == "Socket" && w[1] == "errors:") {
      const auto field = [&](size_t i) {
        auto word = w[i];
        if (!word.empty() && word.back() == ',') word.remove_suffix(1);
        return whole(word);
      };
      const auto c = field(3), r = field(5), wr = field(7), t = field(9);
      if (w[2] != "connect" || w[4] != "read" || w[6] != "write" || w[8] != "timeout" || !c || !r ||
          !wr || !t) {
        return Error{"wrk: bad socket errors line '" + std::string(line) + "'"};
      }
      printed.connect = *c;
      printed.read = *r;
      printed.write = *wr;
      printed.timeout = *t;
      continue;
    }
    if (w.size() == 5 && w[0] == "Non-2xx" && w[3] == "responses:") {
      const auto n = whole(w[4]);
      if (!n) return Error{"wrk: bad non-2xx line '" + std::string(line) + "'"};
      printed.status = *n;
      continue;
    }
    if (w.size() < 3 || w[0] != "dwae-wrk") continue;
    if (w[1] == "requests" && whole(w[2])) {
      wrk.requests = *whole(w[2]);
      has_requests = true;
    } else if (w[1] == "duration_us" && number(w[2])) {
      wrk.duration_s = *number(w[2]) / 1e6;
      has_duration = true;
    } else if (w[1] == "errors") {
      // "dwae-wrk errors connect C read R write W status S timeout T"
      std::optional<uint64_t> v[5];
      const char* names[5] = {"connect", "read", "write", "status", "timeout"};
      bool good = w.size() == 12;
      for (size_t k = 0; good && k < 5; ++k) {
        good = w[2 + 2 * k] == names[k] && (v[k] = whole(w[3 + 2 * k])).has_value();
      }
      if (!good) return Error{"wrk: bad errors line '" + std::string(line) + "'"};
      wrk.errors = {*v[0], *v[1], *v[2], *v[3], *v[4]};
      has_errors = true;
    } else if (w[1] == "q" && w.size() == 4) {
      const auto percent = number(w[2]);
      const auto us = number(w[3]);
      if (!percent || !us || *percent <= 0 || *percent > 100 || *us < 0) {
        return Error{"wrk: bad quantile line '" + std::string(line) + "'"};
      }
      wrk.quantiles.push_back({*percent / 100.0, *us / 1e6});
    }
  }
  if (!has_requests || !has_duration) return Error{"wrk: no summary from the done script"};
  if (!has_errors) return Error{"wrk: no error counts from the done script"};
  if (wrk.quantiles.empty()) return Error{"wrk: no latency quantiles from the done script"};
  if (printed != wrk.errors) {
    return Error{"wrk: its own error lines disagree with the done script's counts"};
  }
  std::sort(wrk.quantiles.begin(), wrk.quantiles.end(),
            [](const Quantile& a, const Quantile& b) { return a.q < b.q; });
  return wrk;
}

WrkPopulation wrk_population(const WrkSummary& wrk) {
  const uint64_t timed_out = wrk.errors.timeout;
  return {wrk.requests - std::min(wrk.requests, timed_out), timed_out};
}

ServiceRun service_run_from_wrk(const std::string& name, const WrkSummary& wrk, double timeout_s) {
  ServiceRun run;
  run.name = name;
  const auto population = wrk_population(wrk);
  const auto answered = static_cast<double>(population.in_histogram);
  const double total = answered + static_cast<double>(population.timed_out);
  const auto at = [&](double q) {
    if (total == 0) return std::numeric_limits<double>::quiet_NaN();
    const double rank = q * total;
    if (rank > answered * (1 + 1e-12)) return timeout_s;
    // The done script printed the histogram at this shifted share too (see wrk_done_script).
    const double share = rank / answered;
    for (const auto& point : wrk.quantiles) {
      if (point.q >= share - 1e-9) return point.seconds;
    }
    return wrk.quantiles.empty() ? std::numeric_limits<double>::quiet_NaN()
                                 : wrk.quantiles.back().seconds;
  };
  for (const double q : cdf_quantiles()) run.cdf.push_back({q, at(q)});
  run.p50_s = at(0.5);
  run.p99_s = at(0.99);
  run.p999_s = at(0.999);
  run.requests_per_s = wrk.duration_s > 0 ? static_cast<double>(wrk.requests) / wrk.duration_s : 0;
  run.errors = wrk.errors;
  return run;
}

std::string wrk_done_script(uint64_t random_range_bytes) {
  std::ostringstream lua;
  if (random_range_bytes > 0) {
    const uint64_t chunk = 64ull * 1024ull;
    const uint64_t chunks = std::max<uint64_t>(1, random_range_bytes / chunk);
    lua << "math.randomseed(os.time())\n"
        << "request = function()\n"
        << "  local first = math.random(0, " << chunks - 1 << ") * " << chunk << "\n"
        << "  wrk.headers[\"Range\"] = \"bytes=\" .. first .. \"-\" .. (first + " << chunk - 1
        << ")\n"
        << "  return wrk.format(nil)\n"
        << "end\n";
  }
  lua << "done = function(summary, latency, requests)\n"
      << "  io.write(\"dwae-wrk requests \", summary.requests, \"\\n\")\n"
      << "  io.write(\"dwae-wrk duration_us \", summary.duration, \"\\n\")\n"
      << "  local e = summary.errors\n"
      << "  io.write(string.format(\"dwae-wrk errors connect %d read %d write %d status %d "
         "timeout %d\\n\", e.connect, e.read, e.write, e.status, e.timeout))\n"
      // As wrk_population(): the histogram holds at least requests - timeouts answers.
      << "  local answered = summary.requests - math.min(summary.requests, e.timeout)\n"
      << "  local total = answered + e.timeout\n"
      << "  local function write_q(p)\n"
      // wrk's percentile(100) answers 0; the maximum is latency.max.
      << "    local us = p >= 100 and latency.max or latency:percentile(p)\n"
      << "    io.write(string.format(\"dwae-wrk q %.17g %d\\n\", p, us))\n"
      << "  end\n"
      << "  for _, q in ipairs({";
  bool first = true;
  for (const double q : cdf_quantiles()) {
    lua << (first ? "" : ", ") << q * 100.0;
    first = false;
  }
  lua << "}) do\n"
      << "    write_q(q)\n"
      // Where service_run_from_wrk looks when the timeouts sit above the answered requests.
      << "    if e.timeout > 0 and answered > 0 and q * total <= 100 * answered then\n"
      << "      local shifted = q * total / answered\n"
      << "      if shifted ~= q then write_q(shifted) end\n"
      << "    end\n"
      << "  end\n"
      << "end\n";
  return lua.str();
}

Result<double> parse_stress_ng_rate(std::string_view text, std::string_view stressor) {
  // "stress-ng: metrc: [31894] cpu   542   1.93   0.35   0.01   281.19   1488.26"
  for (const auto line : lines_of(text)) {
    const auto w = words_of(line);
    if (w.size() != 10 || w[1] != "metrc:" || w[3] != stressor) continue;
    const auto rate = number(w[8]);
    if (!rate) return Error{"stress-ng: bad metrics line '" + std::string(line) + "'"};
    return *rate;
  }
  return Error{"stress-ng: no metrics line for stressor '" + std::string(stressor) + "'"};
}

Result<double> parse_fio_mib_per_s(std::string_view text) {
  // fio may print notes before the JSON document.
  const auto brace = text.find('{');
  if (brace == std::string_view::npos) return Error{"fio: no JSON output"};
  const json doc = json::parse(text.substr(brace), nullptr, false);
  if (doc.is_discarded() || !doc.contains("jobs") || !doc["jobs"].is_array() ||
      doc["jobs"].empty()) {
    return Error{"fio: JSON output without jobs"};
  }
  double bytes_per_s = 0;
  for (const auto& job : doc["jobs"]) {
    for (const char* dir : {"read", "write"}) {
      if (job.contains(dir) && job[dir].contains("bw_bytes") && job[dir]["bw_bytes"].is_number()) {
        bytes_per_s += job[dir]["bw_bytes"].get<double>();
      }
    }
  }
  return bytes_per_s / (1024.0 * 1024.0);
}

std::vector<WeightPoint> weights_from_audit(std::string_view text,
                                            std::chrono::system_clock::time_point load_start) {
  std::vector<WeightPoint> points;
  for (const auto line : lines_of(text)) {
    const json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    if (j.value("result", "") != "applied" || !j.contains("time") || !j.contains("new")) continue;
    const auto time = parse_wall_time(j.value("time", ""));
    if (!time) continue;
    const std::string value_text = j.value("new", "");
    double value = 0;
    if (value_text == "true") {
      value = 1;
    } else if (value_text == "false") {
      value = 0;
    } else if (const auto v = number(value_text)) {
      value = *v;
    } else {
      continue;  // "max" and other non-numbers have no place on a plot
    }
    WeightPoint point;
    point.t_s = std::chrono::duration<double>(*time - load_start).count();
    // The agent names a workload by its cgroup path; the report wants the tenant's name.
    point.workload = j.value("workload", "");
    if (const auto slash = point.workload.rfind('/'); slash != std::string::npos) {
      point.workload = point.workload.substr(slash + 1);
    }
    point.resource = j.value("resource", "");
    point.value = value;
    points.push_back(std::move(point));
  }
  return points;
}

}  // namespace dwae::bench
