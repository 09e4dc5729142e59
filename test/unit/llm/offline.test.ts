import { describe, expect, it } from 'vitest';
import type { Turn } from '../../../src/domain/answers.js';
import type { GenerateRequest, Language, PromptPassage } from '../../../src/domain/llm.js';
import { condenseHeuristic, createOfflineGenerator, sentences } from '../../../src/llm/offline.js';
import { detectLanguage } from '../../../src/text/language.js';

const passages: PromptPassage[] = [
  {
    n: 1,
    title: 'Returns',
    source: 'returns.md',
    text: '# Returns\nWe want you to love your order. Items can be returned within 30 days of delivery. Shipping labels are free for damaged goods.',
  },
  {
    n: 2,
    title: 'Shipping',
    source: 'shipping.md',
    text: 'Standard shipping takes 3-5 business days. Express shipping is available in major cities.',
  },
  {
    n: 3,
    title: '退款',
    source: 'refunds-zh.md',
    text: '退款会在收到退货后5个工作日内处理。退款将原路退回到付款账户！',
  },
];

function request(question: string, language: Language = detectLanguage(question)): GenerateRequest {
  return { question, language, passages, history: [], messages: [] };
}

async function answer(question: string) {
  const tokens: string[] = [];
  const result = await createOfflineGenerator().generate(request(question), (t) => tokens.push(t));
  return { ...result, tokens };
}

describe('offline generator', () => {
  it('picks the relevant sentence, cites it, and streams it in pieces', async () => {
    const { text, tokens, usage } = await answer('How many days do I have to return items?');
    expect(text.startsWith('Here is what our knowledge base says:')).toBe(true);
    expect(text).toContain('Items can be returned within 30 days of delivery. [1]');
    expect(text).not.toContain('# Returns');
    expect(tokens.length).toBeGreaterThan(5);
    expect(tokens.join('')).toBe(text);
    expect(usage).toBeUndefined();
  });

  it('keeps reading order and cites each passage it quotes', async () => {
    const { text } = await answer('How long does express shipping of returned items take?');
    expect(text).toMatch(/\[1\]/);
    expect(text).toMatch(/\[2\]/);
    expect(text.indexOf('[1]')).toBeLessThan(text.indexOf('[2]'));
  });

  it('answers a Chinese question with a Chinese lead-in and the sentence as written', async () => {
    const { text } = await answer('退款多久能处理？');
    expect(text.startsWith('根据知识库：')).toBe(true);
    expect(text).toContain('退款会在收到退货后5个工作日内处理。[3]');
  });

  it('answers "how long" with the sentence that carries a duration, first', async () => {
    const req: GenerateRequest = {
      question: 'How long do customers have to return an item?',
      language: 'en',
      history: [],
      messages: [],
      passages: [
        {
          n: 1,
          title: 'Returns and refunds',
          source: 'returns-and-refunds.md',
          text: 'Customers who want to return an item can email returns@shop.example or call the customer returns desk. Items may be sent back within 30 days of delivery.',
        },
      ],
    };
    const { text } = await createOfflineGenerator().generate(req, () => {});
    const body = text.split('\n\n')[1] ?? '';
    expect(body.startsWith('Items may be sent back within 30 days of delivery. [1]')).toBe(true);
  });

  it('answers "how much" with an amount and "can I" with a rule', async () => {
    const ask = (question: string, text: string) =>
      createOfflineGenerator().generate(
        {
          question,
          language: detectLanguage(question),
          history: [],
          messages: [],
          passages: [{ n: 1, title: 'x', source: 'x.md', text }],
        },
        () => {},
      );
    const fee = await ask(
      '提现到国内账户的手续费是多少？',
      '提现到国内账户需要财务角色账号操作，并在申请里写明手续费由谁承担。提现到国内账户收取 0.6% 的手续费。',
    );
    expect(fee.text.split('\n\n')[1]?.startsWith('提现到国内账户收取 0.6% 的手续费。')).toBe(true);
    const rule = await ask(
      'Can I ship knives to the UK?',
      'Knives ship from our UK partner warehouse in London. Knives must not be shipped to the UK or the EU.',
    );
    expect(rule.text.split('\n\n')[1]?.startsWith('Knives must not be shipped')).toBe(true);
  });

  it('an FAQ hit answers with its answer, not its question', async () => {
    const req: GenerateRequest = {
      question: 'Can I change my shipping address after ordering?',
      language: 'en',
      history: [],
      messages: [],
      passages: [
        {
          n: 1,
          title: 'FAQ',
          source: 'faq.csv',
          text: 'Q: Can I change my shipping address after ordering?\nA: Yes, until the order is packed. Contact support within 2 hours.',
        },
      ],
    };
    const { text } = await createOfflineGenerator().generate(req, () => {});
    expect(text).not.toContain('Q:');
    expect(text).not.toContain('Can I change');
    expect(text).toContain('Yes, until the order is packed. Contact support within 2 hours. [1]');
  });

  it('quotes at most four sentences: the answer and three that follow', async () => {
    const req: GenerateRequest = {
      question: 'refund policy',
      language: 'en',
      history: [],
      messages: [],
      passages: [
        {
          n: 1,
          title: 'Refunds',
          source: 'r.md',
          text: Array.from({ length: 8 }, (_, i) => `Refund policy rule ${i + 1} applies.`).join(' '),
        },
      ],
    };
    const { text } = await createOfflineGenerator().generate(req, () => {});
    expect(text.match(/\[1\]/g)).toHaveLength(4);
  });

  it('says NO_ANSWER when nothing overlaps, without streaming it', async () => {
    const { text, tokens } = await answer('Do you sell gift cards for pets?');
    expect(text).toBe('NO_ANSWER');
    expect(tokens).toEqual([]);
  });

  it('splits English and Chinese sentences, skipping headings', () => {
    expect(sentences('# Title\n- First point. Second point!\n退货。退款！')).toEqual([
      'First point.',
      'Second point!',
      '退货。',
      '退款！',
    ]);
  });
});

describe('condenseHeuristic', () => {
  const history: Turn[] = [
    { role: 'user', text: 'What is the return window for shoes?', at: 1 },
    { role: 'assistant', text: '30 days [1].', at: 2 },
  ];

  it('joins English follow-ups to the last user question', () => {
    expect(condenseHeuristic('And for EU orders?', history, 'en')).toBe(
      'What is the return window for shoes? — And for EU orders?',
    );
    expect(condenseHeuristic('What about sandals?', history, 'en')).toContain(
      'What is the return window for shoes?',
    );
    expect(condenseHeuristic('Does it include shipping?', history, 'en')).toContain(
      'What is the return window for shoes?',
    );
  });

  it('leaves standalone questions alone', () => {
    expect(condenseHeuristic('How do I change my delivery address?', history, 'en')).toBe(
      'How do I change my delivery address?',
    );
    expect(condenseHeuristic('And for EU orders?', [], 'en')).toBe('And for EU orders?');
  });

  it('joins Chinese follow-ups', () => {
    const zh: Turn[] = [{ role: 'user', text: '鞋子的退货期限是多久？', at: 1 }];
    expect(condenseHeuristic('那退款呢？', zh, 'zh')).toBe('鞋子的退货期限是多久？ — 那退款呢？');
    expect(condenseHeuristic('这个包括运费吗？', zh, 'zh')).toContain('鞋子的退货期限');
    expect(condenseHeuristic('如何修改收货地址和联系电话？', zh, 'zh')).toBe('如何修改收货地址和联系电话？');
  });
});

describe('detectLanguage', () => {
  it('tells Chinese from English', () => {
    expect(detectLanguage('退货政策是什么？')).toBe('zh');
    expect(detectLanguage('SKU-100 的退货政策')).toBe('zh');
    expect(detectLanguage('What does 退货 mean in the policy?')).toBe('en');
    expect(detectLanguage('')).toBe('en');
  });
});
