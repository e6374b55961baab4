// Just enough FlatBuffers for Arrow IPC metadata: a builder that lays out a tree of tables,
// strings and vectors with the wire format's offsets and alignment, and a view that reads one
// back checking every offset against the buffer, so a corrupt file yields an Error, never a
// read out of bounds. Field ids are the slot numbers of the .fbs schema (union = two slots).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dwae/common/result.h"

namespace dwae::record::fb {

// A table under construction. Children are serialised after their parent, so every offset
// points forward as the format requires.
class Table {
 public:
  Table& add_bool(uint16_t id, bool value) { return add_scalar(id, 1, value ? 1 : 0); }
  Table& add_u8(uint16_t id, uint8_t value) { return add_scalar(id, 1, value); }
  Table& add_i16(uint16_t id, int16_t value) {
    return add_scalar(id, 2, static_cast<uint16_t>(value));
  }
  Table& add_i32(uint16_t id, int32_t value) {
    return add_scalar(id, 4, static_cast<uint32_t>(value));
  }
  Table& add_i64(uint16_t id, int64_t value) {
    return add_scalar(id, 8, static_cast<uint64_t>(value));
  }
  Table& add_string(uint16_t id, std::string value);
  Table& add_table(uint16_t id, Table value);
  Table& add_tables(uint16_t id, std::vector<Table> values);
  // A vector of structs: `bytes` holds `count` structs of `struct_size` bytes, laid out as the
  // format wants them, aligned to `struct_align`.
  Table& add_structs(uint16_t id, std::vector<uint8_t> bytes, size_t count, size_t struct_align);

  // The finished buffer with this table as its root, padded to a multiple of 8 bytes.
  std::vector<uint8_t> finish() const;

 private:
  friend class Serializer;
  enum class ChildKind { kString, kTable, kTableVector, kStructVector };
  struct Scalar {
    uint16_t id;
    uint8_t size;
    uint64_t bits;
  };
  struct Child {
    uint16_t id;
    ChildKind kind;
    std::vector<uint8_t> bytes;  // string bytes or struct bytes
    std::vector<Table> tables;   // one table, or a vector of tables
    size_t count = 0;
    size_t align = 1;
  };
  Table& add_scalar(uint16_t id, uint8_t size, uint64_t bits);

  std::vector<Scalar> scalars_;
  std::vector<Child> children_;
};

// A vector inside a buffer: `count` elements of `element_size` bytes starting at `data`.
struct VectorRef {
  size_t data = 0;
  size_t count = 0;
  size_t element_size = 0;
};

// A checked view of one table. Holds a span: the buffer must outlive it.
class TableView {
 public:
  // The root table of `buffer`.
  static Result<TableView> root(std::span<const uint8_t> buffer);

  template <typename T>
  Result<T> scalar(uint16_t id, T default_value) const {
    const auto at = field(id, sizeof(T));
    if (!at.ok()) return at.error();
    if (*at == 0) return default_value;
    T value;
    std::memcpy(&value, buffer_.data() + *at, sizeof(T));
    return value;
  }
  // Absent fields give nullopt.
  Result<std::optional<TableView>> table(uint16_t id) const;
  Result<std::optional<std::string_view>> string(uint16_t id) const;
  // An absent vector is an empty one.
  Result<VectorRef> vector(uint16_t id, size_t element_size) const;
  // Element `index` of a vector of tables.
  Result<TableView> table_at(const VectorRef& vector, size_t index) const;
  // Reads a little-endian value inside a vector of structs (bounds were checked by vector()).
  template <typename T>
  T struct_field(const VectorRef& vector, size_t index, size_t offset_in_struct) const {
    T value;
    std::memcpy(&value,
                buffer_.data() + vector.data + index * vector.element_size + offset_in_struct,
                sizeof(T));
    return value;
  }

 private:
  TableView(std::span<const uint8_t> buffer, size_t table, size_t vtable, uint16_t vtable_size,
            uint16_t table_size)
      : buffer_(buffer),
        table_(table),
        vtable_(vtable),
        vtable_size_(vtable_size),
        table_size_(table_size) {}
  static Result<TableView> at(std::span<const uint8_t> buffer, size_t table);
  // The absolute position of field `id` (`size` bytes), 0 when absent.
  Result<size_t> field(uint16_t id, size_t size) const;
  // Follows the offset stored in field `id`; 0 when absent.
  Result<size_t> follow(uint16_t id) const;

  std::span<const uint8_t> buffer_;
  size_t table_;
  size_t vtable_;
  uint16_t vtable_size_;
  uint16_t table_size_;
};

}  // namespace dwae::record::fb
