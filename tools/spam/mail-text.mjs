// Turns one raw RFC 822 message into the plain text a classifier should see: the Subject line and the
// readable body, without headers, transfer encodings or HTML markup.
//
// Parsing works on "binary strings" (latin1, one character per byte) so that no byte is lost before the
// charset of each part is known; only the leaves are decoded to Unicode, each with its own charset.

/**
 * @param {Buffer} bytes the message as stored in the corpus, mbox "From " line and headers included
 * @returns {string} "Subject body" with whitespace collapsed to single spaces; may be empty
 */
export function messageToText(bytes) {
  const raw = bytes.toString('latin1');
  const { headers } = splitEntity(raw);
  const rawSubject = headers.get('subject') ?? '';
  // Where a part leaves its charset out, the charset the message names elsewhere is the best guess.
  const charsetHint = parseContentType(headers.get('content-type')).parameters.charset
    ?? /=\?([^?*]+)[^?]*\?[BbQq]\?/.exec(rawSubject)?.[1]
    ?? /charset\s*=\s*["']?([\w-]+)/i.exec(raw)?.[1];
  const subject = decodeHeaderValue(rawSubject, charsetHint);
  return collapseWhitespace(`${subject} ${entityToText(raw, charsetHint)}`);
}

function splitEntity(raw) {
  const blankLine = /\r?\n\r?\n/.exec(raw);
  const headerBlock = blankLine ? raw.slice(0, blankLine.index) : raw;
  const body = blankLine ? raw.slice(blankLine.index + blankLine[0].length) : '';
  return { headers: parseHeaders(headerBlock), body };
}

function parseHeaders(block) {
  const headers = new Map();
  // A line starting with white space continues the header above it (RFC 5322 folding).
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const match = /^([!-9;-~]+):(.*)$/.exec(line);
    // The first occurrence wins: spam sometimes repeats Subject or Content-Type further down.
    if (match && !headers.has(match[1].toLowerCase())) headers.set(match[1].toLowerCase(), match[2].trim());
  }
  return headers;
}

function parseContentType(value) {
  const type = (value ?? '').split(';')[0].trim().toLowerCase() || 'text/plain';
  const parameters = {};
  for (const match of (value ?? '').matchAll(/;\s*([\w.-]+)\s*=\s*(?:"([^"]*)"|([^;\s]*))/g)) {
    parameters[match[1].toLowerCase()] = match[2] ?? match[3];
  }
  return { type, parameters };
}

// Returns the readable text of a message or MIME part, or '' for parts that are not text (images,
// signatures, binary attachments).
function entityToText(raw, charsetHint) {
  const { headers, body } = splitEntity(raw);
  const { type, parameters } = parseContentType(headers.get('content-type'));

  if (type.startsWith('multipart/')) {
    const parts = splitMultipart(body, parameters.boundary);
    // A multipart message whose boundary never appears is read as plain text rather than lost.
    if (parts === null) return leafToText(body, headers, 'text/plain', parameters.charset, charsetHint);
    if (type === 'multipart/alternative') return chooseAlternative(parts, charsetHint);
    return parts.map((part) => entityToText(part, charsetHint)).filter((text) => text.trim() !== '').join(' ');
  }
  if (type === 'message/rfc822') return messageToText(Buffer.from(body, 'latin1'));
  if (type !== 'text/plain' && type !== 'text/html') return '';
  return leafToText(body, headers, type, parameters.charset, charsetHint);
}

// Alternatives carry the same content; the plain one is preferred because it needs no guessing.
function chooseAlternative(parts, charsetHint) {
  const texts = parts.map((part) => ({
    isPlain: parseContentType(splitEntity(part).headers.get('content-type')).type === 'text/plain',
    text: entityToText(part, charsetHint),
  })).filter(({ text }) => text.trim() !== '');
  return (texts.find(({ isPlain }) => isPlain) ?? texts[0])?.text ?? '';
}

function splitMultipart(body, boundary) {
  if (!boundary) return null;
  const delimiter = `--${boundary}`;
  const parts = [];
  let current = null;
  for (const line of body.split(/\r?\n/)) {
    const trimmed = line.trimEnd();
    if (trimmed === `${delimiter}--`) break;
    if (trimmed === delimiter) {
      if (current !== null) parts.push(current.join('\n'));
      current = [];
    } else if (current !== null) {
      current.push(line);
    }
  }
  if (current !== null) parts.push(current.join('\n'));
  return parts.length > 0 ? parts : null;
}

function leafToText(body, headers, type, charset, charsetHint) {
  const encoding = (headers.get('content-transfer-encoding') ?? '').trim().toLowerCase();
  const text = decodeCharset(decodeTransfer(body, encoding), charset, charsetHint);
  // Much spam sends HTML as text/plain or with no Content-Type at all; its markup would be noise.
  return type === 'text/html' || looksLikeHtml(text) ? htmlToText(text) : text;
}

function decodeTransfer(body, encoding) {
  if (encoding === 'base64') {
    return Buffer.from(body.replace(/[^A-Za-z0-9+/]/g, ''), 'base64').toString('latin1');
  }
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body.replace(/=\r?\n/g, ''));
  return body;
}

function decodeQuotedPrintable(text) {
  return text.replace(/=([0-9A-Fa-f]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Decodes a binary string to text. The declared charset wins; without a usable one the candidates are,
 * in order: a charset named in the text itself (an HTML meta tag), UTF-8, the charset hinted by the
 * message's headers (spam that declares its charset only in an encoded Subject), and Windows-1252, the
 * usual undeclared charset of 2002 mail, which maps every byte.
 */
function decodeCharset(binary, charset, hint) {
  const bytes = Buffer.from(binary, 'latin1');
  const declared = tryDecode(bytes, charset, { fatal: false });
  if (declared !== null) return declared;
  const metaCharset = /<meta[^>]*charset\s*=\s*["']?([\w-]+)/i.exec(binary)?.[1];
  for (const candidate of [metaCharset, 'utf-8', ...relatedCharsets(hint)]) {
    const text = tryDecode(bytes, candidate, { fatal: true });
    if (text !== null) return text;
  }
  return new TextDecoder('windows-1252').decode(bytes);
}

// Labels seen in the corpus that are not WHATWG encoding labels but plainly mean one.
const CHARSET_ALIASES = { chinesebig5: 'big5', gb2312_charset: 'gb2312' };

function tryDecode(bytes, charset, options) {
  if (!charset) return null;
  const label = charset.trim().toLowerCase();
  try {
    return new TextDecoder(CHARSET_ALIASES[label] ?? label, options).decode(bytes);
  } catch (error) {
    // RangeError: an unknown label ("default", "x-user-defined"); TypeError: bytes invalid in a fatal decode.
    if (error instanceof RangeError || error instanceof TypeError) return null;
    throw error;
  }
}

// Japanese mail of the time put ISO-2022-JP in headers but often Shift_JIS or EUC-JP in the body.
function relatedCharsets(hint) {
  if (!hint) return [];
  return /^iso-2022-jp/i.test(hint) ? [hint, 'shift_jis', 'euc-jp'] : [hint];
}

// RFC 2047 encoded words (=?charset?B|Q?...?=) in headers; other bytes are decoded with the message's
// charset as a hint, since spam often puts raw GB2312 or EUC-KR bytes straight into Subject.
function decodeHeaderValue(value, charsetHint) {
  const encodedWord = /=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=/g;
  // White space between two adjacent encoded words is not part of the text (RFC 2047 section 6.2).
  const joined = value.replace(/(\?=)\s+(?==\?[^?]+\?[BbQq]\?)/g, '$1');
  let text = '';
  let last = 0;
  for (const match of joined.matchAll(encodedWord)) {
    text += decodeCharset(joined.slice(last, match.index), undefined, charsetHint);
    const [, charset, encoding, payload] = match;
    const binary = encoding.toUpperCase() === 'B'
      ? Buffer.from(payload, 'base64').toString('latin1')
      : decodeQuotedPrintable(payload.replace(/_/g, ' '));
    text += decodeCharset(binary, charset);
    last = match.index + match[0].length;
  }
  return text + decodeCharset(joined.slice(last), undefined, charsetHint);
}

function looksLikeHtml(text) {
  return /<(html|body)\b|<\/(p|div|font|table|td|a)>|<br\s*\/?>/i.test(text);
}

const NAMED_ENTITIES = {
  nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", copy: '©', reg: '®', trade: '™',
  hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', bull: '•',
  middot: '·', pound: '£', euro: '€', cent: '¢', yen: '¥', deg: '°', times: '×', laquo: '«', raquo: '»',
};

function htmlToText(html) {
  return html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    // Style sheets and scripts are text between tags, but not text a reader sees.
    .replace(/<(style|script)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z]+);?/g, (entity, name) => {
      if (name[0] !== '#') return NAMED_ENTITIES[name.toLowerCase()] ?? entity;
      const codePoint = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      const isScalarValue = codePoint > 0 && codePoint <= 0x10ffff && !(codePoint >= 0xd800 && codePoint <= 0xdfff);
      return isScalarValue ? String.fromCodePoint(codePoint) : ' ';
    });
}

function collapseWhitespace(text) {
  // Control characters and zero-width spaces show up in spam as filler; they count as white space here.
  return text.replace(/[\s\u0000-\u001f\u007f-\u009f\u200b-\u200d\ufeff]+/g, ' ').trim();
}
