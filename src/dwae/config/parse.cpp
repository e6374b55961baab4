// Step 1 of loading a config: YAML text -> raw IR (raw.h). Checks only shape and types: which
// keys exist, what type each value has, and units; ranges and references are validate.cpp's job.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

#include "dwae/common/strings.h"
#include "dwae/common/units.h"
#include "dwae/config/raw.h"

namespace dwae::config::detail {

std::string closest_match(std::string_view word, const std::vector<std::string_view>& candidates) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  const std::string needle = lower(word);
  std::string_view best;
  size_t best_distance = 3;  // suggest only within an edit distance of 2
  for (const auto candidate : candidates) {
    const size_t d = levenshtein(needle, lower(candidate));
    // A distance as large as the word itself means the two have nothing in common.
    if (d < best_distance && d < needle.size()) {
      best = candidate;
      best_distance = d;
    }
  }
  return std::string(best);
}

std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates) {
  const auto best = closest_match(word, candidates);
  return best.empty() ? std::string() : " (did you mean '" + best + "'?)";
}

namespace {

using Keys = std::vector<std::string_view>;

// An upper bound on how deeply the YAML text nests collections, found without parsing it, so
// that hostile input never reaches yaml-cpp's recursive descent. It over-counts on purpose
// (brackets inside quoted strings count too); real configs stay far below the limit.
int nesting_depth_upper_bound(std::string_view text) {
  int flow_depth = 0;
  int max_flow_depth = 0;
  for (const char c : text) {
    if (c == '[' || c == '{') {
      max_flow_depth = std::max(max_flow_depth, ++flow_depth);
    } else if ((c == ']' || c == '}') && flow_depth > 0) {
      --flow_depth;
    }
  }
  // Block nesting: one level per distinct open indentation, plus compact "- - x" or "? ? x"
  // indicators that open several levels on one line.
  std::vector<size_t> indents;
  int max_block_depth = 0;
  for (const auto line : split(text, '\n')) {
    size_t indent = 0;
    while (indent < line.size() && (line[indent] == ' ' || line[indent] == '\t')) ++indent;
    if (indent == line.size() || line[indent] == '#' || line[indent] == '\r') continue;
    while (!indents.empty() && indents.back() > indent) indents.pop_back();
    if (indents.empty() || indents.back() < indent) indents.push_back(indent);
    int indicators = 0;
    size_t i = indent;
    while (i < line.size() && (line[i] == '-' || line[i] == '?') &&
           (i + 1 == line.size() || line[i + 1] == ' ' || line[i + 1] == '\t')) {
      ++indicators;
      i += 2;
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    }
    max_block_depth = std::max(max_block_depth, static_cast<int>(indents.size()) + indicators + 1);
  }
  return max_flow_depth + max_block_depth;
}

Pos pos_of(const YAML::Mark& mark) {
  if (mark.is_null()) return {1, 1};
  return {mark.line + 1, mark.column + 1};
}
Pos pos_of(const YAML::Node& node) {
  return pos_of(node.Mark());
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

// Records where each YAML document starts, and nothing else.
class DocumentStarts : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// A config is one YAML document. Counting documents is done here with a bounded number of
// parser steps instead of YAML::LoadAll, which loops forever, allocating, on a stray token such
// as a ',' outside a flow collection (yaml-cpp issues #1040 and #1319): the parser then starts
// a new empty document at the same token again and again. False (reported) on any problem.
bool check_documents(std::string_view text, Problems& problems) {
  std::istringstream stream{std::string(text)};
  YAML::Parser parser(stream);
  DocumentStarts documents;
  while (documents.starts.size() < 3 && parser.HandleNextDocument(documents)) {
    const auto& starts = documents.starts;
    if (starts.size() >= 2 && starts[starts.size() - 1].pos == starts[starts.size() - 2].pos) {
      const auto at = starts.back();
      const bool printable = at.pos >= 0 && static_cast<size_t>(at.pos) < text.size() &&
                             std::isprint(static_cast<unsigned char>(text[at.pos]));
      problems.add(pos_of(at), printable ? "YAML syntax error: unexpected '" +
                                               std::string(1, text[at.pos]) + "'"
                                         : std::string("YAML syntax error: unexpected token"));
      return false;
    }
  }
  if (documents.starts.size() > 1) {
    problems.add(pos_of(documents.starts[1]), "config has more than one YAML document");
    return false;
  }
  return true;
}

bool is_integral(double v) {
  return std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 9.0e18;
}

// Walks the schema of one config document. Every method reports into `problems_` and fills
// what it could read; nothing here throws except yaml-cpp itself.
class Parser {
 public:
  explicit Parser(Problems& problems) : problems_(problems) {}

  RawConfig config(const YAML::Node& root) {
    RawConfig raw;
    raw.pos = pos_of(root);
    raw.agent.pos = raw.pos;
    raw.policy.pos = raw.pos;
    static const Keys kKeys{"agent", "policy", "classes", "workloads"};
    for_each_key(root, "the top level", kKeys,
                 [&](std::string_view key, const YAML::Node& k, const YAML::Node& v) {
                   if (key == "agent") {
                     if (section(k, v)) agent(v, raw.agent);
                   } else if (key == "policy") {
                     if (section(k, v)) policy(v, raw.policy);
                   } else if (key == "classes") {
                     for (const auto& item : list_of_mappings(k, v, "class"))
                       raw.classes.push_back(cls(item));
                   } else if (key == "workloads") {
                     for (const auto& item : list_of_mappings(k, v, "workload")) {
                       raw.workloads.push_back(workload(item));
                     }
                   }
                 });
    return raw;
  }

 private:
  // Calls on_key(name, key_node, value_node) for every key of `map` that is in `known`.
  // Reports keys that are not plain scalars, unknown keys (with a suggestion) and keys written
  // twice (the second is ignored).
  template <typename OnKey>
  void for_each_key(const YAML::Node& map, std::string_view where, const Keys& known,
                    OnKey&& on_key) {
    std::vector<std::pair<std::string, Pos>> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      // Copies: the iterator hands out a temporary pair, so references would dangle.
      const YAML::Node key_node = it->first;
      const YAML::Node value_node = it->second;
      if (!key_node.IsScalar()) {
        problems_.add(pos_of(key_node), "keys in " + std::string(where) +
                                            " must be plain names, not " + describe(key_node));
        continue;
      }
      const std::string& key = key_node.Scalar();
      const auto first = std::find_if(seen.begin(), seen.end(),
                                      [&](const auto& entry) { return entry.first == key; });
      if (first != seen.end()) {
        problems_.add(pos_of(key_node), "duplicate key '" + key + "' (first written at line " +
                                            std::to_string(first->second.line) + ")");
        continue;
      }
      seen.emplace_back(key, pos_of(key_node));
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        problems_.add(pos_of(key_node), "unknown key '" + key + "' in " + std::string(where) +
                                            did_you_mean(key, known));
        continue;
      }
      on_key(key, key_node, value_node);
    }
  }

  // A value that must be a mapping; null counts as an empty one. False (reported) otherwise.
  bool section(const YAML::Node& key, const YAML::Node& value) {
    if (value.IsMap() || value.IsNull()) return true;
    problems_.add(pos_of(value),
                  "'" + key.Scalar() + "' must be a mapping, not " + describe(value));
    return false;
  }

  // A value that must be a list of mappings; null counts as an empty list. Items that are not
  // mappings are reported and skipped.
  std::vector<YAML::Node> list_of_mappings(const YAML::Node& key, const YAML::Node& value,
                                           std::string_view item_name) {
    std::vector<YAML::Node> items;
    if (value.IsNull()) return items;
    if (!value.IsSequence()) {
      problems_.add(pos_of(value), "'" + key.Scalar() + "' must be a list, not " + describe(value));
      return items;
    }
    for (const auto& item : value) {
      if (item.IsMap()) {
        items.push_back(item);
      } else {
        problems_.add(pos_of(item), "each entry of '" + key.Scalar() + "' must be a " +
                                        std::string(item_name) + " mapping, not " + describe(item));
      }
    }
    return items;
  }

  // Marks `field` as written and returns the value's text when it is a scalar; otherwise
  // reports that `expected` was wanted and returns nullptr.
  template <typename T>
  const std::string* start(Field<T>& field, const YAML::Node& key, const YAML::Node& value,
                           std::string_view expected) {
    field.present = true;
    field.key_pos = pos_of(key);
    if (value.IsNull()) {
      // A missing value has no useful position of its own (yaml-cpp puts it on the next line).
      field.value_pos = field.key_pos;
      problems_.add(field.key_pos,
                    "'" + key.Scalar() + "' has no value (expected " + std::string(expected) + ")");
      return nullptr;
    }
    field.value_pos = pos_of(value);
    if (!value.IsScalar()) {
      problems_.add(field.value_pos, "'" + key.Scalar() + "' must be " + std::string(expected) +
                                         ", not " + describe(value));
      return nullptr;
    }
    return &value.Scalar();
  }

  void read(Field<std::string>& field, const YAML::Node& key, const YAML::Node& value) {
    if (const auto* text = start(field, key, value, "a string")) field.value = *text;
  }

  void read(Field<bool>& field, const YAML::Node& key, const YAML::Node& value) {
    const auto* text = start(field, key, value, "true or false");
    if (text == nullptr) return;
    if (*text == "true" || *text == "True" || *text == "TRUE") {
      field.value = true;
    } else if (*text == "false" || *text == "False" || *text == "FALSE") {
      field.value = false;
    } else {
      problems_.add(field.value_pos,
                    "'" + key.Scalar() + "' must be true or false, not '" + *text + "'");
    }
  }

  void read(Field<double>& field, const YAML::Node& key, const YAML::Node& value) {
    const auto* text = start(field, key, value, "a number");
    if (text == nullptr) return;
    field.value = parse_double(*text);
    if (!field.value) {
      problems_.add(field.value_pos,
                    "'" + key.Scalar() + "' must be a number, not '" + *text + "'");
    }
  }

  void read(Field<int64_t>& field, const YAML::Node& key, const YAML::Node& value) {
    const auto* text = start(field, key, value, "a whole number");
    if (text == nullptr) return;
    if (const auto i = parse_int64(*text)) {
      field.value = *i;
    } else if (const auto d = parse_double(*text); d && is_integral(*d)) {
      field.value = static_cast<int64_t>(*d);  // "100.0" or "1e3"
    } else {
      problems_.add(field.value_pos,
                    "'" + key.Scalar() + "' must be a whole number, not '" + *text + "'");
    }
  }

  void read(Field<uint64_t>& field, const YAML::Node& key, const YAML::Node& value) {
    const auto* text = start(field, key, value, "a size such as 512MiB");
    if (text == nullptr) return;
    auto bytes = parse_size(*text);
    if (bytes.ok()) {
      field.value = *bytes;
    } else {
      problems_.add(field.value_pos, "'" + key.Scalar() + "': " + bytes.error().message);
    }
  }

  void read(Field<Nanos>& field, const YAML::Node& key, const YAML::Node& value) {
    const auto* text = start(field, key, value, "a duration such as 200ms");
    if (text == nullptr) return;
    auto duration = parse_duration(*text);
    if (duration.ok()) {
      field.value = *duration;
    } else {
      problems_.add(field.value_pos, "'" + key.Scalar() + "': " + duration.error().message);
    }
  }

  void agent(const YAML::Node& node, RawAgent& out) {
    if (!node.IsNull()) out.pos = pos_of(node);
    static const Keys kKeys{"period",  "dry_run",         "cgroup_roots", "state_dir",
                            "journal", "metrics_address", "hysteresis",   "max_step"};
    for_each_key(node, "agent", kKeys,
                 [&](std::string_view key, const YAML::Node& k, const YAML::Node& v) {
                   if (key == "period") {
                     read(out.period, k, v);
                   } else if (key == "dry_run") {
                     read(out.dry_run, k, v);
                   } else if (key == "cgroup_roots") {
                     cgroup_roots(k, v, out.cgroup_roots);
                   } else if (key == "state_dir") {
                     read(out.state_dir, k, v);
                   } else if (key == "journal") {
                     read(out.journal, k, v);
                   } else if (key == "metrics_address") {
                     read(out.metrics_address, k, v);
                   } else if (key == "hysteresis") {
                     read(out.hysteresis, k, v);
                   } else if (key == "max_step") {
                     read(out.max_step, k, v);
                   }
                 });
  }

  void cgroup_roots(const YAML::Node& key, const YAML::Node& value,
                    Field<std::vector<Field<std::string>>>& out) {
    out.present = true;
    out.key_pos = pos_of(key);
    out.value_pos = value.IsNull() ? out.key_pos : pos_of(value);
    if (value.IsScalar()) {
      // A single path is accepted as a list of one.
      Field<std::string> root;
      read(root, key, value);
      out.value = {root};
      return;
    }
    if (!value.IsSequence()) {
      problems_.add(out.value_pos,
                    "'cgroup_roots' must be a list of paths, not " + describe(value));
      return;
    }
    out.value.emplace();
    for (const auto& item : value) {
      Field<std::string> root;
      root.present = true;
      root.key_pos = root.value_pos = pos_of(item);
      if (item.IsScalar()) {
        root.value = item.Scalar();
      } else {
        problems_.add(root.value_pos,
                      "each entry of 'cgroup_roots' must be a path, not " + describe(item));
      }
      out.value->push_back(root);
    }
  }

  void policy(const YAML::Node& node, RawPolicy& out) {
    if (!node.IsNull()) out.pos = pos_of(node);
    static const Keys kKeys{"name", "model"};
    for_each_key(node, "policy", kKeys,
                 [&](std::string_view key, const YAML::Node& k, const YAML::Node& v) {
                   read(key == "name" ? out.name : out.model, k, v);
                 });
  }

  RawClass cls(const YAML::Node& node) {
    RawClass out;
    out.pos = pos_of(node);
    static const Keys kKeys{"name", "kind", "priority", "sla", "bounds", "defaults"};
    for_each_key(node, "class", kKeys,
                 [&](std::string_view key, const YAML::Node& k, const YAML::Node& v) {
                   if (key == "name") {
                     read(out.name, k, v);
                   } else if (key == "kind") {
                     read(out.kind, k, v);
                   } else if (key == "priority") {
                     read(out.priority, k, v);
                   } else if (key == "sla") {
                     if (section(k, v)) out.sla = sla(v, pos_of(k));
                   } else if (key == "bounds") {
                     if (section(k, v)) out.bounds = bounds(v, pos_of(k));
                   } else if (key == "defaults") {
                     if (section(k, v)) out.defaults = settings(v, pos_of(k), "defaults");
                   }
                 });
    return out;
  }

  RawSla sla(const YAML::Node& node, Pos key_pos) {
    RawSla out;
    out.pos = node.IsNull() ? key_pos : pos_of(node);
    static const Keys kKeys{"p99_latency", "throughput_cv", "min_throughput"};
    for_each_key(node, "sla", kKeys,
                 [&](std::string_view key, const YAML::Node& k, const YAML::Node& v) {
                   if (key == "p99_latency") {
                     read(out.p99_latency, k, v);
                   } else {
                     read(key == "throughput_cv" ? out.throughput_cv : out.min_throughput, k, v);
                   }
                 });
    return out;
  }

  template <typename T>
  std::optional<RawRange<T>> range(const YAML::Node& key, const YAML::Node& value) {
    if (!section(key, value)) return std::nullopt;
    RawRange<T> out;
    out.pos = value.IsNull() ? pos_of(key) : pos_of(value);
    static const Keys kKeys{"min", "max"};
    for_each_key(value, "bounds." + key.Scalar(), kKeys,
                 [&](std::string_view name, const YAML::Node& k, const YAML::Node& v) {
                   read(name == "min" ? out.min : out.max, k, v);
                 });
    return out;
  }

  RawBounds bounds(const YAML::Node& node, Pos key_pos) {
    RawBounds out;
    out.pos = node.IsNull() ? key_pos : pos_of(node);
    static const Keys kKeys{"cpu_weight",  "cpu_quota", "memory_low",
                            "memory_high", "io_weight", "net_share"};
    for_each_key(node, "bounds", kKeys,
                 [&](std::string_view key, const YAML::Node& k, const YAML::Node& v) {
                   if (key == "cpu_weight") {
                     out.cpu_weight = range<int64_t>(k, v);
                   } else if (key == "cpu_quota") {
                     out.cpu_quota = range<double>(k, v);
                   } else if (key == "memory_low") {
                     out.memory_low = range<uint64_t>(k, v);
                   } else if (key == "memory_high") {
                     out.memory_high = range<uint64_t>(k, v);
                   } else if (key == "io_weight") {
                     out.io_weight = range<int64_t>(k, v);
                   } else if (key == "net_share") {
                     out.net_share = range<double>(k, v);
                   }
                 });
    return out;
  }

  RawSettings settings(const YAML::Node& node, Pos key_pos, std::string_view where) {
    RawSettings out;
    out.pos = node.IsNull() ? key_pos : pos_of(node);
    static const Keys kKeys{"cpu_weight", "cpu_quota",   "cpu_idle",
                            "memory_low", "memory_high", "io_weight"};
    for_each_key(node, where, kKeys,
                 [&](std::string_view key, const YAML::Node& k, const YAML::Node& v) {
                   if (key == "cpu_weight") {
                     read(out.cpu_weight, k, v);
                   } else if (key == "cpu_quota") {
                     read(out.cpu_quota, k, v);
                   } else if (key == "cpu_idle") {
                     read(out.cpu_idle, k, v);
                   } else if (key == "memory_low") {
                     read(out.memory_low, k, v);
                   } else if (key == "memory_high") {
                     read(out.memory_high, k, v);
                   } else if (key == "io_weight") {
                     read(out.io_weight, k, v);
                   }
                 });
    return out;
  }

  RawWorkload workload(const YAML::Node& node) {
    RawWorkload out;
    out.pos = pos_of(node);
    static const Keys kKeys{"name", "class", "match", "settings"};
    for_each_key(node, "workload", kKeys,
                 [&](std::string_view key, const YAML::Node& k, const YAML::Node& v) {
                   if (key == "name") {
                     read(out.name, k, v);
                   } else if (key == "class") {
                     read(out.class_name, k, v);
                   } else if (key == "match") {
                     out.match.present = true;
                     out.match.key_pos = pos_of(k);
                     out.match.value_pos = v.IsNull() ? out.match.key_pos : pos_of(v);
                     if (section(k, v)) out.match.value = match(v, out.match.value_pos);
                   } else if (key == "settings") {
                     if (section(k, v)) out.settings = settings(v, pos_of(k), "settings");
                   }
                 });
    return out;
  }

  RawMatch match(const YAML::Node& node, Pos pos) {
    RawMatch out;
    out.pos = pos;
    static const Keys kKeys{"cgroup", "systemd_unit", "libvirt_domain", "kubernetes"};
    for_each_key(node, "match", kKeys,
                 [&](std::string_view key, const YAML::Node& k, const YAML::Node& v) {
                   if (key == "cgroup") {
                     read(out.cgroup, k, v);
                   } else if (key == "systemd_unit") {
                     read(out.systemd_unit, k, v);
                   } else if (key == "libvirt_domain") {
                     read(out.libvirt_domain, k, v);
                   } else if (key == "kubernetes") {
                     out.kubernetes.present = true;
                     out.kubernetes.key_pos = pos_of(k);
                     out.kubernetes.value_pos = v.IsNull() ? out.kubernetes.key_pos : pos_of(v);
                     if (section(k, v))
                       out.kubernetes.value = kubernetes(v, out.kubernetes.value_pos);
                   }
                 });
    return out;
  }

  RawKubernetesMatch kubernetes(const YAML::Node& node, Pos pos) {
    RawKubernetesMatch out;
    out.pos = pos;
    static const Keys kKeys{"qos", "pod"};
    for_each_key(node, "kubernetes", kKeys,
                 [&](std::string_view key, const YAML::Node& k, const YAML::Node& v) {
                   read(key == "qos" ? out.qos : out.pod, k, v);
                 });
    return out;
  }

  Problems& problems_;
};

}  // namespace

std::optional<RawConfig> parse_config(std::string_view text, Problems& problems) {
  if (text.size() > kMaxConfigBytes) {
    problems.add({1, 1}, "config is " + std::to_string(text.size()) +
                             " bytes; the limit is 1 MiB (1048576 bytes)");
    return std::nullopt;
  }
  if (nesting_depth_upper_bound(text) > kMaxNestingDepth) {
    problems.add({1, 1}, "config nests too deeply (more than " + std::to_string(kMaxNestingDepth) +
                             " levels)");
    return std::nullopt;
  }
  // yaml-cpp reports problems by throwing; this is the edge where exceptions become values.
  try {
    if (!check_documents(text, problems)) return std::nullopt;
    const YAML::Node root = YAML::Load(std::string(text));
    if (root.IsNull()) {
      problems.add({1, 1},
                   "config is empty; expected a mapping with keys such as 'agent', "
                   "'policy', 'classes' and 'workloads'");
      return std::nullopt;
    }
    if (!root.IsMap()) {
      problems.add(pos_of(root),
                   "the top level of a config must be a mapping, not " + describe(root));
      return std::nullopt;
    }
    return Parser(problems).config(root);
  } catch (const YAML::Exception& e) {
    problems.add(pos_of(e.mark), "YAML syntax error: " + e.msg);
  } catch (const std::exception& e) {
    problems.add({1, 1}, std::string("cannot parse config: ") + e.what());
  }
  return std::nullopt;
}

}  // namespace dwae::config::detail
