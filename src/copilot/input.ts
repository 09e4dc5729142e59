/** Step 1 of the pipeline: input safety. Pure. */

export const MAX_QUESTION_CHARS = 4000;

export type InputCheck = { ok: true; text: string } | { ok: false; reason: 'empty' | 'too_long' };

// C0/C1 control characters except tab/newline, plus bidi overrides that can disguise text.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function checkQuestion(raw: string): InputCheck {
  const text = raw
    .normalize('NFKC')
    .replace(CONTROL, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  if (!text) return { ok: false, reason: 'empty' };
  if (text.length > MAX_QUESTION_CHARS) return { ok: false, reason: 'too_long' };
  return { ok: true, text };
}

const HUMAN_EN =
  /^(?:human|agent|person|operator|representative)(?:\s+please)?[.!?]*$|\b(?:talk|speak|chat|connect me)\s+(?:to|with)\s+(?:a\s+|an\s+|some\s*one|somebody|your\s+)?(?:real\s+|live\s+)?(?:human|person|agent|teammate|someone|somebody|staff|representative)\b|\b(?:want|need|get)\s+(?:a\s+)?(?:real\s+|live\s+)?(?:human|person|agent)\b|\b(?:real|live)\s+(?:human|person|agent)\b/i;
const HUMAN_ZH = /转人工|人工客服|找人工|要人工|^人工[。！!？?]*$|真人客服|找客服/;

/** The user asking for a human in words (English and Chinese). */
export function wantsHuman(text: string): boolean {
  return HUMAN_EN.test(text.trim()) || HUMAN_ZH.test(text);
}

export function helpText(language: 'en' | 'zh'): string {
  return language === 'zh'
    ? '请直接提问，例如：“退货期限是多久？”我会根据知识库回答并注明出处；如需人工，请说“转人工”。'
    : 'Ask me a question about our policies, e.g. "How long is the return window?" I answer from the knowledge base with sources; say "human" to reach a teammate.';
}
