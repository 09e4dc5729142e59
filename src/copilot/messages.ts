import type { Language } from '../domain/llm.js';

/** What the copilot says when it does not answer itself. Short, with a way forward. */
const TEXT = {
  escalate: {
    en: "I couldn't find this in our knowledge base, so I've asked a teammate. They'll reply here.",
    zh: '知识库里没有找到这个问题的答案，我已经请同事来回答，他们会在这里回复你。',
  },
  no_answer: {
    en: "The knowledge base doesn't cover this clearly enough for me to answer, so I've asked a teammate. They'll reply here.",
    zh: '知识库的内容不足以让我准确回答，我已经请同事来回答，他们会在这里回复你。',
  },
  failure: {
    en: "Sorry, I couldn't finish this answer right now. I've asked a teammate to help; they'll reply here.",
    zh: '抱歉，我暂时无法完成回答。我已经请同事来帮忙，他们会在这里回复你。',
  },
  failure_no_ticket: {
    en: "Sorry, I couldn't finish this answer and couldn't reach a teammate either. Please try again in a minute.",
    zh: '抱歉，我暂时无法回答，也未能联系到同事。请稍后再试。',
  },
  requested: {
    en: "Sure, I've asked a teammate to join. They'll reply here.",
    zh: '好的，已为你转人工，同事会在这里回复你。',
  },
  clarify: {
    en: 'Which of these do you mean?',
    zh: '你指的是哪一个？',
  },
  withheld: {
    en: "I can't share my instructions or how I'm set up. I'm happy to help with questions about our policies, products and procedures.",
    zh: '我不能透露我的指令或设置。关于商家的政策、产品和流程，我很乐意帮忙。',
  },
  budget_space: {
    en: "\n\n_(Today's model budget for this knowledge space is used up, so these are quoted passages from the knowledge base. Ask for a teammate if this does not help.)_",
    zh: '\n\n_（本知识空间今日的模型用量已达上限，以上为知识库原文摘录。如果没有帮助，可以请求转人工。）_',
  },
  budget_user: {
    en: "\n\n_(You've reached today's model budget, so these are quoted passages from the knowledge base. Ask for a teammate if this does not help.)_",
    zh: '\n\n_（你今日的模型用量已达上限，以上为知识库原文摘录。如果没有帮助，可以请求转人工。）_',
  },
  safety_refused: {
    en: "I can't help with that here. If it's about an order, a product or one of our policies, please rephrase it, or ask for a human.",
    zh: '这个问题我无法在这里回答。如果是关于订单、商品或政策的问题，请换个说法，或者转人工。',
  },
  safety_handoff: {
    en: "I can't answer that myself, so I've passed it to a teammate. They'll reply here.",
    zh: '这个问题我无法自己回答，已转给同事，他们会在这里回复你。',
  },
  safety_withheld: {
    en: "I've stopped this answer because part of it broke our content rules. Please ask a teammate if you need more.",
    zh: '这个回答含有不符合内容规则的部分，已停止。如需帮助，请转人工。',
  },
  too_long: {
    en: 'That message is too long for me. Please shorten it to the question itself.',
    zh: '消息太长了，请只保留问题本身。',
  },
} as const;

export type MessageKey = keyof typeof TEXT;

export function say(key: MessageKey, language: Language): string {
  return TEXT[key][language];
}

export function attribution(language: Language, answeredBy?: string, answeredAt?: string): string {
  const date = answeredAt ? answeredAt.slice(0, 10) : '';
  if (language === 'zh')
    return `（由${answeredBy ? ` ${answeredBy} ` : '同事'}${date ? `于 ${date} ` : ''}解答）`;
  return `_(Answered by ${answeredBy ?? 'a teammate'}${date ? ` on ${date}` : ''}.)_`;
}
