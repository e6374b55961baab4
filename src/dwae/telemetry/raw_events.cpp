// RawEventStream: the BPF ring buffer and per-CPU counters that every collector's raw-event
// hooks write to when raw-event mode is on.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "dwae/telemetry/bpf_support.h"
#include "dwae/telemetry/collectors.h"

// clang-format off
#include "records.h"
// clang-format on

namespace dwae::telemetry {

static_assert(sizeof(dwae_raw_event) == 40);

const char* to_string(RawEventKind kind) {
  switch (kind) {
    case RawEventKind::kRunDelay:
      return "run_delay";
    case RawEventKind::kSwitchOut:
      return "switch_out";
    case RawEventKind::kUserFault:
      return "user_fault";
    case RawEventKind::kReclaim:
      return "reclaim";
    case RawEventKind::kOomKill:
      return "oom_kill";
    case RawEventKind::kBlockComplete:
      return "block_complete";
    case RawEventKind::kNetTx:
      return "net_tx";
    case RawEventKind::kNetRx:
      return "net_rx";
    case RawEventKind::kTcpRetransmit:
      return "tcp_retransmit";
    case RawEventKind::kFork:
      return "fork";
    case RawEventKind::kExec:
      return "exec";
    case RawEventKind::kExit:
      return "exit";
  }
  return "unknown";
}

struct RawEventStream::State {
  int ring_fd = -1;
  int counters_fd = -1;
  uint32_t sample_every = 1;
  int possible_cpus = 0;
  ring_buffer* ring = nullptr;
  std::vector<RawEvent>* sink = nullptr;  // set during consume()

  ~State() {
    if (ring != nullptr) ring_buffer__free(ring);
    if (ring_fd >= 0) ::close(ring_fd);
    if (counters_fd >= 0) ::close(counters_fd);
  }

  static int on_event(void* ctx, void* data, size_t size) {
    auto* self = static_cast<State*>(ctx);
    if (size < sizeof(dwae_raw_event) || self->sink == nullptr) return 0;
    dwae_raw_event e{};
    std::memcpy(&e, data, sizeof(e));
    self->sink->push_back(RawEvent{e.time_ns, e.cgroup_id, e.value, e.aux, e.pid,
                                   static_cast<RawEventKind>(e.kind), e.cpu});
    return 0;
  }
};

RawEventStream::RawEventStream(std::unique_ptr<State> state) : state_(std::move(state)) {}
RawEventStream::RawEventStream(RawEventStream&&) noexcept = default;
RawEventStream& RawEventStream::operator=(RawEventStream&&) noexcept = default;
RawEventStream::~RawEventStream() = default;

Result<RawEventStream> RawEventStream::create(size_t ring_bytes, uint32_t sample_every) {
  const long page = ::sysconf(_SC_PAGESIZE);
  if (ring_bytes == 0 || (ring_bytes & (ring_bytes - 1)) != 0 || page <= 0 ||
      ring_bytes % static_cast<size_t>(page) != 0) {
    return Error{"raw-event ring size " + std::to_string(ring_bytes) +
                     " must be a power of two and a multiple of the page size",
                 EINVAL};
  }
  if (sample_every == 0) return Error{"raw-event sampling interval must be at least 1", EINVAL};
  auto state = std::make_unique<State>();
  state->sample_every = sample_every;
  state->possible_cpus = libbpf_num_possible_cpus();
  if (state->possible_cpus <= 0) {
    return Error::from_errno("counting possible CPUs", detail::error_number(state->possible_cpus));
  }
  state->ring_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "raw_events", 0, 0,
                                  static_cast<uint32_t>(ring_bytes), nullptr);
  if (state->ring_fd < 0) {
    return Error::from_errno("creating the raw-event ring buffer",
                             detail::error_number(state->ring_fd));
  }
  state->counters_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "raw_counters", sizeof(uint32_t),
                                      sizeof(uint64_t), DWAE_RAW_COUNTERS, nullptr);
  if (state->counters_fd < 0) {
    return Error::from_errno("creating the raw-event counters",
                             detail::error_number(state->counters_fd));
  }
  state->ring = ring_buffer__new(state->ring_fd, &State::on_event, state.get(), nullptr);
  if (state->ring == nullptr) {
    return Error::from_errno("mapping the raw-event ring buffer", errno != 0 ? errno : EINVAL);
  }
  return RawEventStream(std::move(state));
}

int RawEventStream::ring_fd() const {
  return state_->ring_fd;
}
int RawEventStream::counters_fd() const {
  return state_->counters_fd;
}
uint32_t RawEventStream::sample_every() const {
  return state_->sample_every;
}

Result<size_t> RawEventStream::consume(std::vector<RawEvent>& out) {
  const size_t before = out.size();
  state_->sink = &out;
  const int n = ring_buffer__consume(state_->ring);
  state_->sink = nullptr;
  if (n < 0) return Error::from_errno("reading the raw-event ring", detail::error_number(n));
  return out.size() - before;
}

Result<RawEventCounters> RawEventStream::counters() const {
  std::vector<uint64_t> per_cpu(static_cast<size_t>(state_->possible_cpus));
  uint64_t totals[DWAE_RAW_COUNTERS] = {};
  for (uint32_t k = 0; k < DWAE_RAW_COUNTERS; ++k) {
    if (const int err = bpf_map_lookup_elem(state_->counters_fd, &k, per_cpu.data()); err != 0) {
      return Error::from_errno("reading the raw-event counters", detail::error_number(err));
    }
    for (const uint64_t v : per_cpu) totals[k] += v;
  }
  return RawEventCounters{totals[DWAE_RAW_SEEN], totals[DWAE_RAW_SAMPLED],
                          totals[DWAE_RAW_DROPPED]};
}

}  // namespace dwae::telemetry
