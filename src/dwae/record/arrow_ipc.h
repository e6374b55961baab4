// A small Apache Arrow IPC stream writer and reader (columnar format version 1.x, metadata V5,
// little-endian, no compression, no dictionaries). It covers the types DWAE recordings use:
// Bool, Int (8..64 bit, signed or not), Float64, Utf8, List, FixedSizeList and Struct.
//
// A stream is a sequence of encapsulated messages — 0xFFFFFFFF, int32 metadata length,
// flatbuffer Message padded to 8 bytes, then the body — starting with the Schema, then one
// RecordBatch message per batch, and ending with 0xFFFFFFFF 0x00000000.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dwae/common/result.h"

namespace dwae::record::arrow {

enum class TypeId { kBool, kInt, kFloat64, kUtf8, kList, kFixedSizeList, kStruct };

struct DataType {
  TypeId id = TypeId::kInt;
  int bit_width = 64;     // kInt
  bool is_signed = true;  // kInt
  int32_t list_size = 0;  // kFixedSizeList
  bool operator==(const DataType&) const = default;
};

struct Field {
  std::string name;
  DataType type;
  bool nullable = false;
  std::vector<Field> children;  // one for List/FixedSizeList, any number for Struct
  bool operator==(const Field&) const = default;
};

using KeyValues = std::vector<std::pair<std::string, std::string>>;

struct Schema {
  std::vector<Field> fields;
  KeyValues metadata;
  bool operator==(const Schema&) const = default;
};

// One column (or nested child) in Arrow's physical layout.
struct ArrayData {
  int64_t length = 0;
  int64_t null_count = 0;
  std::vector<uint8_t> validity;  // one bit per slot, LSB first; empty when null_count == 0
  std::vector<uint8_t> values;    // fixed-width values (bit-packed for Bool), or Utf8 bytes
  std::vector<int32_t> offsets;   // Utf8 and List: length + 1 entries
  std::vector<ArrayData> children;

  bool is_valid(int64_t i) const {
    return validity.empty() ||
           (validity[static_cast<size_t>(i / 8)] >> (static_cast<unsigned>(i) % 8) & 1U) != 0;
  }
};

struct RecordBatch {
  int64_t length = 0;
  std::vector<ArrayData> columns;  // in schema order
  KeyValues metadata;              // the Message's custom_metadata
};

// The encapsulated messages, each a multiple of 8 bytes.
std::vector<uint8_t> encode_schema(const Schema& schema);
// `batch` must match `schema` (column count, nesting, lengths); checked by assertions only.
std::vector<uint8_t> encode_record_batch(const Schema& schema, const RecordBatch& batch);
std::vector<uint8_t> encode_end_of_stream();

// Reads a stream message by message from a FILE it does not own. Every length, offset and
// buffer is checked, so a corrupt or truncated stream yields an Error naming the byte offset.
class StreamReader {
 public:
  explicit StreamReader(std::FILE* file);
  // The first message; must be called once, before next_batch().
  Result<Schema> read_schema();
  // The next batch, or nullopt at the end-of-stream marker.
  Result<std::optional<RecordBatch>> next_batch();

 private:
  struct Message;
  // Reads one encapsulated message; `end` is set at the end-of-stream marker.
  Result<Message> read_message(bool& end);
  Status read_exact(void* into, size_t size, const char* what);
  Status check_available(uint64_t size, const char* what) const;

  std::FILE* file_;
  std::optional<uint64_t> file_size_;  // known for regular files: lengths are checked first
  uint64_t offset_ = 0;
  Schema schema_;
  bool have_schema_ = false;
};

}  // namespace dwae::record::arrow
