// Drives `ortagent serve --fine-tuning` with OpenAI's official Node library, as a Node app would, and checks what the
// library makes of each answer: the objects it parses, auto-pagination, and for each developer mistake the error
// class, status, code and param, and that it sent the request once (no retry of a refusal a retry would meet again).
// Every loop is bounded (at most 50 iterations and 60 s). Usage (see README.md):
//   ORTAGENT_URL=http://127.0.0.1:8080/v1 ORTAGENT_KEY=my-key node tools/node-openai/check.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI, { toFile } from 'openai';

const baseURL = process.env.ORTAGENT_URL ?? 'http://127.0.0.1:8080/v1';
const apiKey = process.env.ORTAGENT_KEY ?? 'my-key';
let attempts = 0;
// Counts the library's HTTP requests, so a retried refusal shows (its FormData probe, a data: URL, is not one).
const countingFetch = (url, init) => { if (!String(url).startsWith('data:')) attempts++; return fetch(url, init); };
const client = new OpenAI({ apiKey, baseURL, maxRetries: 2, timeout: 120_000, fetch: countingFetch });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let failures = 0;

function expect(name, ok, detail = '') {
  if (!ok) failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
}

/** Runs a call that must be refused: the error's class, status, code and param, and a single request. */
async function refused(name, call, { type, status, code, param }) {
  attempts = 0;
  try {
    const result = await call();
    expect(name, false, `answered ${JSON.stringify(result).slice(0, 200)}`);
  } catch (e) {
    const ok = e instanceof type && e.status === status && e.code === code && (param === undefined || e.param === param) && attempts === 1;
    expect(name, ok, `${e.constructor.name} ${e.status} code=${e.code} param=${e.param} requests=${attempts}: ${String(e.message).slice(0, 160)}`);
  }
}

/** Every item of an auto-paginated list, at most 50. */
async function all(list) {
  const items = [];
  const started = Date.now();
  for await (const item of list) {
    items.push(item);
    if (items.length >= 50 || Date.now() - started > 60_000) break;
  }
  return items;
}

/** The reviews of data/reviews.csv (quoted fields may hold commas) as OpenAI's chat format, one JSON line each. */
function chatLines(from, count) {
  const rows = fs.readFileSync(new URL('../../data/reviews.csv', import.meta.url), 'utf8').trim().split('\n').slice(1)
    .map((line) => line.match(/^(?:"((?:[^"]|"")*)"|([^,]*)),(.*)$/))
    .map((m) => ({ text: (m[1] ?? m[2]).replaceAll('""', '"'), label: m[3].trim() }));
  return rows.slice(from, from + count).map((r) => JSON.stringify({ messages: [
    { role: 'system', content: 'Classify the review.' }, { role: 'user', content: r.text }, { role: 'assistant', content: r.label }] })).join('\n') + '\n';
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ortagent-node-'));
try {
  fs.writeFileSync(path.join(scratch, 'train.jsonl'), chatLines(0, 40));
  const train = await client.files.create({ file: fs.createReadStream(path.join(scratch, 'train.jsonl')), purpose: 'fine-tune' });
  const valid = await client.files.create({ file: await toFile(Buffer.from(chatLines(40, 20)), 'valid.jsonl'), purpose: 'fine-tune' });
  expect('upload (createReadStream, toFile)', train.status === 'processed' && valid.filename === 'valid.jsonl', `${train.id} ${valid.id}`);
  expect('files.retrieve', (await client.files.retrieve(train.id)).bytes === train.bytes);
  const files = await all(client.files.list({ limit: 1 }));
  expect('files.list auto-paginates (limit 1)', files.some((f) => f.id === train.id) && new Set(files.map((f) => f.id)).size === files.length, `${files.length} files`);

  const job = await client.fineTuning.jobs.create({
    model: 'minilm', training_file: train.id, validation_file: valid.id, suffix: 'node', seed: 7, metadata: { app: 'node-check' },
    method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 1, batch_size: 8, learning_rate_multiplier: 2 } } },
  });
  expect('jobs.create (method form)', job.status === 'queued' && job.seed === 7 && job.hyperparameters.n_epochs === 1, job.id);
  const older = await client.fineTuning.jobs.create({ model: 'minilm', training_file: train.id, suffix: 'older', hyperparameters: { n_epochs: 1, batch_size: 'auto' } });
  expect('jobs.create (older hyperparameters form)', typeof older.seed === 'number' && older.hyperparameters.batch_size === 16, older.id);

  // Mistakes, while the jobs above hold the training file.
  await refused('delete a file a job uses', () => client.files.delete(train.id), { type: OpenAI.ConflictError, status: 409, code: 'file_in_use', param: 'file_id' });
  await refused('wrong file id', () => client.files.retrieve('file-nope'), { type: OpenAI.NotFoundError, status: 404, code: 'file_not_found' });
  await refused('purpose assistants', () => client.files.create({ file: fs.createReadStream(path.join(scratch, 'train.jsonl')), purpose: 'assistants' }),
    { type: OpenAI.BadRequestError, status: 400, code: 'invalid_purpose', param: 'purpose' });
  await refused('bytes without a name', async () => client.files.create({ file: await toFile(Buffer.from('{}\n')), purpose: 'fine-tune' }),
    { type: OpenAI.BadRequestError, status: 400, code: 'invalid_file_format', param: 'file' });
  const bad = await client.files.create({ file: await toFile(Buffer.from('not json\n'), 'bad.jsonl'), purpose: 'fine-tune' });
  await refused('job on bad JSONL', () => client.fineTuning.jobs.create({ model: 'minilm', training_file: bad.id }),
    { type: OpenAI.BadRequestError, status: 400, code: 'invalid_file', param: 'training_file' });
  await client.files.delete(bad.id);
  await refused('job on a wrong file id', () => client.fineTuning.jobs.create({ model: 'minilm', training_file: 'file-nope' }),
    { type: OpenAI.BadRequestError, status: 400, code: 'invalid_file', param: 'training_file' });
  await refused('unknown model', () => client.fineTuning.jobs.create({ model: 'gpt-4o-mini', training_file: train.id }),
    { type: OpenAI.BadRequestError, status: 400, code: 'model_not_available', param: 'model' });
  await refused('n_epochs 0', () => client.fineTuning.jobs.create({ model: 'minilm', training_file: train.id, method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 0 } } } }),
    { type: OpenAI.BadRequestError, status: 400, code: 'integer_below_min_value', param: 'method.supervised.hyperparameters.n_epochs' });
  await refused('learning_rate_multiplier -1', () => client.fineTuning.jobs.create({ model: 'minilm', training_file: train.id, hyperparameters: { learning_rate_multiplier: -1 } }),
    { type: OpenAI.BadRequestError, status: 400, code: 'decimal_below_min_value', param: 'hyperparameters.learning_rate_multiplier' });
  await refused('17 metadata pairs', () => client.fineTuning.jobs.create({ model: 'minilm', training_file: train.id, metadata: Object.fromEntries([...Array(17).keys()].map((i) => [`k${i}`, 'v'])) }),
    { type: OpenAI.BadRequestError, status: 400, code: 'object_above_max_properties', param: 'metadata' });
  await refused('wrong key', () => new OpenAI({ apiKey: 'wrong', baseURL, maxRetries: 2, fetch: countingFetch }).models.list(),
    { type: OpenAI.AuthenticationError, status: 401, code: 'invalid_api_key' });
  await refused('no /v1 in baseURL', () => new OpenAI({ apiKey, baseURL: baseURL.replace(/\/v1\/?$/, ''), maxRetries: 2, fetch: countingFetch }).models.list(),
    { type: OpenAI.NotFoundError, status: 404, code: 'unknown_url' });

  const filtered = await all(client.fineTuning.jobs.list({ metadata: { app: 'node-check' } }));
  expect('jobs.list metadata filter', filtered.some((j) => j.id === job.id) && !filtered.some((j) => j.id === older.id));
  const withoutMetadata = await all(client.fineTuning.jobs.list({ metadata: null }));
  expect('jobs.list metadata: null', withoutMetadata.some((j) => j.id === older.id) && !withoutMetadata.some((j) => j.id === job.id));

  // The older job waits behind the first: pause holds it back, resume queues it again, cancel ends it.
  const paused = await client.fineTuning.jobs.pause(older.id);
  const resumed = await client.fineTuning.jobs.resume(older.id);
  const cancelled = await client.fineTuning.jobs.cancel(older.id);
  expect('pause, resume, cancel', paused.status === 'paused' && resumed.status === 'queued' && cancelled.status === 'cancelled', `${paused.status} → ${resumed.status} → ${cancelled.status}`);
  await refused('cancel a cancelled job', () => client.fineTuning.jobs.cancel(older.id), { type: OpenAI.BadRequestError, status: 400, code: 'invalid_job_state' });

  let done = job;
  for (let i = 0; i < 50 && !['succeeded', 'failed', 'cancelled'].includes(done.status); i++) {
    await sleep(1200);
    done = await client.fineTuning.jobs.retrieve(job.id);
  }
  expect('job succeeds within 60 s', done.status === 'succeeded', `${done.status} ${done.fine_tuned_model ?? ''} ${done.error ? JSON.stringify(done.error) : ''}`);
  const events = await all(client.fineTuning.jobs.listEvents(job.id, { limit: 2 }));
  expect('listEvents auto-paginates (limit 2)', events.length > 2 && new Set(events.map((e) => e.id)).size === events.length && events.every((e) => ['info', 'warn', 'error'].includes(e.level)), `${events.length} events`);
  const checkpoints = await all(client.fineTuning.jobs.checkpoints.list(job.id, { limit: 1 }));
  expect('checkpoints.list', done.status !== 'succeeded' || checkpoints.length > 0 && checkpoints.every((c) => typeof c.step_number === 'number' && c.metrics), `${checkpoints.length} checkpoints`);

  if (done.status === 'succeeded') {
    const model = done.fine_tuned_model;
    expect('models.list and retrieve', (await client.models.list()).data.some((m) => m.id === model) && (await client.models.retrieve(model)).id === model);
    const chat = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Broke after one day, a waste of money.' }], logprobs: true, top_logprobs: 2 });
    const choice = chat.choices[0];
    expect('chat.completions.create', ['positive', 'negative'].includes(choice.message.content) && choice.logprobs.content[0].top_logprobs.length === 2, choice.message.content);
    await refused('chat stream: true', () => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], stream: true }),
      { type: OpenAI.BadRequestError, status: 400, code: 'unsupported_parameter', param: 'stream' });
    await refused('chat top_logprobs 30', () => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], logprobs: true, top_logprobs: 30 }),
      { type: OpenAI.BadRequestError, status: 400, code: 'integer_above_max_value', param: 'top_logprobs' });
    expect('models.delete', (await client.models.delete(model)).deleted === true);
    await refused('chat with a deleted model', () => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }),
      { type: OpenAI.NotFoundError, status: 404, code: 'model_not_found', param: 'model' });
  }
  for (const id of [train.id, valid.id, ...done.result_files]) await client.files.delete(id);
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
console.log(failures === 0 ? 'all checks passed' : `${failures} check(s) failed`);
process.exitCode = failures === 0 ? 0 : 1;
