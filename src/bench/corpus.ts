import fs from 'node:fs';
import path from 'node:path';

/**
 * A generated knowledge base for benchmarks: Markdown files of `sectionsPerDoc` "##" sections,
 * each one chunk (~80–120 words). Topic clusters share vocabulary so the vectors are clustered
 * like real policy text rather than uniform noise. Deterministic for a seed.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const TOPICS = [
  'refund return window receipt restocking damaged item exchange',
  'shipping carrier parcel tracking cutoff dispatch courier delivery',
  'payout settlement bank transfer reserve balance currency statement',
  'commission fee referral fixed charge category percentage invoice',
  'coupon discount flash sale voucher promotion stacking budget',
  'listing title image variant prohibited brand category attribute',
  'account password login staff permission two factor phishing',
  'dispute chargeback evidence claim deadline bank buyer protection',
  'warranty repair defect replacement manufacturer serial registration',
  'inventory stock sync warehouse sku backorder reservation oversell',
  'tax invoice vat receipt billing address company registration',
  'customer message template response time escalation rating review',
];

function pseudoWord(rand: () => number): string {
  const syl = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'qu', 'bri', 'dan', 'fel', 'gor', 'hul'];
  let w = '';
  const n = 2 + Math.floor(rand() * 3);
  for (let i = 0; i < n; i++) w += syl[Math.floor(rand() * syl.length)];
  return w;
}

export function sectionText(rand: () => number, topic: number, vocab: string[]): string {
  const words = (TOPICS[topic] as string).split(' ');
  const n = 80 + Math.floor(rand() * 40);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    out.push(
      r < 0.35
        ? (words[Math.floor(rand() * words.length)] as string)
        : (vocab[Math.floor(rand() * vocab.length)] as string),
    );
    if (i % 15 === 14) out[out.length - 1] += '.';
  }
  return `${out.join(' ')}.`;
}

export interface GeneratedCorpus {
  dir: string;
  files: string[];
  chunks: number;
}

export function generateCorpus(
  dir: string,
  chunks: number,
  opts: { sectionsPerDoc?: number; seed?: number } = {},
): GeneratedCorpus {
  const per = opts.sectionsPerDoc ?? 20;
  const rand = mulberry32(opts.seed ?? 42);
  const vocab = Array.from({ length: 20_000 }, () => pseudoWord(rand));
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  let made = 0;
  for (let d = 0; made < chunks; d++) {
    const topic = d % TOPICS.length;
    const n = Math.min(per, chunks - made);
    const parts = [`---\ntitle: Generated policy ${d}\ntags: [bench]\n---\n# Policy ${d}\n`];
    for (let s = 0; s < n; s++) parts.push(`## Section ${d}.${s}\n\n${sectionText(rand, topic, vocab)}\n`);
    const file = path.join(dir, `doc-${String(d).padStart(6, '0')}.md`);
    fs.writeFileSync(file, parts.join('\n'));
    files.push(file);
    made += n;
  }
  return { dir, files, chunks: made };
}
