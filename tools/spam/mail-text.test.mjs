// node --test tools/spam/
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messageToText } from './mail-text.mjs';

const message = (lines) => Buffer.from(lines.join('\r\n'), 'latin1');

test('drops headers, keeps the subject, decodes RFC 2047 and quoted-printable', () => {
  const text = messageToText(message([
    'From someone@example.com  Thu Aug 22 13:17:22 2002',
    'Subject: =?iso-8859-1?Q?Caf=E9?= =?utf-8?B?4pyT?= news',
    'Content-Type: text/plain; charset=iso-8859-1',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Cr=E8me br=FBl=',
    'ee, tonight.',
  ]));
  assert.equal(text, 'Café✓ news Crème brûlee, tonight.');
});

test('prefers the plain alternative and skips attachments that are not text', () => {
  const text = messageToText(message([
    'Subject: hi',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    '--outer',
    'Content-Type: multipart/alternative; boundary=inner',
    '',
    '--inner',
    'Content-Type: text/html',
    '',
    '<p>html version</p>',
    '--inner',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('plain version').toString('base64'),
    '--inner--',
    '--outer',
    'Content-Type: image/gif',
    'Content-Transfer-Encoding: base64',
    '',
    'R0lGODlhAQABAAAAACw=',
    '--outer--',
  ]));
  assert.equal(text, 'hi plain version');
});

test('reduces HTML to its text, also when it is not declared as HTML', () => {
  const text = messageToText(message([
    'Subject: offer',
    '',
    '<html><style>p { color: red }</style><body><p>Save&nbsp;50&#37; &amp; more</p><!-- hidden --></body></html>',
  ]));
  assert.equal(text, 'offer Save 50% & more');
});

test('decodes an undeclared body with the charset its HTML meta tag names', () => {
  const gb2312 = Buffer.from([0xc4, 0xe3, 0xba, 0xc3]).toString('latin1'); // 你好
  const text = messageToText(message([
    'Subject: x',
    'Content-Type: text/html',
    '',
    `<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>${gb2312}</body></html>`,
  ]));
  assert.equal(text, 'x 你好');
});
