#include "dwae/bench/report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "dwae/bench/results_json.h"
#include "support/temp_dir.h"

namespace dwae::bench {
namespace {

ServiceRun service(std::string name, double p99_s) {
  ServiceRun s;
  s.name = std::move(name);
  s.p50_s = p99_s / 4;
  s.p99_s = p99_s;
  s.p999_s = p99_s * 2;
  s.requests_per_s = 1000;
  s.cdf = {{0.5, s.p50_s}, {0.99, s.p99_s}, {0.999, s.p999_s}, {1.0, s.p999_s * 1.5}};
  return s;
}

BenchResults sample_results() {
  BenchResults r;
  r.host = "testhost, 2 cores, 6.1.0";
  r.started_utc = "2026-11-26T12:00:00Z";
  r.short_mode = true;
  r.scenarios = {"steady-1to4"};
  r.controllers = {Controller::none, Controller::static_best, Controller::feedback};
  r.repetitions = 2;
  r.alone.push_back({"steady-1to4", {service("redis", 0.0003)}});
  for (int rep = 0; rep < 2; ++rep) {
    for (auto c : r.controllers) {
      Run run;
      run.scenario = "steady-1to4";
      run.controller = c;
      run.repetition = rep;
      run.duration_s = 10.5;
      run.services.push_back(
          service("redis", c == Controller::none ? 0.004 : 0.00033 + rep * 1e-5));
      run.best_effort.push_back(
          {"stress-ng-cpu", c == Controller::none ? 4000.0 : 3600.0 + rep, "bogo-ops/s"});
      if (c == Controller::feedback) {
        run.weights.push_back({0.0, "redis", "cpu.weight", 100});
        run.weights.push_back({1.25, "redis", "cpu.weight", 800});
        run.weights.push_back({1.25, "hogs", "cpu.weight", 10});
      }
      r.runs.push_back(std::move(run));
    }
  }
  return r;
}

TEST(ResultsJson, RoundTripKeepsEveryField) {
  const BenchResults original = sample_results();
  const std::string text = results_to_json(original);
  auto back = results_from_json(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(results_to_json(*back), text);
  EXPECT_EQ(back->host, original.host);
  EXPECT_TRUE(back->short_mode);
  ASSERT_EQ(back->runs.size(), original.runs.size());
  EXPECT_EQ(back->runs[2].controller, Controller::feedback);
  EXPECT_EQ(back->runs[3].repetition, 1);
  EXPECT_DOUBLE_EQ(back->runs[4].services[0].p99_s, original.runs[4].services[0].p99_s);
  ASSERT_EQ(back->runs[2].weights.size(), 3u);
  EXPECT_EQ(back->runs[2].weights[2].workload, "hogs");
  EXPECT_DOUBLE_EQ(back->runs[2].weights[1].t_s, 1.25);
  ASSERT_EQ(back->alone.size(), 1u);
  EXPECT_EQ(back->alone[0].services[0].cdf.size(), 4u);
  EXPECT_EQ(back->runs[0].best_effort[0].unit, "bogo-ops/s");
}

TEST(ResultsJson, NonFiniteNumbersComeBackAsNaN) {
  BenchResults r = sample_results();
  r.runs[0].services[0].p99_s = std::nan("");
  auto back = results_from_json(results_to_json(r));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(std::isnan(back->runs[0].services[0].p99_s));
}

TEST(ResultsJson, BadFilesSayWhatIsWrong) {
  auto expect_error = [](const std::string& text, const std::string& part) {
    auto r = results_from_json(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.error().message.find(part), std::string::npos) << r.error().message;
  };
  expect_error("{not json", "not valid JSON");
  expect_error("[1, 2]", "object");
  expect_error(R"({"version": 1})", "not a dwae bench results file");
  expect_error(R"({"format": "dwae-bench-results", "version": 99})", "version 99");
  expect_error(R"({"format": "dwae-bench-results"})", "version");

  std::string good = results_to_json(sample_results());
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string t = good;
    const auto at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    t.replace(at, from.size(), to);
    return t;
  };
  expect_error(replace("\"controller\": \"feedback\"", "\"controller\": \"pid\""),
               "runs[2].controller: unknown controller 'pid'");
  expect_error(replace("\"p99_s\": 0.004", "\"p99_s\": \"slow\""),
               "runs[0].services[0].p99_s: expected a number");
  expect_error(replace("\"repetitions\": 2", "\"repetitionz\": 2"), "repetitions: missing");
}

// Integers are range-checked before they are converted: 4294967297 is not read as 1.
TEST(ResultsJson, IntegersOutOfRangeAreRefused) {
  auto expect_error = [](const std::string& text, const std::string& part) {
    auto r = results_from_json(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.error().message.find(part), std::string::npos) << r.error().message;
  };
  const std::string good = results_to_json(sample_results());
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string t = good;
    const auto at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    t.replace(at, from.size(), to);
    return t;
  };
  for (const std::string version : {"4294967297", "-4294967295", "18446744073709551615"}) {
    expect_error(replace("\"version\": 1", "\"version\": " + version),
                 "version " + version + " is not supported");
  }
  for (const std::string version : {"1.0", "18446744073709551617"}) {  // JSON reals
    expect_error(replace("\"version\": 1", "\"version\": " + version), "not an integer");
  }
  expect_error(replace("\"repetitions\": 2", "\"repetitions\": 4294967298"),
               "repetitions: 4294967298 is out of range (1 .. 100)");
  expect_error(replace("\"repetitions\": 2", "\"repetitions\": -5"),
               "repetitions: -5 is out of range");
  expect_error(replace("\"repetitions\": 2", "\"repetitions\": 0"),
               "repetitions: 0 is out of range");
  expect_error(replace("\"repetition\": 1", "\"repetition\": 4294967297"),
               "repetition: 4294967297 is out of range (0 .. 1)");
  expect_error(replace("\"repetition\": 0", "\"repetition\": -2147483648"),
               "runs[0].repetition: -2147483648 is out of range (0 .. 1)");
  expect_error(replace("\"repetition\": 1", "\"repetition\": 2"),
               "repetition: 2 is out of range (0 .. 1)");
  expect_error(replace("\"repetition\": 1", "\"repetition\": 18446744073709551615"),
               "is out of range");
}

// Each listed controller and scenario costs a simulator run when re-reported: each is listed
// once.
TEST(ResultsJson, ControllersAndScenariosListedTwiceAreRefused) {
  BenchResults r = sample_results();
  r.controllers.push_back(Controller::none);
  auto back = results_from_json(results_to_json(r));
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.error().message.find("controllers[3]: controller 'none' is listed twice"),
            std::string::npos)
      << back.error().message;

  r = sample_results();
  r.scenarios.push_back("steady-1to4");
  back = results_from_json(results_to_json(r));
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.error().message.find("scenarios[1]: scenario 'steady-1to4' is listed twice"),
            std::string::npos)
      << back.error().message;
}

// Failed requests travel with their service, alone and in runs, up to the largest count.
TEST(ResultsJson, ErrorCountsRoundTrip) {
  BenchResults r = sample_results();
  r.runs[1].services[0].errors = {1, 2, 3, 4, 5};
  r.alone[0].services[0].errors.timeout = std::numeric_limits<uint64_t>::max();
  const std::string text = results_to_json(r);
  auto back = results_from_json(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->runs[1].services[0].errors, (RequestErrors{1, 2, 3, 4, 5}));
  EXPECT_EQ(back->alone[0].services[0].errors.timeout, std::numeric_limits<uint64_t>::max());
  EXPECT_FALSE(back->runs[0].services[0].errors.any());
  EXPECT_EQ(results_to_json(*back), text);
  // Written only where there were errors: the two services with some.
  size_t written = 0;
  for (auto at = text.find("\"errors\""); at != std::string::npos;
       at = text.find("\"errors\"", at + 1)) {
    ++written;
  }
  EXPECT_EQ(written, 2u) << text;
}

// Counts are whole numbers, 0 or more, every kind named; each wrong one is refused, saying where.
TEST(ResultsJson, BadErrorCountsAreRefused) {
  BenchResults r = sample_results();
  r.runs[0].services[0].errors = {1, 2, 3, 4, 5};
  const std::string good = results_to_json(r);
  const std::string key = "\"timeout\": 5";
  ASSERT_NE(good.find(key), std::string::npos) << good;
  auto expect_error = [&](const std::string& to, const std::string& part) {
    std::string text = good;
    text.replace(text.find(key), key.size(), to);
    auto back = results_from_json(text);
    ASSERT_FALSE(back.ok()) << to;
    EXPECT_NE(back.error().message.find(part), std::string::npos) << back.error().message;
  };
  expect_error("\"timeout\": -5", "runs[0].services[0].errors.timeout: -5 is not a count");
  expect_error("\"timeout\": 5.5", "runs[0].services[0].errors.timeout: expected a count");
  expect_error("\"timeout\": 18446744073709551616", "errors.timeout: expected a count");
  expect_error("\"timeout\": \"5\"", "errors.timeout: expected a count");
  expect_error("\"timeoutz\": 5", "runs[0].services[0].errors.timeout: missing");
  std::string text = good;
  const std::string object = "\"errors\": {";
  ASSERT_NE(text.find(object), std::string::npos);
  text.replace(text.find(object), object.size(), "\"errors\": 3, \"was\": {");
  auto back = results_from_json(text);
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.error().message.find("runs[0].services[0].errors: expected an object"),
            std::string::npos)
      << back.error().message;
}

// The results the report of 2026-11-26 was made from.
std::string published_text() {
  return test::read_text(std::string(DWAE_SOURCE_DIR) + "/docs/bench/2026-11-26/results.json");
}
BenchResults published() {
  auto results = results_from_json(published_text());
  if (!results.ok()) ADD_FAILURE() << results.error().message;
  return results.ok() ? *results : BenchResults{};
}

// They were written before the error counts were kept: they read as no errors, and are written
// again as they are, so a report made from them again is the same.
TEST(ResultsJson, AFileWithoutErrorCountsReadsAsNone) {
  const std::string text = published_text();
  ASSERT_EQ(text.find("\"errors\""), std::string::npos);
  auto results = results_from_json(text);
  ASSERT_TRUE(results.ok()) << results.error().message;
  ASSERT_FALSE(results->runs.empty());
  size_t services = 0;
  for (const auto& run : results->runs) {
    for (const auto& s : run.services) {
      EXPECT_EQ(s.errors, RequestErrors{}) << run.scenario << " " << s.name;
      ++services;
    }
  }
  for (const auto& alone : results->alone) {
    for (const auto& s : alone.services) EXPECT_EQ(s.errors, RequestErrors{}) << s.name;
  }
  EXPECT_GT(services, 0u);
  // Compared without gtest's diff of two 1 MB strings, which takes minutes.
  const std::string written = results_to_json(*results);
  const auto differ = std::mismatch(written.begin(), written.end(), text.begin(), text.end());
  EXPECT_TRUE(written == text) << "first difference at byte " << (differ.first - written.begin())
                               << ": \""
                               << written.substr(
                                      static_cast<size_t>(differ.first - written.begin()), 80)
                               << "\"";
}

// The published results with one thing changed: each is refused, saying what.
TEST(ResultsJson, DuplicatesAreRefused) {
  // Every run listed twice: 6 "repetitions" of 3.
  BenchResults r = published();
  ASSERT_EQ(r.runs.size(), 90u);
  const std::vector<dwae::bench::Run> once = r.runs;
  r.runs.insert(r.runs.end(), once.begin(), once.end());
  auto runs = results_from_json(results_to_json(r));
  ASSERT_FALSE(runs.ok());
  EXPECT_NE(runs.error().message.find("runs[90]: run (steady-1to4, none, repetition 0) is listed "
                                      "twice (first: runs[0])"),
            std::string::npos)
      << runs.error().message;
  // A second alone entry for a scenario would replace the first.
  r = published();
  r.alone.push_back(r.alone[0]);
  r.alone.back().services[0].p99_s = 1.0;
  auto alone = results_from_json(results_to_json(r));
  ASSERT_FALSE(alone.ok());
  EXPECT_NE(alone.error().message.find("has a second alone entry"), std::string::npos)
      << alone.error().message;
  // "repetitions": 3, "repetitions": 50 in one object.
  std::string text = published_text();
  const std::string key = "\"repetitions\": 3";
  ASSERT_NE(text.find(key), std::string::npos);
  text.replace(text.find(key), key.size(), key + ", \"repetitions\": 50");
  auto keys = results_from_json(text);
  ASSERT_FALSE(keys.ok());
  EXPECT_NE(keys.error().message.find("key \"repetitions\" appears twice"), std::string::npos)
      << keys.error().message;
  // The same keys in different objects are fine.
  EXPECT_TRUE(results_from_json(results_to_json(sample_results())).ok());
}

// 1e308 s divided by a 0.8 ms alone P99 overflows to infinity, which the report prints as "no
// answer": such a value is refused instead, as are negative latencies.
TEST(ResultsJson, AbsurdLatenciesAreRefused) {
  BenchResults published_huge = published();
  published_huge.runs[0].services[0].p99_s = 1e308;
  auto huge = results_from_json(results_to_json(published_huge));
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.error().message.find("runs[0].services[0].p99_s: "), std::string::npos)
      << huge.error().message;
  EXPECT_NE(huge.error().message.find("is not a latency in seconds (0 .. 86400"), std::string::npos)
      << huge.error().message;
  BenchResults r = sample_results();
  r.alone[0].services[0].cdf[1].seconds = -0.001;
  auto negative = results_from_json(results_to_json(r));
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.error().message.find("alone[0].services[0].cdf[1]: -0.001 is not a latency"),
            std::string::npos)
      << negative.error().message;
}

ReportOptions with_source_twins() {
  ReportOptions o;
  o.sim.scenarios_dir = std::string(DWAE_SOURCE_DIR) + "/scenarios/bench";
  o.sim.model_path = std::string(DWAE_SOURCE_DIR) + "/models/default.policy";
  o.sim.duration = std::chrono::seconds(2);
  return o;
}

TEST(Report, WritesFilesAndReadsResultsBack) {
  test::TempDir dir;
  const auto out = std::filesystem::path(dir.path()) / "report";
  auto files = write_report(sample_results(), out, with_source_twins());
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_TRUE(std::filesystem::exists(files->markdown));
  EXPECT_TRUE(std::filesystem::exists(files->json));
  for (const auto& plot : files->plots) EXPECT_TRUE(std::filesystem::exists(plot)) << plot;
  auto back = read_results_json(files->json);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(results_to_json(*back), results_to_json(sample_results()));
}

TEST(Report, MarkdownHasGoalResultsPlotsAndSimulator) {
  test::TempDir dir;
  auto files = write_report(sample_results(), dir.path(), with_source_twins());
  ASSERT_TRUE(files.ok()) << files.error().message;
  // One CDF for redis, one settings plot for the resource feedback changed.
  ASSERT_EQ(files->plots.size(), 2u);
  EXPECT_EQ(files->plots[0].filename(), "cdf-steady-1to4-redis.svg");
  EXPECT_EQ(files->plots[1].filename(), "settings-steady-1to4-feedback-cpu.weight.svg");
  const std::string md = test::read_text(files->markdown.string());
  for (const char* part :
       {"# DWAE real-host benchmark", "## Goal", "| steady-1to4 (goal) |", "## Results",
        "### steady-1to4", "## Simulator versus real", "## Definitions",
        "(plots/cdf-steady-1to4-redis.svg)", "(plots/settings-steady-1to4-feedback-cpu.weight.svg)",
        "- **steady-1to4**, feedback: meets the goal",
        "At 1:4 oversubscription (steady-1to4): met by static-best, feedback; missed by none."}) {
    EXPECT_NE(md.find(part), std::string::npos) << part << "\n" << md;
  }
  // feedback: P99 1.10x (rep 0) and 1.13x (rep 1) of 0.3 ms alone, 90 % of none's work.
  EXPECT_NE(md.find("| steady-1to4 | feedback | 2 | 1.12x (1.10-1.13) | 90 % (90-90) |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| steady-1to4 | none | 2 | 13.3x |"), std::string::npos) << md;
}

// Without the alone P99 (or the none throughput) there is no score to compare: the goal has no
// verdict and no "against none" verdict rests on the remaining half of a score.
TEST(Report, AMissingReferenceGivesNoComparison) {
  BenchResults r = sample_results();
  r.alone[0].services[0].p99_s = 0;
  std::string md = render_markdown(r, {}, {});
  EXPECT_NE(md.find("- **steady-1to4**, feedback: no verdict (missing alone or none "
                    "measurements); isolation score n/a, no comparison with none (no score), no "
                    "comparison with static-best (no score)."),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("against none"), std::string::npos) << md;

  r = sample_results();
  for (auto& run : r.runs) {
    if (run.controller == Controller::none) run.best_effort[0].work_per_s = std::nan("");
  }
  md = render_markdown(r, {}, {});
  EXPECT_NE(md.find("no comparison with none (no score)"), std::string::npos) << md;
  EXPECT_EQ(md.find("against none"), std::string::npos) << md;
  // With both references the comparison is there.
  md = render_markdown(sample_results(), {}, {});
  EXPECT_NE(md.find("feedback: meets the goal"), std::string::npos) << md;
  EXPECT_NE(md.find(", against none: better"), std::string::npos) << md;
}

// Failed requests are listed under their scenario's table, per service alone and per controller,
// summed over the repetitions; without any there is no such list.
TEST(Report, FailedRequestsAreListedOnlyWhenThereAreAny) {
  const std::string clean = render_markdown(sample_results(), {}, {});
  EXPECT_EQ(clean.find("Failed requests"), std::string::npos) << clean;

  BenchResults r = sample_results();
  r.alone[0].services[0].errors.timeout = 1;
  for (auto& run : r.runs) {
    if (run.controller == Controller::none) run.services[0].errors = {0, 3, 0, 10, 2};
    if (run.controller == Controller::feedback && run.repetition == 1) {
      run.services[0].errors.connect = 7;
    }
  }
  const std::string md = render_markdown(r, {}, {});
  const std::string list =
      "Failed requests (wrk's counts, summed over the runs; a timeout counts in the latencies "
      "above as a request that took 2 s):\n\n"
      "- redis alone: 1 timeout\n"
      "- redis under none: 6 read errors, 20 answers with HTTP status >= 400, 4 timeouts (in 2 "
      "of 2 runs)\n"
      "- redis under feedback: 7 connect errors (in 1 of 2 runs)\n\n";
  const auto at = md.find(list);
  ASSERT_NE(at, std::string::npos) << md;
  // Under the scenario's table, before the next section.
  EXPECT_GT(at, md.find("| controller |"));
  EXPECT_LT(at, md.find("## Definitions"));
  EXPECT_EQ(md.find("redis under static-best"), std::string::npos) << md;
}

TEST(Report, WithoutATwinTheSimulatorSectionSaysSo) {
  test::TempDir dir;
  BenchResults r = sample_results();
  for (auto& run : r.runs) run.scenario = "custom";
  r.scenarios = {"custom"};
  r.alone[0].scenario = "custom";
  auto files = write_report(r, dir.path(), with_source_twins());
  ASSERT_TRUE(files.ok()) << files.error().message;
  const std::string md = test::read_text(files->markdown.string());
  EXPECT_NE(md.find("| custom | not comparable |"), std::string::npos) << md;
  EXPECT_NE(md.find("no simulator twin"), std::string::npos) << md;
}

TEST(Report, AnUnwritableDirectoryIsAnError) {
  test::TempDir dir;
  dir.write("file", "not a directory");
  ReportOptions o = with_source_twins();
  o.compare_with_simulator = false;
  auto files =
      write_report(sample_results(), std::filesystem::path(dir.path()) / "file" / "out", o);
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.error().message.find("cannot create"), std::string::npos)
      << files.error().message;
}

TEST(Report, ReadingAMissingOrBrokenFileNamesIt) {
  test::TempDir dir;
  auto missing = read_results_json(std::filesystem::path(dir.path()) / "nope.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("nope.json"), std::string::npos);
  dir.write("broken.json", "{\"format\": \"dwae-bench-results\", \"version\": 1}");
  auto broken = read_results_json(std::filesystem::path(dir.path()) / "broken.json");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("broken.json"), std::string::npos);
  EXPECT_NE(broken.error().message.find("host: missing"), std::string::npos)
      << broken.error().message;
}

}  // namespace
}  // namespace dwae::bench
