// Reads a DWAE recording with apache-arrow (an Arrow implementation independent of ours) and
// checks it: the schema against the column table in docs/telemetry.md, the batch count, and
// every value against the expectation the C++ test wrote as JSON.
// Usage: node check_recording.cjs NODE_MODULES RECORDING EXPECTED_JSON TELEMETRY_MD [TABLE]
// TABLE names the documented column table (default recording-columns; raw-event-columns for a
// raw-event recording).
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const [modules, recordingPath, expectedPath, docsPath, table = 'recording-columns'] =
  process.argv.slice(2);
const arrow = require(path.join(modules, 'apache-arrow'));

const failures = [];
function fail(message) {
  failures.push(message);
}

// The documented type notation of an Arrow type.
function describe(type) {
  const { DataType } = arrow;
  if (DataType.isInt(type)) return `${type.isSigned ? 'int' : 'uint'}${type.bitWidth}`;
  if (DataType.isFloat(type)) return type.precision === arrow.Precision.DOUBLE ? 'float64' : '?';
  if (DataType.isUtf8(type)) return 'utf8';
  if (DataType.isBool(type)) return 'bool';
  if (DataType.isFixedSizeList(type)) {
    return `fixed_size_list<${describe(type.children[0].type)}>[${type.listSize}]`;
  }
  if (DataType.isList(type)) return `list<${describe(type.children[0].type)}>`;
  if (DataType.isStruct(type)) {
    return `struct<${type.children.map((c) => `${c.name}: ${describe(c.type)}`).join(', ')}>`;
  }
  return `unsupported(${type})`;
}

// A value as plain JSON: 64-bit integers as decimal strings, lists as arrays, structs as objects.
function plain(value, type) {
  if (value === null || value === undefined) return null;
  const { DataType } = arrow;
  if (DataType.isInt(type)) return type.bitWidth === 64 ? BigInt(value).toString() : Number(value);
  if (DataType.isFixedSizeList(type) || DataType.isList(type)) {
    const child = type.children[0].type;
    const out = [];
    for (let i = 0; i < value.length; ++i) out.push(plain(value.get(i), child));
    return out;
  }
  if (DataType.isStruct(type)) {
    const out = {};
    for (const c of type.children) out[c.name] = plain(value[c.name], c.type);
    return out;
  }
  return value;
}

// JSON text with object keys sorted, so that key order does not matter.
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

// Columns documented between the TABLE markers: name, type, nullable.
function documentedColumns(markdown) {
  const begin = markdown.indexOf(`<!-- ${table}:begin -->`);
  const end = markdown.indexOf(`<!-- ${table}:end -->`);
  if (begin < 0 || end < begin) throw new Error(`${docsPath}: no ${table} table`);
  const columns = [];
  for (const line of markdown.slice(begin, end).split('\n')) {
    const m = line.match(/^\| `([a-z0-9_]+)` \| (.+?) \| (null)? ?\|/);
    if (m) columns.push({ name: m[1], type: m[2].trim(), nullable: m[3] === 'null' });
  }
  return columns;
}

const expected = JSON.parse(fs.readFileSync(expectedPath, 'utf8'));
const bytes = fs.readFileSync(recordingPath);

// Batches one by one: one per tick.
const reader = arrow.RecordBatchReader.from(bytes).open();
const schema = reader.schema;
const batches = [];
for (const batch of reader) batches.push(batch);

const documented = documentedColumns(fs.readFileSync(docsPath, 'utf8'));
if (documented.length !== schema.fields.length) {
  fail(`the file has ${schema.fields.length} columns, the documentation ${documented.length}`);
}
schema.fields.forEach((field, i) => {
  const doc = documented[i];
  if (!doc) return;
  const actual = { name: field.name, type: describe(field.type), nullable: field.nullable };
  if (actual.name !== doc.name || actual.type !== doc.type || actual.nullable !== doc.nullable) {
    fail(`column ${i}: file ${JSON.stringify(actual)}, documentation ${JSON.stringify(doc)}`);
  }
});
for (const [key, value] of Object.entries(expected.schema_metadata)) {
  if (schema.metadata.get(key) !== value) {
    fail(`schema metadata ${key}: '${schema.metadata.get(key)}', expected '${value}'`);
  }
}

if (batches.length !== expected.batches.length) {
  fail(`${batches.length} record batches, expected ${expected.batches.length}`);
}
let checked = 0;
batches.forEach((batch, b) => {
  const rows = (expected.batches[b] || []);
  if (batch.numRows !== rows.length) fail(`batch ${b}: ${batch.numRows} rows, expected ${rows.length}`);
  schema.fields.forEach((field, c) => {
    const column = batch.getChildAt(c);
    rows.forEach((row, r) => {
      if (!(field.name in row)) {
        fail(`the expectation lacks column ${field.name}`);
        return;
      }
      const actual = canonical(plain(column.get(r), field.type));
      const want = canonical(row[field.name]);
      if (actual !== want) fail(`batch ${b} row ${r} ${field.name}: ${actual}, expected ${want}`);
      ++checked;
    });
  });
});

if (failures.length > 0) {
  console.error(failures.slice(0, 40).join('\n'));
  console.error(`${failures.length} mismatches`);
  process.exit(1);
}
const version = require(path.join(modules, 'apache-arrow', 'package.json')).version;
console.log(`apache-arrow ${version} read ${batches.length} batches, ` +
            `${schema.fields.length} columns, ${checked} values: all as expected`);
