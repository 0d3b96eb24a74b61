// Which file (train or test) and label each message of the corpus goes to.

// Split by collection, as the corpus was published: the first collections train, the second ones and
// the hard ham test. The "-2" collections were published later but their mail is mostly older
// (Jun-Aug 2002, some spam from 2001, against Aug-Oct 2002 for train), so this is no forward-in-time
// split; it does keep messages of one collection period together, and the hard ham is never trained on.
const COLLECTION_SPLIT = {
  'easy-ham-1': 'train',
  'spam-1': 'train',
  'easy-ham-2': 'test',
  'hard-ham-1': 'test',
  'spam-2': 'test',
};

const LABEL_BY_GROUP = {
  'easy-ham-1': 'ham',
  'easy-ham-2': 'ham',
  'hard-ham-1': 'ham',
  'spam-1': 'spam',
  'spam-2': 'spam',
};

export const SPLITS = ['collection', 'mixed'];

// 'collection': the table above. 'mixed': every group shared between the files, a message tested when
// the first 32 bits of its MD5 are divisible by 5 (about 20%), so the split is the same on every run and
// for every reader, whatever order the package lists the messages in.
export function assignSplit(group, md5, split) {
  const label = LABEL_BY_GROUP[group];
  if (!label) throw new Error(`group '${group}' has no label; add it to LABEL_BY_GROUP`);
  if (split === 'collection') return { split: COLLECTION_SPLIT[group], label };
  if (split === 'mixed') return { split: parseInt(md5.slice(0, 8), 16) % 5 === 0 ? 'test' : 'train', label };
  throw new Error(`unknown split '${split}' (${SPLITS.join(' or ')})`);
}
