// Arrow IPC stream encoding and decoding. Field ids and enum values follow Arrow's Schema.fbs
// and Message.fbs; buffers are laid out depth-first per field (validity first), each padded
// to 8 bytes in the body.
#include "dwae/record/arrow_ipc.h"

#include <sys/stat.h>

#include <algorithm>
#include <cassert>
#include <cstring>

#include "dwae/record/flatbuffer.h"

namespace dwae::record::arrow {

namespace {

// Message.fbs / Schema.fbs constants.
constexpr int16_t kMetadataV4 = 3;
constexpr int16_t kMetadataV5 = 4;
constexpr uint8_t kHeaderSchema = 1;
constexpr uint8_t kHeaderDictionaryBatch = 2;
constexpr uint8_t kHeaderRecordBatch = 3;
constexpr uint8_t kTypeInt = 2;
constexpr uint8_t kTypeFloatingPoint = 3;
constexpr uint8_t kTypeUtf8 = 5;
constexpr uint8_t kTypeBool = 6;
constexpr uint8_t kTypeList = 12;
constexpr uint8_t kTypeStruct = 13;
constexpr uint8_t kTypeFixedSizeList = 16;
constexpr int16_t kPrecisionDouble = 2;
constexpr uint32_t kContinuation = 0xFFFFFFFFU;
// Limits that keep a corrupt length from turning into a huge allocation.
constexpr int32_t kMaxMetadataBytes = 64 << 20;
constexpr int64_t kMaxBodyBytes = int64_t{1} << 32;
constexpr int kMaxNesting = 16;

size_t pad8(size_t n) {
  return (n + 7) & ~size_t{7};
}

fb::Table key_values_table(const std::string& key, const std::string& value) {
  fb::Table kv;
  kv.add_string(0, key).add_string(1, value);
  return kv;
}

std::vector<fb::Table> key_values(const KeyValues& pairs) {
  std::vector<fb::Table> out;
  out.reserve(pairs.size());
  for (const auto& [k, v] : pairs) out.push_back(key_values_table(k, v));
  return out;
}

fb::Table field_table(const Field& field) {
  fb::Table type;
  uint8_t type_id = 0;
  switch (field.type.id) {
    case TypeId::kBool:
      type_id = kTypeBool;
      break;
    case TypeId::kInt:
      type_id = kTypeInt;
      type.add_i32(0, field.type.bit_width).add_bool(1, field.type.is_signed);
      break;
    case TypeId::kFloat64:
      type_id = kTypeFloatingPoint;
      type.add_i16(0, kPrecisionDouble);
      break;
    case TypeId::kUtf8:
      type_id = kTypeUtf8;
      break;
    case TypeId::kList:
      type_id = kTypeList;
      break;
    case TypeId::kFixedSizeList:
      type_id = kTypeFixedSizeList;
      type.add_i32(0, field.type.list_size);
      break;
    case TypeId::kStruct:
      type_id = kTypeStruct;
      break;
  }
  std::vector<fb::Table> children;
  children.reserve(field.children.size());
  for (const auto& c : field.children) children.push_back(field_table(c));
  fb::Table t;
  t.add_string(0, field.name)
      .add_bool(1, field.nullable)
      .add_u8(2, type_id)
      .add_table(3, std::move(type))
      .add_tables(5, std::move(children));  // readers expect the vector even when empty
  return t;
}

std::vector<uint8_t> encapsulate(fb::Table header, uint8_t header_type,
                                 const std::vector<uint8_t>& body, const KeyValues& metadata) {
  fb::Table message;
  message.add_i16(0, kMetadataV5)
      .add_u8(1, header_type)
      .add_table(2, std::move(header))
      .add_i64(3, static_cast<int64_t>(body.size()));
  if (!metadata.empty()) message.add_tables(4, key_values(metadata));
  const std::vector<uint8_t> flat = message.finish();  // a multiple of 8 bytes
  std::vector<uint8_t> out(8);
  std::memcpy(out.data(), &kContinuation, 4);
  const auto length = static_cast<int32_t>(flat.size());
  std::memcpy(out.data() + 4, &length, 4);
  out.insert(out.end(), flat.begin(), flat.end());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

struct BodyBuilder {
  std::vector<uint8_t> body;
  std::vector<uint8_t> nodes;    // FieldNode structs
  std::vector<uint8_t> buffers;  // Buffer structs
  size_t node_count = 0, buffer_count = 0;

  static void put_pair(std::vector<uint8_t>& into, int64_t a, int64_t b) {
    const size_t at = into.size();
    into.resize(at + 16);
    std::memcpy(into.data() + at, &a, 8);
    std::memcpy(into.data() + at + 8, &b, 8);
  }
  void add_buffer(const void* data, size_t size) {
    put_pair(buffers, static_cast<int64_t>(body.size()), static_cast<int64_t>(size));
    ++buffer_count;
    const auto* bytes = static_cast<const uint8_t*>(data);
    body.insert(body.end(), bytes, bytes + size);
    body.resize(pad8(body.size()));
  }
  void add_offsets(const ArrayData& a) {
    // An empty array still has its one leading offset.
    static const int32_t kZero = 0;
    if (a.offsets.empty()) {
      add_buffer(&kZero, 4);
    } else {
      add_buffer(a.offsets.data(), a.offsets.size() * 4);
    }
  }
  void add(const Field& field, const ArrayData& a) {
    put_pair(nodes, a.length, a.null_count);
    ++node_count;
    if (a.null_count > 0) {
      add_buffer(a.validity.data(), a.validity.size());
    } else {
      add_buffer(nullptr, 0);
    }
    switch (field.type.id) {
      case TypeId::kBool:
      case TypeId::kInt:
      case TypeId::kFloat64:
        add_buffer(a.values.data(), a.values.size());
        break;
      case TypeId::kUtf8:
        add_offsets(a);
        add_buffer(a.values.data(), a.values.size());
        break;
      case TypeId::kList:
        add_offsets(a);
        add(field.children[0], a.children[0]);
        break;
      case TypeId::kFixedSizeList:
        add(field.children[0], a.children[0]);
        break;
      case TypeId::kStruct:
        for (size_t i = 0; i < field.children.size(); ++i) add(field.children[i], a.children[i]);
        break;
    }
  }
};

}  // namespace

std::vector<uint8_t> encode_schema(const Schema& schema) {
  std::vector<fb::Table> fields;
  fields.reserve(schema.fields.size());
  for (const auto& f : schema.fields) fields.push_back(field_table(f));
  fb::Table t;
  t.add_i16(0, 0).add_tables(1, std::move(fields));  // endianness: little
  if (!schema.metadata.empty()) t.add_tables(2, key_values(schema.metadata));
  return encapsulate(std::move(t), kHeaderSchema, {}, {});
}

std::vector<uint8_t> encode_record_batch(const Schema& schema, const RecordBatch& batch) {
  assert(schema.fields.size() == batch.columns.size());
  BodyBuilder b;
  for (size_t i = 0; i < batch.columns.size(); ++i) {
    assert(batch.columns[i].length == batch.length);
    b.add(schema.fields[i], batch.columns[i]);
  }
  fb::Table t;
  t.add_i64(0, batch.length)
      .add_structs(1, std::move(b.nodes), b.node_count, 8)
      .add_structs(2, std::move(b.buffers), b.buffer_count, 8);
  return encapsulate(std::move(t), kHeaderRecordBatch, b.body, batch.metadata);
}

std::vector<uint8_t> encode_end_of_stream() {
  std::vector<uint8_t> out(8, 0);
  std::memcpy(out.data(), &kContinuation, 4);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading

struct StreamReader::Message {
  std::vector<uint8_t> metadata;
  std::vector<uint8_t> body;
  uint64_t offset = 0;  // where the message starts in the stream
};

namespace {

Error bad(uint64_t offset, const std::string& what) {
  return Error{"invalid Arrow IPC stream (message at byte " + std::to_string(offset) +
               "): " + what};
}

Result<KeyValues> read_key_values(const fb::TableView& table, uint16_t id) {
  const auto vec = table.vector(id, 4);
  if (!vec.ok()) return vec.error();
  KeyValues out;
  for (size_t i = 0; i < vec->count; ++i) {
    const auto kv = table.table_at(*vec, i);
    if (!kv.ok()) return kv.error();
    const auto key = kv->string(0);
    if (!key.ok()) return key.error();
    const auto value = kv->string(1);
    if (!value.ok()) return value.error();
    out.emplace_back(std::string(key->value_or("")), std::string(value->value_or("")));
  }
  return out;
}

Result<Field> read_field(const fb::TableView& table, int depth) {
  if (depth > kMaxNesting) return Error{"fields nested too deeply"};
  Field f;
  const auto name = table.string(0);
  if (!name.ok()) return name.error();
  f.name = std::string(name->value_or(""));
  const auto nullable = table.scalar<uint8_t>(1, 0);
  if (!nullable.ok()) return nullable.error();
  f.nullable = *nullable != 0;
  const auto type_id = table.scalar<uint8_t>(2, 0);
  if (!type_id.ok()) return type_id.error();
  const auto type = table.table(3);
  if (!type.ok()) return type.error();
  if (!*type) return Error{"column '" + f.name + "' has no type"};
  const fb::TableView& t = **type;
  switch (*type_id) {
    case kTypeBool:
      f.type.id = TypeId::kBool;
      break;
    case kTypeInt: {
      f.type.id = TypeId::kInt;
      const auto width = t.scalar<int32_t>(0, 0);
      const auto is_signed = t.scalar<uint8_t>(1, 0);
      if (!width.ok()) return width.error();
      if (!is_signed.ok()) return is_signed.error();
      if (*width != 8 && *width != 16 && *width != 32 && *width != 64) {
        return Error{"column '" + f.name + "' has integer width " + std::to_string(*width)};
      }
      f.type.bit_width = *width;
      f.type.is_signed = *is_signed != 0;
      break;
    }
    case kTypeFloatingPoint: {
      const auto precision = t.scalar<int16_t>(0, 0);
      if (!precision.ok()) return precision.error();
      if (*precision != kPrecisionDouble) {
        return Error{"column '" + f.name + "' is a float narrower than 64 bits (unsupported)"};
      }
      f.type.id = TypeId::kFloat64;
      break;
    }
    case kTypeUtf8:
      f.type.id = TypeId::kUtf8;
      break;
    case kTypeList:
      f.type.id = TypeId::kList;
      break;
    case kTypeStruct:
      f.type.id = TypeId::kStruct;
      break;
    case kTypeFixedSizeList: {
      const auto size = t.scalar<int32_t>(0, 0);
      if (!size.ok()) return size.error();
      if (*size < 0) return Error{"column '" + f.name + "' has a negative list size"};
      f.type.id = TypeId::kFixedSizeList;
      f.type.list_size = *size;
      break;
    }
    default:
      return Error{"column '" + f.name + "' has Arrow type " + std::to_string(*type_id) +
                   ", which this reader does not support"};
  }
  const auto encoded = table.table(4);
  if (!encoded.ok()) return encoded.error();
  if (*encoded) return Error{"column '" + f.name + "' is dictionary-encoded (unsupported)"};
  const auto children = table.vector(5, 4);
  if (!children.ok()) return children.error();
  for (size_t i = 0; i < children->count; ++i) {
    const auto child = table.table_at(*children, i);
    if (!child.ok()) return child.error();
    auto parsed = read_field(*child, depth + 1);
    if (!parsed.ok()) return parsed.error();
    f.children.push_back(std::move(*parsed));
  }
  const bool one_child = f.type.id == TypeId::kList || f.type.id == TypeId::kFixedSizeList;
  if (one_child && f.children.size() != 1) {
    return Error{"list column '" + f.name + "' must have exactly one child"};
  }
  if (!one_child && f.type.id != TypeId::kStruct && !f.children.empty()) {
    return Error{"column '" + f.name + "' of a flat type has children"};
  }
  return f;
}

// Walks the FieldNodes and Buffers of one batch in schema order.
class BatchDecoder {
 public:
  BatchDecoder(const fb::TableView& batch, fb::VectorRef nodes, fb::VectorRef buffers,
               const std::vector<uint8_t>& body)
      : batch_(batch), nodes_(nodes), buffers_(buffers), body_(body) {}

  Result<ArrayData> decode(const Field& field, int64_t expected_length) {
    if (node_ >= nodes_.count) return Error{"fewer field nodes than the schema has fields"};
    ArrayData a;
    a.length = batch_.struct_field<int64_t>(nodes_, node_, 0);
    a.null_count = batch_.struct_field<int64_t>(nodes_, node_, 8);
    ++node_;
    const std::string where = "column '" + field.name + "'";
    if (a.length < 0 || a.null_count < 0 || a.null_count > a.length) {
      return Error{where + ": bad length " + std::to_string(a.length) + " / null count " +
                   std::to_string(a.null_count)};
    }
    if (expected_length >= 0 && a.length < expected_length) {
      return Error{where + ": " + std::to_string(a.length) + " values where " +
                   std::to_string(expected_length) + " are needed"};
    }
    if (a.null_count > 0 && !field.nullable) {
      return Error{where + " is not nullable but holds nulls"};
    }
    const auto n = static_cast<size_t>(a.length);
    auto validity = buffer(where + " validity");
    if (!validity.ok()) return validity.error();
    if (a.null_count > 0) {
      auto bits = copy(*validity, (n + 7) / 8, where + " validity");
      if (!bits.ok()) return bits.error();
      a.validity = std::move(*bits);
    }
    switch (field.type.id) {
      case TypeId::kBool:
      case TypeId::kInt:
      case TypeId::kFloat64: {
        const size_t bytes = field.type.id == TypeId::kBool  ? (n + 7) / 8
                             : field.type.id == TypeId::kInt ? n * (field.type.bit_width / 8)
                                                             : n * 8;
        auto values = buffer(where + " values");
        if (!values.ok()) return values.error();
        auto copied = copy(*values, bytes, where + " values");
        if (!copied.ok()) return copied.error();
        a.values = std::move(*copied);
        break;
      }
      case TypeId::kUtf8: {
        auto offsets = read_offsets(a, where);
        if (!offsets.ok()) return offsets.error();
        auto data = buffer(where + " data");
        if (!data.ok()) return data.error();
        auto copied = copy(*data, static_cast<size_t>(a.offsets.back()), where + " data");
        if (!copied.ok()) return copied.error();
        a.values = std::move(*copied);
        break;
      }
      case TypeId::kList: {
        auto offsets = read_offsets(a, where);
        if (!offsets.ok()) return offsets.error();
        auto child = decode(field.children[0], a.offsets.back());
        if (!child.ok()) return child.error();
        a.children.push_back(std::move(*child));
        break;
      }
      case TypeId::kFixedSizeList: {
        auto child = decode(field.children[0], a.length * field.type.list_size);
        if (!child.ok()) return child.error();
        a.children.push_back(std::move(*child));
        break;
      }
      case TypeId::kStruct:
        for (const auto& c : field.children) {
          auto child = decode(c, a.length);
          if (!child.ok()) return child.error();
          a.children.push_back(std::move(*child));
        }
        break;
    }
    return a;
  }

  bool consumed_all() const { return node_ == nodes_.count && buffer_ == buffers_.count; }

 private:
  struct Span {
    size_t offset, length;
  };

  Result<Span> buffer(const std::string& what) {
    if (buffer_ >= buffers_.count)
      return Error{"fewer buffers than the schema needs (" + what + ")"};
    const auto offset = batch_.struct_field<int64_t>(buffers_, buffer_, 0);
    const auto length = batch_.struct_field<int64_t>(buffers_, buffer_, 8);
    ++buffer_;
    if (offset < 0 || length < 0 || static_cast<uint64_t>(offset) > body_.size() ||
        static_cast<uint64_t>(length) > body_.size() - static_cast<uint64_t>(offset)) {
      return Error{what + " buffer lies outside the message body"};
    }
    return Span{static_cast<size_t>(offset), static_cast<size_t>(length)};
  }

  Result<std::vector<uint8_t>> copy(Span span, size_t needed, const std::string& what) const {
    if (span.length < needed) {
      return Error{what + ": buffer of " + std::to_string(span.length) + " bytes, " +
                   std::to_string(needed) + " needed"};
    }
    const auto* begin = body_.data() + span.offset;
    return std::vector<uint8_t>(begin, begin + needed);
  }

  Status read_offsets(ArrayData& a, const std::string& where) {
    auto span = buffer(where + " offsets");
    if (!span.ok()) return span.error();
    const auto n = static_cast<size_t>(a.length);
    if (n == 0 && span->length == 0) {  // an empty array may omit its single offset
      a.offsets = {0};
      return {};
    }
    auto bytes = copy(*span, (n + 1) * 4, where + " offsets");
    if (!bytes.ok()) return bytes.error();
    a.offsets.resize(n + 1);
    std::memcpy(a.offsets.data(), bytes->data(), (n + 1) * 4);
    if (a.offsets[0] < 0) return Error{where + ": negative offset"};
    for (size_t i = 1; i <= n; ++i) {
      if (a.offsets[i] < a.offsets[i - 1]) return Error{where + ": offsets go backwards"};
    }
    return {};
  }

  const fb::TableView& batch_;
  fb::VectorRef nodes_, buffers_;
  const std::vector<uint8_t>& body_;
  size_t node_ = 0, buffer_ = 0;
};

}  // namespace

StreamReader::StreamReader(std::FILE* file) : file_(file) {
  struct stat st {};
  if (::fstat(::fileno(file), &st) == 0 && S_ISREG(st.st_mode)) {
    file_size_ = static_cast<uint64_t>(st.st_size);
  }
}

Status StreamReader::check_available(uint64_t size, const char* what) const {
  // A corrupt length must not turn into a huge allocation before the read fails.
  if (!file_size_) return {};
  const uint64_t left = *file_size_ - std::min(*file_size_, offset_);
  if (size <= left) return {};
  return Error{"stream truncated at byte " + std::to_string(offset_ + left) + " inside " + what +
               " (" + std::to_string(size) + " bytes needed, " + std::to_string(left) + " left)"};
}

Status StreamReader::read_exact(void* into, size_t size, const char* what) {
  if (auto s = check_available(size, what); !s.ok()) return s;
  const size_t got = size == 0 ? 0 : std::fread(into, 1, size, file_);
  offset_ += got;
  if (got != size) {
    if (std::ferror(file_) != 0) return Error{std::string("read error in ") + what};
    return Error{"stream truncated at byte " + std::to_string(offset_) + " inside " + what + " (" +
                 std::to_string(size - got) + " bytes missing)"};
  }
  return {};
}

Result<StreamReader::Message> StreamReader::read_message(bool& end) {
  end = false;
  Message m;
  m.offset = offset_;
  uint8_t prefix[8];
  const size_t got = std::fread(prefix, 1, 4, file_);
  offset_ += got;
  if (got == 0 && std::feof(file_) != 0) {
    if (m.offset == 0) return bad(0, "the file is empty");
    return bad(m.offset, "the stream ends without its end-of-stream marker (cut short?)");
  }
  if (got != 4) return Error{"stream truncated at byte " + std::to_string(offset_)};
  uint32_t continuation = 0;
  std::memcpy(&continuation, prefix, 4);
  if (continuation != kContinuation) {
    if (m.offset == 0 && std::memcmp(prefix, "ARRO", 4) == 0) {
      return bad(0, "this is an Arrow IPC file (\"ARROW1\" magic), not a stream");
    }
    return bad(m.offset, "no continuation marker 0xFFFFFFFF");
  }
  if (auto s = read_exact(prefix + 4, 4, "a message length"); !s.ok()) return s.error();
  int32_t length = 0;
  std::memcpy(&length, prefix + 4, 4);
  if (length == 0) {
    end = true;
    return m;
  }
  if (length < 0 || length > kMaxMetadataBytes) {
    return bad(m.offset, "metadata length " + std::to_string(length) + " is out of range");
  }
  if (auto s = check_available(static_cast<uint64_t>(length), "message metadata"); !s.ok()) {
    return s.error();
  }
  m.metadata.resize(static_cast<size_t>(length));
  if (auto s = read_exact(m.metadata.data(), m.metadata.size(), "message metadata"); !s.ok()) {
    return s.error();
  }
  const auto root = fb::TableView::root(m.metadata);
  if (!root.ok()) return bad(m.offset, root.error().message);
  const auto body_length = root->scalar<int64_t>(3, 0);
  if (!body_length.ok()) return bad(m.offset, body_length.error().message);
  if (*body_length < 0 || *body_length > kMaxBodyBytes) {
    return bad(m.offset, "body length " + std::to_string(*body_length) + " is out of range");
  }
  if (auto s = check_available(static_cast<uint64_t>(*body_length), "a message body"); !s.ok()) {
    return s.error();
  }
  m.body.resize(static_cast<size_t>(*body_length));
  if (auto s = read_exact(m.body.data(), m.body.size(), "a message body"); !s.ok()) {
    return s.error();
  }
  return m;
}

namespace {

// The Message root of a read message, with its version checked and its header type.
struct MessageHeader {
  fb::TableView header;
  uint8_t type;
  fb::TableView message;
};

Result<MessageHeader> header_of(const std::vector<uint8_t>& metadata) {
  const auto root = fb::TableView::root(metadata);
  if (!root.ok()) return root.error();
  const auto version = root->scalar<int16_t>(0, 0);
  if (!version.ok()) return version.error();
  if (*version != kMetadataV4 && *version != kMetadataV5) {
    return Error{"metadata version " + std::to_string(*version) + " (only V4 and V5 are read)"};
  }
  const auto type = root->scalar<uint8_t>(1, 0);
  if (!type.ok()) return type.error();
  const auto header = root->table(2);
  if (!header.ok()) return header.error();
  if (!*header) return Error{"message without a header"};
  return MessageHeader{**header, *type, *root};
}

}  // namespace

Result<Schema> StreamReader::read_schema() {
  bool end = false;
  auto m = read_message(end);
  if (!m.ok()) return m.error();
  if (end) return bad(m->offset, "the stream ends before its schema");
  const auto h = header_of(m->metadata);
  if (!h.ok()) return bad(m->offset, h.error().message);
  if (h->type != kHeaderSchema) {
    return bad(m->offset,
               "the first message is not a schema (header type " + std::to_string(h->type) + ")");
  }
  const auto endianness = h->header.scalar<int16_t>(0, 0);
  if (!endianness.ok()) return bad(m->offset, endianness.error().message);
  if (*endianness != 0) return bad(m->offset, "big-endian data is not supported");
  const auto fields = h->header.vector(1, 4);
  if (!fields.ok()) return bad(m->offset, fields.error().message);
  Schema schema;
  for (size_t i = 0; i < fields->count; ++i) {
    const auto f = h->header.table_at(*fields, i);
    if (!f.ok()) return bad(m->offset, f.error().message);
    auto field = read_field(*f, 0);
    if (!field.ok()) return bad(m->offset, field.error().message);
    schema.fields.push_back(std::move(*field));
  }
  auto metadata = read_key_values(h->header, 2);
  if (!metadata.ok()) return bad(m->offset, metadata.error().message);
  schema.metadata = std::move(*metadata);
  schema_ = schema;
  have_schema_ = true;
  return schema;
}

Result<std::optional<RecordBatch>> StreamReader::next_batch() {
  if (!have_schema_) return Error{"next_batch() before read_schema()"};
  bool end = false;
  auto m = read_message(end);
  if (!m.ok()) return m.error();
  if (end) return std::optional<RecordBatch>{};
  const auto h = header_of(m->metadata);
  if (!h.ok()) return bad(m->offset, h.error().message);
  if (h->type == kHeaderDictionaryBatch) {
    return bad(m->offset, "dictionary batches are not supported");
  }
  if (h->type != kHeaderRecordBatch) {
    return bad(m->offset, "expected a record batch, found header type " + std::to_string(h->type));
  }
  const fb::TableView& b = h->header;
  const auto compression = b.table(3);
  if (!compression.ok()) return bad(m->offset, compression.error().message);
  if (*compression) return bad(m->offset, "compressed record batches are not supported");
  RecordBatch batch;
  const auto length = b.scalar<int64_t>(0, 0);
  if (!length.ok()) return bad(m->offset, length.error().message);
  if (*length < 0) return bad(m->offset, "negative batch length");
  batch.length = *length;
  const auto nodes = b.vector(1, 16);
  const auto buffers = b.vector(2, 16);
  if (!nodes.ok()) return bad(m->offset, nodes.error().message);
  if (!buffers.ok()) return bad(m->offset, buffers.error().message);
  BatchDecoder decoder(b, *nodes, *buffers, m->body);
  for (const auto& field : schema_.fields) {
    auto column = decoder.decode(field, batch.length);
    if (!column.ok()) return bad(m->offset, column.error().message);
    if (column->length != batch.length) {
      return bad(m->offset, "column '" + field.name + "' has " + std::to_string(column->length) +
                                " rows, the batch " + std::to_string(batch.length));
    }
    batch.columns.push_back(std::move(*column));
  }
  if (!decoder.consumed_all()) {
    return bad(m->offset, "more field nodes or buffers than the schema has");
  }
  auto metadata = read_key_values(h->message, 4);
  if (!metadata.ok()) return bad(m->offset, metadata.error().message);
  batch.metadata = std::move(*metadata);
  return std::optional<RecordBatch>{std::move(batch)};
}

}  // namespace dwae::record::arrow
