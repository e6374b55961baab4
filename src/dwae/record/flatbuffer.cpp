// Front-to-back FlatBuffers layout: vtable, then its table (8-aligned), then the table's
// children in field order. uoffsets are relative to where they are stored and point forward;
// a table's soffset points back to its vtable.
#include "dwae/record/flatbuffer.h"

#include <algorithm>
#include <limits>

namespace dwae::record::fb {

class Serializer {
 public:
  std::vector<uint8_t> out;

  // Pads so that out.size() + extra is a multiple of `align`.
  void pad_to(size_t align, size_t extra = 0) {
    while ((out.size() + extra) % align != 0) out.push_back(0);
  }
  template <typename T>
  void put(T value) {
    const size_t at = out.size();
    out.resize(at + sizeof(T));
    std::memcpy(out.data() + at, &value, sizeof(T));
  }
  template <typename T>
  void patch(size_t at, T value) {
    std::memcpy(out.data() + at, &value, sizeof(T));
  }
  void patch_offset(size_t at, size_t target) { patch(at, static_cast<uint32_t>(target - at)); }

  size_t write_table(const Table& table) {
    uint16_t slots = 0;
    for (const auto& s : table.scalars_) slots = std::max<uint16_t>(slots, s.id + 1);
    for (const auto& c : table.children_) slots = std::max<uint16_t>(slots, c.id + 1);

    pad_to(2);
    const size_t vtable = out.size();
    put(static_cast<uint16_t>(4 + 2 * slots));
    put(uint16_t{0});  // table size, patched below
    for (uint16_t i = 0; i < slots; ++i) put(uint16_t{0});

    pad_to(8);
    const size_t start = out.size();
    put(static_cast<int32_t>(start - vtable));
    auto set_slot = [&](uint16_t id, size_t at) {
      patch(vtable + 4 + 2 * size_t{id}, static_cast<uint16_t>(at - start));
    };
    // Widest scalars first keeps the padding small.
    std::vector<Table::Scalar> scalars = table.scalars_;
    std::stable_sort(scalars.begin(), scalars.end(),
                     [](const auto& a, const auto& b) { return a.size > b.size; });
    for (const auto& s : scalars) {
      pad_to(s.size);
      set_slot(s.id, out.size());
      const size_t at = out.size();
      out.resize(at + s.size);
      std::memcpy(out.data() + at, &s.bits, s.size);  // little-endian host
    }
    std::vector<size_t> child_slots;
    for (const auto& c : table.children_) {
      pad_to(4);
      set_slot(c.id, out.size());
      child_slots.push_back(out.size());
      put(uint32_t{0});
    }
    patch(vtable + 2, static_cast<uint16_t>(out.size() - start));

    for (size_t i = 0; i < table.children_.size(); ++i) {
      patch_offset(child_slots[i], write_child(table.children_[i]));
    }
    return start;
  }

 private:
  size_t write_child(const Table::Child& c) {
    switch (c.kind) {
      case Table::ChildKind::kString: {
        pad_to(4);
        const size_t at = out.size();
        put(static_cast<uint32_t>(c.bytes.size()));
        out.insert(out.end(), c.bytes.begin(), c.bytes.end());
        out.push_back(0);
        return at;
      }
      case Table::ChildKind::kTable:
        return write_table(c.tables.front());
      case Table::ChildKind::kTableVector: {
        pad_to(4);
        const size_t at = out.size();
        put(static_cast<uint32_t>(c.tables.size()));
        const size_t first = out.size();
        for (size_t i = 0; i < c.tables.size(); ++i) put(uint32_t{0});
        for (size_t i = 0; i < c.tables.size(); ++i) {
          patch_offset(first + 4 * i, write_table(c.tables[i]));
        }
        return at;
      }
      case Table::ChildKind::kStructVector: {
        pad_to(std::max<size_t>(c.align, 4), 4);
        const size_t at = out.size();
        put(static_cast<uint32_t>(c.count));
        out.insert(out.end(), c.bytes.begin(), c.bytes.end());
        return at;
      }
    }
    return 0;
  }
};

Table& Table::add_scalar(uint16_t id, uint8_t size, uint64_t bits) {
  scalars_.push_back({id, size, bits});
  return *this;
}

Table& Table::add_string(uint16_t id, std::string value) {
  children_.push_back({id, ChildKind::kString, {value.begin(), value.end()}, {}, 0, 1});
  return *this;
}

Table& Table::add_table(uint16_t id, Table value) {
  Child c{id, ChildKind::kTable, {}, {}, 0, 1};
  c.tables.push_back(std::move(value));
  children_.push_back(std::move(c));
  return *this;
}

Table& Table::add_tables(uint16_t id, std::vector<Table> values) {
  children_.push_back({id, ChildKind::kTableVector, {}, std::move(values), 0, 1});
  return *this;
}

Table& Table::add_structs(uint16_t id, std::vector<uint8_t> bytes, size_t count,
                          size_t struct_align) {
  children_.push_back({id, ChildKind::kStructVector, std::move(bytes), {}, count, struct_align});
  return *this;
}

std::vector<uint8_t> Table::finish() const {
  Serializer s;
  s.put(uint32_t{0});  // root offset
  s.patch_offset(0, s.write_table(*this));
  s.pad_to(8);
  return std::move(s.out);
}

namespace {

Error corrupt(const std::string& what) {
  return Error{"corrupt flatbuffer: " + what};
}

template <typename T>
bool read_at(std::span<const uint8_t> buffer, size_t at, T& value) {
  if (at > buffer.size() || buffer.size() - at < sizeof(T)) return false;
  std::memcpy(&value, buffer.data() + at, sizeof(T));
  return true;
}

}  // namespace

Result<TableView> TableView::root(std::span<const uint8_t> buffer) {
  uint32_t offset = 0;
  if (!read_at(buffer, 0, offset)) return corrupt("shorter than its root offset");
  return at(buffer, offset);
}

Result<TableView> TableView::at(std::span<const uint8_t> buffer, size_t table) {
  int32_t to_vtable = 0;
  if (table % 4 != 0 || !read_at(buffer, table, to_vtable)) {
    return corrupt("table offset " + std::to_string(table) + " out of range");
  }
  const int64_t vtable = static_cast<int64_t>(table) - int64_t{to_vtable};
  uint16_t vtable_size = 0, table_size = 0;
  if (vtable < 0 || vtable % 2 != 0 || !read_at(buffer, static_cast<size_t>(vtable), vtable_size) ||
      !read_at(buffer, static_cast<size_t>(vtable) + 2, table_size)) {
    return corrupt("vtable of table at " + std::to_string(table) + " out of range");
  }
  const auto vt = static_cast<size_t>(vtable);
  if (vtable_size < 4 || vtable_size % 2 != 0 || vt + vtable_size > buffer.size() ||
      table_size < 4 || table + table_size > buffer.size()) {
    return corrupt("table at " + std::to_string(table) + " overruns the buffer");
  }
  return TableView(buffer, table, vt, vtable_size, table_size);
}

Result<size_t> TableView::field(uint16_t id, size_t size) const {
  const size_t slot = 4 + 2 * size_t{id};
  if (slot + 2 > vtable_size_) return size_t{0};
  uint16_t offset = 0;
  std::memcpy(&offset, buffer_.data() + vtable_ + slot, 2);
  if (offset == 0) return size_t{0};
  if (offset < 4 || size_t{offset} + size > table_size_) {
    return corrupt("field " + std::to_string(id) + " lies outside its table");
  }
  return table_ + offset;
}

Result<size_t> TableView::follow(uint16_t id) const {
  const auto at = field(id, 4);
  if (!at.ok()) return at.error();
  if (*at == 0) return size_t{0};
  uint32_t offset = 0;
  std::memcpy(&offset, buffer_.data() + *at, 4);
  const size_t target = *at + offset;
  if (offset == 0 || target >= buffer_.size()) {
    return corrupt("offset in field " + std::to_string(id) + " out of range");
  }
  return target;
}

Result<std::optional<TableView>> TableView::table(uint16_t id) const {
  const auto target = follow(id);
  if (!target.ok()) return target.error();
  if (*target == 0) return std::optional<TableView>{};
  auto view = at(buffer_, *target);
  if (!view.ok()) return view.error();
  return std::optional<TableView>{*view};
}

Result<std::optional<std::string_view>> TableView::string(uint16_t id) const {
  const auto v = vector(id, 1);
  if (!v.ok()) return v.error();
  if (v->data == 0) return std::optional<std::string_view>{};
  // A string's NUL terminator must be inside the buffer too.
  if (v->data + v->count >= buffer_.size() || buffer_[v->data + v->count] != 0) {
    return corrupt("string in field " + std::to_string(id) + " is not terminated");
  }
  return std::optional<std::string_view>{
      std::string_view(reinterpret_cast<const char*>(buffer_.data() + v->data), v->count)};
}

Result<VectorRef> TableView::vector(uint16_t id, size_t element_size) const {
  const auto target = follow(id);
  if (!target.ok()) return target.error();
  if (*target == 0) return VectorRef{0, 0, element_size};
  uint32_t count = 0;
  if (*target % 4 != 0 || !read_at(buffer_, *target, count)) {
    return corrupt("vector in field " + std::to_string(id) + " out of range");
  }
  const size_t data = *target + 4;
  if (count > (buffer_.size() - data) / std::max<size_t>(element_size, 1)) {
    return corrupt("vector in field " + std::to_string(id) + " overruns the buffer");
  }
  return VectorRef{data, count, element_size};
}

Result<TableView> TableView::table_at(const VectorRef& vector, size_t index) const {
  if (index >= vector.count || vector.element_size != 4) {
    return corrupt("table vector index out of range");
  }
  const size_t slot = vector.data + 4 * index;
  uint32_t offset = 0;
  std::memcpy(&offset, buffer_.data() + slot, 4);
  if (offset == 0 || slot + offset >= buffer_.size()) {
    return corrupt("table vector element out of range");
  }
  return at(buffer_, slot + offset);
}

}  // namespace dwae::record::fb
