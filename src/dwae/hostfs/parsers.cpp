// Implementation of parsers.h: hand-written scanners over std::string_view (no regex, no
// streams), because the reader runs them for every cgroup on every tick.
#include "dwae/hostfs/parsers.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <limits>

#include "dwae/common/strings.h"

namespace dwae::hostfs {
namespace {

// Walks the lines of a file and numbers them from 1, so errors can say where they are.
class Lines {
 public:
  explicit Lines(std::string_view text) : rest_(text) {}

  // Moves to the next line that is not blank; `line` is trimmed. False at the end of the text.
  bool next(std::string_view& line) {
    while (!done_) {
      const auto newline = rest_.find('\n');
      raw_ = rest_.substr(0, newline);
      if (newline == std::string_view::npos) {
        done_ = true;
      } else {
        rest_.remove_prefix(newline + 1);
      }
      ++number_;
      line = trim(raw_);
      if (!line.empty()) return true;
    }
    return false;
  }
  // The current line before trimming.
  std::string_view raw() const { return raw_; }
  size_t number() const { return number_; }

 private:
  std::string_view rest_;
  std::string_view raw_;
  size_t number_ = 0;
  bool done_ = false;
};

// Splits a line into fields separated by runs of spaces and tabs, without allocating.
class Fields {
 public:
  explicit Fields(std::string_view line) : rest_(line) {}

  bool next(std::string_view& field) {
    skip_blanks();
    if (rest_.empty()) return false;
    size_t end = 0;
    while (end < rest_.size() && !is_blank(rest_[end])) ++end;
    field = rest_.substr(0, end);
    rest_.remove_prefix(end);
    return true;
  }
  bool at_end() {
    skip_blanks();
    return rest_.empty();
  }

 private:
  static bool is_blank(char c) { return c == ' ' || c == '\t'; }
  void skip_blanks() {
    while (!rest_.empty() && is_blank(rest_.front())) rest_.remove_prefix(1);
  }

  std::string_view rest_;
};

// Takes the text up to the next `sep` (or the end) off the front of `rest`. False when `rest`
// was already used up. Unlike Fields, empty pieces are kept, which mountinfo needs.
bool next_piece(std::string_view& rest, char sep, std::string_view& piece, bool& exhausted) {
  if (exhausted) return false;
  const auto pos = rest.find(sep);
  piece = rest.substr(0, pos);
  if (pos == std::string_view::npos) {
    exhausted = true;
    rest = {};
  } else {
    rest.remove_prefix(pos + 1);
  }
  return true;
}

// Shows at most this much of an offending line in an error message.
constexpr size_t kExcerptChars = 60;

void append_excerpt(std::string& out, std::string_view text) {
  out += '\'';
  const size_t n = std::min(text.size(), kExcerptChars);
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  if (text.size() > n) out += "...";
  out += '\'';
}

// "<file>: <what>: '<text>'"
Error value_error(std::string_view file, std::string_view what, std::string_view text) {
  std::string message;
  message.reserve(file.size() + what.size() + kExcerptChars + 16);
  message += file;
  message += ": ";
  message += what;
  message += ": ";
  append_excerpt(message, text);
  return Error{std::move(message)};
}

// "<file> line <n>: <what>: '<line>'"
Error line_error(std::string_view file, size_t line_number, std::string_view what,
                 std::string_view line) {
  std::string message;
  message.reserve(file.size() + what.size() + kExcerptChars + 32);
  message += file;
  message += " line ";
  message += std::to_string(line_number);
  message += ": ";
  message += what;
  message += ": ";
  append_excerpt(message, line);
  return Error{std::move(message)};
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Plain decimal digits only: parse_uint64 also accepts "+5" and surrounding blanks, which no
// kernel prints inside device numbers or cpu lists.
std::optional<uint32_t> parse_digits_u32(std::string_view s) {
  if (!all_digits(s)) return std::nullopt;
  uint32_t value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

std::optional<uint32_t> parse_u32(std::string_view s) {
  const auto value = parse_uint64(s);
  if (!value || *value > std::numeric_limits<uint32_t>::max()) return std::nullopt;
  return static_cast<uint32_t>(*value);
}

std::optional<int32_t> parse_i32(std::string_view s) {
  const auto value = parse_int64(s);
  if (!value || *value < std::numeric_limits<int32_t>::min() ||
      *value > std::numeric_limits<int32_t>::max()) {
    return std::nullopt;
  }
  return static_cast<int32_t>(*value);
}

// A number or "max" (kUnlimited), as io.max and cpu.max write them.
std::optional<uint64_t> parse_u64_or_max_token(std::string_view s) {
  if (s == "max") return kUnlimited;
  return parse_uint64(s);
}

// Splits "key=value"; false when there is no '=' or the key is empty.
bool split_key_value(std::string_view field, std::string_view& key, std::string_view& value) {
  const auto eq = field.find('=');
  if (eq == std::string_view::npos || eq == 0) return false;
  key = field.substr(0, eq);
  value = field.substr(eq + 1);
  return true;
}

std::optional<DeviceId> parse_device_token(std::string_view s) {
  const auto colon = s.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto major = parse_digits_u32(s.substr(0, colon));
  const auto minor = parse_digits_u32(s.substr(colon + 1));
  if (!major || !minor) return std::nullopt;
  return DeviceId{*major, *minor};
}

// Returns the entry for `device`, appending one when it is new. Devices are few (a handful of
// disks), so a linear scan beats a map.
template <typename Entry>
Entry& entry_for(std::vector<Entry>& entries, DeviceId device) {
  for (auto& entry : entries) {
    if (entry.device == device) return entry;
  }
  Entry& added = entries.emplace_back();
  added.device = device;
  return added;
}

// Fills one PSI line's fields from "avg10=.. avg60=.. avg300=.. total=.."; returns what is wrong,
// or an empty view on success. Unknown keys are skipped so that new kernel fields do not break us.
std::string_view parse_pressure_fields(Fields& fields, PressureLine& out) {
  bool seen_avg10 = false, seen_avg60 = false, seen_avg300 = false, seen_total = false;
  std::string_view field, key, value;
  while (fields.next(field)) {
    if (!split_key_value(field, key, value)) return "expected key=value";
    if (key == "total") {
      const auto total = parse_uint64(value);
      if (!total) return "bad total";
      out.total_us = *total;
      seen_total = true;
      continue;
    }
    double* target = nullptr;
    if (key == "avg10") {
      target = &out.avg10;
      seen_avg10 = true;
    } else if (key == "avg60") {
      target = &out.avg60;
      seen_avg60 = true;
    } else if (key == "avg300") {
      target = &out.avg300;
      seen_avg300 = true;
    } else {
      continue;
    }
    const auto avg = parse_double(value);
    if (!avg || *avg < 0) return "bad average";
    *target = *avg;
  }
  if (!seen_avg10 || !seen_avg60 || !seen_avg300 || !seen_total) {
    return "missing one of avg10, avg60, avg300, total";
  }
  return {};
}

// blkio v1 operation names; Sync, Async and the per-device Total restate Read/Write/Discard.
enum class BlkioOp { kRead, kWrite, kDiscard, kRedundant, kUnknown };

BlkioOp blkio_op(std::string_view name) {
  if (name == "Read") return BlkioOp::kRead;
  if (name == "Write") return BlkioOp::kWrite;
  if (name == "Discard") return BlkioOp::kDiscard;
  if (name == "Sync" || name == "Async" || name == "Total") return BlkioOp::kRedundant;
  return BlkioOp::kUnknown;
}

// io.weight allows 1..10000 (bfq 1..1000); anything else is not a weight file.
constexpr uint32_t kMinIoWeight = 1;
constexpr uint32_t kMaxIoWeight = 10000;

std::optional<uint32_t> parse_io_weight_token(std::string_view s) {
  const auto weight = parse_u32(s);
  if (!weight || *weight < kMinIoWeight || *weight > kMaxIoWeight) return std::nullopt;
  return weight;
}

// Highest cpu (or NUMA node) id accepted in a list. Kernels cap NR_CPUS at 8192; the cap keeps
// a hostile "0-4294967295" from allocating 16 GiB.
constexpr uint32_t kMaxCpuListId = 65535;

// Oldest /proc/schedstat layout with the cpu-line fields we read (version 15, Linux 3.x).
// Versions 16 and 17 only changed the domain lines, which we skip.
constexpr uint64_t kMinSchedstatVersion = 15;
constexpr size_t kSchedstatCpuFields = 9;

bool is_octal(char c) {
  return c >= '0' && c <= '7';
}

// Undoes the kernel's mangle(): ' ', '\t', '\n' and '\\' appear as \040, \011, \012 and \134.
// A backslash not followed by three octal digits is kept as is.
std::string decode_octal_escapes(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && is_octal(s[i + 1]) && is_octal(s[i + 2]) &&
        is_octal(s[i + 3])) {
      const int value = (s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0');
      if (value <= 0xff) {
        out += static_cast<char>(value);
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// proc(5) numbers /proc/<pid>/stat fields from 1; these are the ones ProcStat keeps.
constexpr size_t kStatFieldState = 3;
constexpr size_t kStatFieldPpid = 4;
constexpr size_t kStatFieldUtime = 14;
constexpr size_t kStatFieldStime = 15;
constexpr size_t kStatFieldProcessor = 39;

// Walks "key value" lines, calling visit(key, number) for each; the first malformed line is
// the error. Shared by the allocating parse and the allocation-free scan.
template <typename Visit>
Status for_each_keyed(std::string_view text, Visit visit) {
  Lines lines(text);
  std::string_view line, key, value;
  while (lines.next(line)) {
    Fields fields(line);
    if (!fields.next(key) || !fields.next(value) || !fields.at_end()) {
      return line_error("flat-keyed file", lines.number(), "expected 'key value'", line);
    }
    const auto number = parse_uint64(value);
    if (!number) return line_error("flat-keyed file", lines.number(), "bad number", line);
    visit(key, *number);
  }
  return Status::success();
}

}  // namespace

Result<KeyedValues> parse_flat_keyed(std::string_view text) {
  KeyedValues values;
  auto status = for_each_keyed(
      text, [&](std::string_view key, uint64_t v) { values.emplace_back(std::string(key), v); });
  if (!status) return status.error();
  return values;
}

Status scan_flat_keyed(std::string_view text, std::initializer_list<KeyTarget> wanted) {
  for (const auto& w : wanted) *w.out = std::nullopt;
  return for_each_keyed(text, [&](std::string_view key, uint64_t v) {
    for (const auto& w : wanted) {
      if (w.key == key && !w.out->has_value()) *w.out = v;
    }
  });
}

std::optional<uint64_t> find_key(const KeyedValues& values, std::string_view key) {
  for (const auto& [name, value] : values) {
    if (name == key) return value;
  }
  return std::nullopt;
}

Result<uint64_t> parse_u64_or_max(std::string_view text) {
  const auto value = trim(text);
  if (value == "max" || value == "-1") return kUnlimited;
  const auto number = parse_uint64(value);
  if (!number) return value_error("number-or-max file", "expected a number or 'max'", value);
  return *number;
}

Result<bool> parse_bool01(std::string_view text) {
  const auto value = trim(text);
  if (value == "0") return false;
  if (value == "1") return true;
  return value_error("flag file", "expected 0 or 1", value);
}

Result<CpuMax> parse_cpu_max(std::string_view text) {
  const auto line = trim(text);
  Fields fields(line);
  std::string_view quota_text, period_text;
  if (!fields.next(quota_text)) return value_error("cpu.max", "empty", line);
  CpuMax out;
  if (quota_text != "max") {
    const auto quota = parse_uint64(quota_text);
    if (!quota) return value_error("cpu.max", "bad quota", line);
    out.quota_us = *quota;
  }
  if (fields.next(period_text)) {
    const auto period = parse_uint64(period_text);
    if (!period || *period == 0) return value_error("cpu.max", "bad period", line);
    out.period_us = *period;
  }
  if (!fields.at_end()) return value_error("cpu.max", "expected '$MAX $PERIOD'", line);
  return out;
}

Result<Pressure> parse_pressure(std::string_view text) {
  Pressure out;
  bool seen_some = false;
  Lines lines(text);
  std::string_view line, kind;
  while (lines.next(line)) {
    Fields fields(line);
    fields.next(kind);  // cannot fail: the line is not blank
    PressureLine* target = nullptr;
    if (kind == "some") {
      if (seen_some) return line_error("pressure file", lines.number(), "second 'some'", line);
      seen_some = true;
      target = &out.some;
    } else if (kind == "full") {
      if (out.full) return line_error("pressure file", lines.number(), "second 'full'", line);
      target = &out.full.emplace();
    } else {
      return line_error("pressure file", lines.number(), "expected 'some' or 'full'", line);
    }
    const auto problem = parse_pressure_fields(fields, *target);
    if (!problem.empty()) return line_error("pressure file", lines.number(), problem, line);
  }
  if (!seen_some) return value_error("pressure file", "no 'some' line", trim(text));
  return out;
}

Result<DeviceId> parse_device_id(std::string_view text) {
  const auto value = trim(text);
  const auto device = parse_device_token(value);
  if (!device) return value_error("device number", "expected MAJ:MIN", value);
  return *device;
}

namespace {

// Lines of "MAJ:MIN key=value key=value ..." (io.stat, io.max). `field_for` maps a key to the
// entry's field, or nullptr for keys we do not use; `parse_value` parses one value.
template <typename Entry, typename FieldFor, typename ParseValue>
Result<std::vector<Entry>> parse_device_keyed(std::string_view text, std::string_view file,
                                              FieldFor field_for, ParseValue parse_value,
                                              std::string_view value_hint) {
  std::vector<Entry> out;
  Lines lines(text);
  std::string_view line, field, key, value;
  while (lines.next(line)) {
    Fields fields(line);
    fields.next(field);
    const auto device = parse_device_token(field);
    if (!device) return line_error(file, lines.number(), "expected MAJ:MIN first", line);
    Entry& entry = entry_for(out, *device);
    while (fields.next(field)) {
      if (!split_key_value(field, key, value)) {
        return line_error(file, lines.number(), "expected key=value", line);
      }
      uint64_t* target = field_for(entry, key);
      if (target == nullptr) continue;  // e.g. iocost / iolatency debug keys
      const auto number = parse_value(value);
      if (!number) return line_error(file, lines.number(), value_hint, line);
      *target = *number;
    }
  }
  return out;
}

}  // namespace

Result<std::vector<IoCounters>> parse_io_stat(std::string_view text) {
  return parse_device_keyed<IoCounters>(
      text, "io.stat",
      [](IoCounters& c, std::string_view key) -> uint64_t* {
        if (key == "rbytes") return &c.rbytes;
        if (key == "wbytes") return &c.wbytes;
        if (key == "rios") return &c.rios;
        if (key == "wios") return &c.wios;
        if (key == "dbytes") return &c.dbytes;
        if (key == "dios") return &c.dios;
        return nullptr;
      },
      [](std::string_view v) { return parse_uint64(v); }, "bad number");
}

Result<std::vector<IoCounters>> parse_blkio_v1(std::string_view text, bool bytes) {
  std::vector<IoCounters> out;
  Lines lines(text);
  std::string_view line, first, op_name, value_text;
  while (lines.next(line)) {
    Fields fields(line);
    fields.next(first);
    if (first == "Total") {  // the cgroup-wide sum, which the per-device lines already hold
      if (!fields.next(value_text) || !parse_uint64(value_text) || !fields.at_end()) {
        return line_error("blkio file", lines.number(), "expected 'Total N'", line);
      }
      continue;
    }
    const auto device = parse_device_token(first);
    if (!device || !fields.next(op_name) || !fields.next(value_text) || !fields.at_end()) {
      return line_error("blkio file", lines.number(), "expected 'MAJ:MIN Op N'", line);
    }
    const auto value = parse_uint64(value_text);
    if (!value) return line_error("blkio file", lines.number(), "bad number", line);
    const auto op = blkio_op(op_name);
    if (op == BlkioOp::kUnknown) {
      // v1 is frozen; an unknown operation means this is not a blkio stat file.
      return line_error("blkio file", lines.number(), "unknown operation", line);
    }
    IoCounters& counters = entry_for(out, *device);
    switch (op) {
      case BlkioOp::kRead:
        (bytes ? counters.rbytes : counters.rios) = *value;
        break;
      case BlkioOp::kWrite:
        (bytes ? counters.wbytes : counters.wios) = *value;
        break;
      case BlkioOp::kDiscard:
        (bytes ? counters.dbytes : counters.dios) = *value;
        break;
      case BlkioOp::kRedundant:
      case BlkioOp::kUnknown:
        break;
    }
  }
  return out;
}

Result<IoWeights> parse_io_weight(std::string_view text) {
  IoWeights out;
  const auto whole = trim(text);
  // Every weight file shows at least the default, so empty content means a wrong file.
  if (whole.empty()) return value_error("io weight", "empty", whole);
  // v1 blkio.bfq.weight and blkio.weight hold just the default weight.
  if (all_digits(whole)) {
    const auto weight = parse_io_weight_token(whole);
    if (!weight) return value_error("io weight", "weight out of range 1..10000", whole);
    out.default_weight = *weight;
    return out;
  }
  Lines lines(text);
  std::string_view line, first, weight_text;
  while (lines.next(line)) {
    Fields fields(line);
    fields.next(first);
    if (!fields.next(weight_text) || !fields.at_end()) {
      return line_error("io weight", lines.number(), "expected 'default N' or 'MAJ:MIN N'", line);
    }
    const auto weight = parse_io_weight_token(weight_text);
    if (!weight) {
      return line_error("io weight", lines.number(), "weight out of range 1..10000", line);
    }
    if (first == "default") {
      out.default_weight = *weight;
      continue;
    }
    const auto device = parse_device_token(first);
    if (!device) return line_error("io weight", lines.number(), "expected MAJ:MIN", line);
    out.per_device.emplace_back(*device, *weight);
  }
  return out;
}

Result<std::vector<IoLimit>> parse_io_max(std::string_view text) {
  return parse_device_keyed<IoLimit>(
      text, "io.max",
      [](IoLimit& l, std::string_view key) -> uint64_t* {
        if (key == "rbps") return &l.rbps;
        if (key == "wbps") return &l.wbps;
        if (key == "riops") return &l.riops;
        if (key == "wiops") return &l.wiops;
        return nullptr;
      },
      [](std::string_view v) { return parse_u64_or_max_token(v); }, "expected a number or max");
}

Result<std::vector<std::pair<DeviceId, uint64_t>>> parse_blkio_throttle_v1(std::string_view text) {
  std::vector<std::pair<DeviceId, uint64_t>> out;
  Lines lines(text);
  std::string_view line, device_text, value_text;
  while (lines.next(line)) {
    Fields fields(line);
    fields.next(device_text);
    const auto device = parse_device_token(device_text);
    const bool shaped = fields.next(value_text) && fields.at_end();
    const auto value = shaped ? parse_uint64(value_text) : std::nullopt;
    if (!device || !value) {
      return line_error("blkio throttle file", lines.number(), "expected 'MAJ:MIN N'", line);
    }
    out.emplace_back(*device, *value);
  }
  return out;
}

// Accepts what the kernel prints ("0-3,8,10-11", ids ascending) and, as the kernel does on write,
// overlapping or unordered items. Rejects empty items ("1,,2", "0,"), reversed ranges ("3-1"),
// blanks inside the list, signs, and the "0-7:2/4" stride form, which the kernel never prints.
Result<std::vector<uint32_t>> parse_cpu_list(std::string_view text) {
  std::vector<uint32_t> ids;
  const auto list = trim(text);
  if (list.empty()) return ids;
  bool ascending = true;
  std::string_view rest = list, item;
  bool exhausted = false;
  while (next_piece(rest, ',', item, exhausted)) {
    const auto dash = item.find('-');
    const auto first = parse_digits_u32(item.substr(0, dash));
    const auto last =
        dash == std::string_view::npos ? first : parse_digits_u32(item.substr(dash + 1));
    if (!first || !last) return value_error("cpu list", "bad item", list);
    if (*first > *last) return value_error("cpu list", "reversed range", list);
    if (*last > kMaxCpuListId) return value_error("cpu list", "id above 65535", list);
    // Overlapping items could otherwise repeat the same 65536 ids hundreds of times.
    if (ids.size() + (*last - *first) >= size_t{kMaxCpuListId} + 1) {
      return value_error("cpu list", "more than 65536 ids", list);
    }
    if (!ids.empty() && *first <= ids.back()) ascending = false;
    for (uint32_t id = *first; id <= *last; ++id) ids.push_back(id);
  }
  if (!ascending) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }
  return ids;
}

std::string format_cpu_list(const std::vector<uint32_t>& ids) {
  // Callers normally pass parse_cpu_list output; copy only when the ids are not sorted unique.
  const std::vector<uint32_t>* sorted = &ids;
  std::vector<uint32_t> copy;
  if (std::adjacent_find(ids.begin(), ids.end(), std::greater_equal<>()) != ids.end()) {
    copy = ids;
    std::sort(copy.begin(), copy.end());
    copy.erase(std::unique(copy.begin(), copy.end()), copy.end());
    sorted = &copy;
  }
  std::string out;
  char digits[16];
  const auto append_number = [&](uint32_t n) {
    const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), n);
    out.append(digits, end);
  };
  const auto& v = *sorted;
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    if (!out.empty()) out += ',';
    append_number(v[i]);
    if (j > i) {  // the kernel writes two neighbours as a range too ("0-1")
      out += '-';
      append_number(v[j]);
    }
    i = j + 1;
  }
  return out;
}

Result<TaskSchedstat> parse_task_schedstat(std::string_view text) {
  const auto line = trim(text);
  Fields fields(line);
  std::string_view run, delay, slices;
  if (!fields.next(run) || !fields.next(delay) || !fields.next(slices) || !fields.at_end()) {
    return value_error("task schedstat", "expected three numbers", line);
  }
  const auto run_ns = parse_uint64(run);
  const auto run_delay_ns = parse_uint64(delay);
  const auto timeslices = parse_uint64(slices);
  if (!run_ns || !run_delay_ns || !timeslices) {
    return value_error("task schedstat", "bad number", line);
  }
  return TaskSchedstat{*run_ns, *run_delay_ns, *timeslices};
}

Result<std::vector<CpuSchedstat>> parse_proc_schedstat(std::string_view text) {
  std::vector<CpuSchedstat> out;
  bool seen_version = false;
  Lines lines(text);
  std::string_view line, name, value_text;
  while (lines.next(line)) {
    Fields fields(line);
    fields.next(name);
    if (name == "version") {
      const bool shaped = fields.next(value_text) && fields.at_end();
      const auto version = shaped ? parse_uint64(value_text) : std::nullopt;
      if (!version) return line_error("/proc/schedstat", lines.number(), "bad version", line);
      if (*version < kMinSchedstatVersion) {
        return line_error("/proc/schedstat", lines.number(), "version older than 15", line);
      }
      seen_version = true;
      continue;
    }
    if (!seen_version) {
      return line_error("/proc/schedstat", lines.number(), "expected 'version N' first", line);
    }
    if (name == "timestamp") {
      if (!fields.next(value_text) || !parse_uint64(value_text) || !fields.at_end()) {
        return line_error("/proc/schedstat", lines.number(), "bad timestamp", line);
      }
      continue;
    }
    if (name.starts_with("domain")) continue;  // layout differs per version; not used
    if (!name.starts_with("cpu")) {
      return line_error("/proc/schedstat", lines.number(), "unknown line", line);
    }
    const auto cpu = parse_digits_u32(name.substr(3));
    if (!cpu) return line_error("/proc/schedstat", lines.number(), "bad cpu number", line);
    uint64_t values[kSchedstatCpuFields] = {};
    for (auto& value : values) {
      const auto number = fields.next(value_text) ? parse_uint64(value_text) : std::nullopt;
      if (!number) {
        return line_error("/proc/schedstat", lines.number(), "expected 9 numbers after cpuN", line);
      }
      value = *number;
    }
    // Fields past the ninth would come from a future layout; they do not move fields 7..9.
    out.push_back(CpuSchedstat{*cpu, values[6], values[7], values[8]});
  }
  if (!seen_version) return value_error("/proc/schedstat", "no version line", trim(text));
  return out;
}

Result<std::vector<ProcCgroupEntry>> parse_proc_cgroup(std::string_view text) {
  std::vector<ProcCgroupEntry> out;
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    // The path is kept verbatim up to the end of the line: cgroup names may end in blanks.
    std::string_view raw = lines.raw();
    raw.remove_prefix(raw.find_first_not_of(" \t"));  // the line is not blank, so found
    const auto first_colon = raw.find(':');
    const auto second_colon =
        first_colon == std::string_view::npos ? first_colon : raw.find(':', first_colon + 1);
    if (second_colon == std::string_view::npos) {
      return line_error("/proc/<pid>/cgroup", lines.number(), "expected ID:CONTROLLERS:PATH", line);
    }
    const auto id = parse_digits_u32(raw.substr(0, first_colon));
    if (!id) return line_error("/proc/<pid>/cgroup", lines.number(), "bad hierarchy id", line);
    const auto controllers = raw.substr(first_colon + 1, second_colon - first_colon - 1);
    const auto path = raw.substr(second_colon + 1);
    if (!path.starts_with('/')) {
      return line_error("/proc/<pid>/cgroup", lines.number(), "path must start with '/'", line);
    }
    if (*id == 0 && !controllers.empty()) {
      return line_error("/proc/<pid>/cgroup", lines.number(), "v2 entry with controllers", line);
    }
    ProcCgroupEntry& entry = out.emplace_back();
    entry.hierarchy_id = *id;
    std::string_view rest = controllers, name;
    bool exhausted = controllers.empty();
    while (next_piece(rest, ',', name, exhausted)) {
      if (name.empty()) {
        return line_error("/proc/<pid>/cgroup", lines.number(), "empty controller name", line);
      }
      entry.controllers.emplace_back(name);
    }
    entry.path = std::string(path);
  }
  return out;
}

Result<std::vector<MountEntry>> parse_mountinfo(std::string_view text) {
  std::vector<MountEntry> out;
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    const auto fail = [&](std::string_view what) {
      return line_error("mountinfo", lines.number(), what, line);
    };
    // Fields are separated by single spaces; blanks inside them are escaped as \040. An empty
    // source (possible with `mount ""`) shows up as two spaces in a row, so runs are not merged.
    std::string_view rest = line, mount_id, parent_id, device, root, mount_point, options, field;
    bool exhausted = false;
    if (!next_piece(rest, ' ', mount_id, exhausted) ||
        !next_piece(rest, ' ', parent_id, exhausted) || !next_piece(rest, ' ', device, exhausted) ||
        !next_piece(rest, ' ', root, exhausted) || !next_piece(rest, ' ', mount_point, exhausted) ||
        !next_piece(rest, ' ', options, exhausted)) {
      return fail("too few fields");
    }
    if (!all_digits(mount_id) || !all_digits(parent_id)) return fail("bad mount id");
    if (!parse_device_token(device)) return fail("bad MAJ:MIN");
    if (root.empty() || mount_point.empty()) return fail("empty root or mount point");
    bool separated = false;
    while (next_piece(rest, ' ', field, exhausted)) {
      if (field == "-") {
        separated = true;
        break;
      }
    }
    std::string_view fs_type, source, super_options, extra;
    if (!separated || !next_piece(rest, ' ', fs_type, exhausted) ||
        !next_piece(rest, ' ', source, exhausted) ||
        !next_piece(rest, ' ', super_options, exhausted)) {
      return fail("expected ' - FSTYPE SOURCE OPTIONS'");
    }
    if (next_piece(rest, ' ', extra, exhausted)) return fail("trailing fields");
    if (fs_type.empty()) return fail("empty file system type");
    MountEntry& entry = out.emplace_back();
    entry.mount_point = decode_octal_escapes(mount_point);
    entry.root = decode_octal_escapes(root);
    entry.fs_type = decode_octal_escapes(fs_type);
    entry.source = decode_octal_escapes(source);
    std::string_view options_rest = super_options, option;
    bool options_exhausted = super_options.empty();
    while (next_piece(options_rest, ',', option, options_exhausted)) {
      if (!option.empty()) entry.super_options.push_back(decode_octal_escapes(option));
    }
  }
  return out;
}

Result<ProcStat> parse_proc_stat(std::string_view text) {
  // Not split into lines: comm may itself contain a newline.
  const auto line = trim(text);
  const auto open = line.find('(');
  const auto close = line.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return value_error("/proc/<pid>/stat", "expected 'PID (COMM) ...'", line);
  }
  ProcStat out;
  const auto pid = parse_i32(line.substr(0, open));
  if (!pid || *pid <= 0) return value_error("/proc/<pid>/stat", "bad pid", line);
  out.pid = *pid;
  out.comm = std::string(line.substr(open + 1, close - open - 1));
  const auto after_comm = line.substr(close + 1);
  if (!after_comm.starts_with(' ')) {
    return value_error("/proc/<pid>/stat", "expected a space after comm", line);
  }
  Fields fields(after_comm);
  std::string_view field;
  size_t number = kStatFieldState - 1;
  while (fields.next(field)) {
    ++number;
    if (number == kStatFieldState) {
      const bool letter = field.size() == 1 && ((field[0] >= 'A' && field[0] <= 'Z') ||
                                                (field[0] >= 'a' && field[0] <= 'z'));
      if (!letter) return value_error("/proc/<pid>/stat", "bad state", line);
      out.state = field[0];
      continue;
    }
    // Every field after state is an integer; checking them all catches a garbled line early.
    // Some (rsslim, the kstk/ address fields) use the full unsigned range.
    const auto as_signed = parse_int64(field);
    const auto as_unsigned = as_signed ? std::nullopt : parse_uint64(field);
    if (!as_signed && !as_unsigned) {
      return value_error("/proc/<pid>/stat", "field " + std::to_string(number) + " is not a number",
                         line);
    }
    if (number == kStatFieldPpid) {
      const auto ppid = parse_i32(field);
      if (!ppid || *ppid < 0) return value_error("/proc/<pid>/stat", "bad ppid", line);
      out.ppid = *ppid;
    } else if (number == kStatFieldUtime || number == kStatFieldStime) {
      const auto ticks = parse_uint64(field);
      if (!ticks) return value_error("/proc/<pid>/stat", "bad utime/stime", line);
      (number == kStatFieldUtime ? out.utime_ticks : out.stime_ticks) = *ticks;
    } else if (number == kStatFieldProcessor) {
      const auto processor = parse_i32(field);
      if (!processor || *processor < -1) {
        return value_error("/proc/<pid>/stat", "bad processor", line);
      }
      out.processor = *processor;
    }
  }
  // Old kernels (and short test lines) stop before processor; utime/stime are required.
  if (number < kStatFieldStime) {
    return value_error("/proc/<pid>/stat", "line ends before stime (field 15)", line);
  }
  return out;
}

}  // namespace dwae::hostfs
