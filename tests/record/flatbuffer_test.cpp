// The FlatBuffers builder and checked view: what is built reads back, offsets and alignment
// follow the format, and damaged buffers give errors instead of out-of-bounds reads.
#include "dwae/record/flatbuffer.h"

#include <gtest/gtest.h>

#include <cstring>

namespace dwae::record::fb {
namespace {

std::vector<uint8_t> sample_buffer() {
  Table child;
  child.add_i32(0, -7).add_string(1, "");
  std::vector<Table> list(2);
  list[0].add_string(0, "a");
  list[1].add_string(0, "bc");
  std::vector<uint8_t> structs(32);
  for (size_t i = 0; i < structs.size(); ++i) structs[i] = static_cast<uint8_t>(i);
  Table root;
  root.add_i16(0, 4)
      .add_u8(1, 3)
      .add_table(2, std::move(child))
      .add_i64(3, -1234567890123)
      .add_tables(4, std::move(list))
      .add_structs(6, std::move(structs), 2, 8)
      .add_bool(7, true)
      .add_string(8, "name");
  return root.finish();
}

TEST(FlatBuffer, ReadsBackWhatWasBuilt) {
  const auto buffer = sample_buffer();
  EXPECT_EQ(buffer.size() % 8, 0U);
  auto root = TableView::root(buffer);
  ASSERT_TRUE(root.ok()) << root.error().message;
  EXPECT_EQ(*root->scalar<int16_t>(0, 0), 4);
  EXPECT_EQ(*root->scalar<uint8_t>(1, 0), 3);
  EXPECT_EQ(*root->scalar<int64_t>(3, 0), -1234567890123);
  EXPECT_EQ(*root->scalar<uint8_t>(7, 0), 1);
  EXPECT_EQ(*root->scalar<int32_t>(5, 99), 99);   // absent: the default
  EXPECT_EQ(*root->scalar<int32_t>(40, 98), 98);  // beyond the vtable: the default
  EXPECT_EQ(root->string(8)->value(), "name");
  EXPECT_FALSE(root->string(5)->has_value());

  auto child = root->table(2);
  ASSERT_TRUE(child.ok() && child->has_value());
  EXPECT_EQ(*(*child)->scalar<int32_t>(0, 0), -7);
  EXPECT_EQ((*child)->string(1)->value(), "");

  auto list = root->vector(4, 4);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->count, 2U);
  EXPECT_EQ(root->table_at(*list, 1)->string(0)->value(), "bc");
  EXPECT_FALSE(root->table_at(*list, 2).ok());

  auto structs = root->vector(6, 16);
  ASSERT_TRUE(structs.ok());
  ASSERT_EQ(structs->count, 2U);
  EXPECT_EQ(structs->data % 8, 0U);  // 8-byte structs are 8-aligned
  EXPECT_EQ(root->struct_field<uint8_t>(*structs, 1, 3), 19);
}

TEST(FlatBuffer, ScalarsAreAlignedToTheirSize) {
  Table t;
  t.add_u8(0, 1).add_i64(1, 2).add_i16(2, 3).add_i32(3, 4);
  const auto buffer = t.finish();
  auto root = TableView::root(buffer);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(*root->scalar<int64_t>(1, 0), 2);
  EXPECT_EQ(*root->scalar<int32_t>(3, 0), 4);
  // The table starts 8-aligned, so each field's offset in it shows its absolute alignment.
  uint32_t table = 0;
  std::memcpy(&table, buffer.data(), 4);
  EXPECT_EQ(table % 8, 0U);
}

TEST(FlatBuffer, DamagedBuffersAreErrors) {
  const auto good = sample_buffer();
  EXPECT_FALSE(TableView::root(std::vector<uint8_t>{1, 2}).ok());

  auto bad_root = good;
  bad_root[0] = 0xF0;
  bad_root[1] = 0xFF;
  EXPECT_FALSE(TableView::root(bad_root).ok());

  // Every single-byte change either still reads or fails cleanly, never reads out of bounds.
  for (size_t i = 0; i < good.size(); ++i) {
    for (const uint8_t value : {uint8_t{0}, uint8_t{0x7F}, uint8_t{0xFF}}) {
      auto damaged = good;
      damaged[i] = value;
      auto root = TableView::root(damaged);
      if (!root.ok()) continue;
      (void)root->scalar<int64_t>(3, 0);
      (void)root->string(8);
      if (auto child = root->table(2); child.ok() && child->has_value()) {
        (void)(*child)->string(1);
      }
      if (auto list = root->vector(4, 4); list.ok()) {
        for (size_t k = 0; k < list->count; ++k) {
          if (auto t = root->table_at(*list, k); t.ok()) (void)t->string(0);
        }
      }
      (void)root->vector(6, 16);
    }
  }
}

}  // namespace
}  // namespace dwae::record::fb
