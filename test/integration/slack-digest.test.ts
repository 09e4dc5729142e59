import fs from 'node:fs';
import path from 'node:path';
import matter from 'gray-matter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnswerRecord } from '../../src/domain/answers.js';
import { categoryOf } from '../../src/insights/types.js';
import { InProcessDedupStore } from '../../src/slack/dedup.js';
import { startDigestSchedule } from '../../src/slack/digest.js';
import { type FakeSlackApi, type SlackCall, startFakeSlackApi } from '../fakes/slack-api.js';
import { copyKnowledge } from '../helpers/app.js';
import { REDIS_URL, redisAvailable } from '../helpers/services.js';
import {
  appMention,
  blockAction,
  buttonValue,
  eventCallback,
  isArgs,
  postsIn,
  type RealSlackApp,
  slashCommand,
  startRealSlackApp,
  streamedAnswer,
  viewPayload,
} from '../helpers/slack.js';

/**
 * Issue 13, the weekly digest in Slack: the real app (buildApp + attachSlack) receiving signed
 * requests and calling the fake Slack Web API. Questions asked in Slack, 👎 given through the
 * reason modal and a teammate's reply on a ticket make the week; `/copilot digest` posts its
 * figures and gaps; a gap's button opens the draft (the teammate's reply: no model here); the
 * modal saves it as knowledge and the thread is told; the question is then answered from it.
 */
const DESK = 'CSUPPORT';
const GIFT = [
  'Do you offer gift wrapping?',
  'Can my order be gift wrapped?',
  'Is gift wrap available at checkout?',
];
const OFF_TOPIC = 'What is the weather in Paris today?';
const REPLY = 'Gift wrapping costs 4 € per parcel; tick "Gift wrap" at checkout.';
const SAVED = 'Yes: tick "Gift wrap" at checkout. It costs 4 € per parcel and hides the prices.';

let app: RealSlackApp;
let knowledgeDir: string;
const records: AnswerRecord[] = [];

const calls = (method: string) => app.fake.calls.filter((c) => c.method === method);
const ephemeralsTo = (user: string) => calls('chat.postEphemeral').filter((c) => c.args.user === user);
const replies = (id: string) => app.fake.calls.filter((c) => c.method === 'response_url' && c.args.id === id);

async function command(text: string, user: string): Promise<SlackCall[]> {
  const id = `digest-${Math.random()}`;
  const res = await app.send(
    slashCommand({ text, user, channel: 'C1', responseUrl: app.fake.responseUrl(id) }),
  );
  expect(res.status).toBe(200);
  await app.fake.waitFor((c) => c.some((x) => x.method === 'response_url' && x.args.id === id));
  return replies(id);
}

/** Asks in a new thread; returns the streamed answer and its record. */
async function ask(text: string, channel: string, user: string) {
  const m = appMention({ channel, user, text });
  await app.send(eventCallback(m));
  const answer = await streamedAnswer(app.fake, channel, m.ts);
  const answerId = buttonValue(answer.blocks, 'copilot_feedback_down');
  return { m, answer, answerId };
}

/** Polls outside a test (set-up): resolves once `pred` holds, fails after `ms`. */
async function until(pred: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('set-up condition not reached');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Block Kit text, flattened, for assertions. */
const textOf = (blocks: unknown) => JSON.stringify(blocks ?? null);

beforeAll(async () => {
  const kb = copyKnowledge();
  knowledgeDir = kb.knowledgeDir;
  app = await startRealSlackApp({
    KNOWLEDGE_DIR: kb.knowledgeDir,
    INDEX_DIR: kb.indexDir,
    LLM_PROVIDER: 'offline',
    REDIS_URL: '',
    SLACK_HANDOFF_CHANNEL: DESK,
    SLACK_ANSWER_EDITORS: 'UEDITOR',
  });
  // The gift-wrap questions get extractive answers that miss the point: each asker gives 👎.
  for (const [i, q] of GIFT.entries()) {
    const { m, answer, answerId } = await ask(q, `CG${i}`, `UG${i}`);
    await app.send(
      blockAction({
        actionId: 'copilot_feedback_down',
        value: answerId,
        user: `UG${i}`,
        channel: `CG${i}`,
        messageTs: answer.ts,
        threadTs: m.ts,
      }),
    );
    await app.fake.waitFor((c) => c.filter((x) => x.method === 'views.open').length > i);
    const view = calls('views.open')[i]?.args.view;
    await app.send(
      viewPayload({
        callbackId: 'copilot_feedback_reason',
        privateMetadata: isArgs(view) ? String(view.private_metadata) : '',
        user: `UG${i}`,
        values: { reason: { reason_input: { type: 'plain_text_input', value: 'Does not say' } } },
      }),
    );
    await until(async () => (await app.built.stores.answers.get(answerId))?.feedback?.rating === 'down');
    records.push((await app.built.stores.answers.get(answerId)) as AnswerRecord);
    // The first asker also asks for a human; a teammate replies on the card (not saved).
    if (i === 0) {
      await app.send(
        blockAction({
          actionId: 'copilot_ask_human',
          value: buttonValue(answer.blocks, 'copilot_ask_human'),
          user: 'UG0',
          channel: 'CG0',
          messageTs: answer.ts,
          threadTs: m.ts,
        }),
      );
      await until(async () => (await app.built.handoffs.listFor(`T1:CG0:${m.ts}`)).length === 1);
      const [ticket] = await app.built.handoffs.listFor(`T1:CG0:${m.ts}`);
      const r = await app.built.handoffs.reply(ticket?.id as string, 'UALICE', REPLY, { fromSlack: true });
      if (!r.ok) throw new Error('teammate reply failed');
    }
  }
  // Beyond the knowledge: escalated.
  const off = await ask(OFF_TOPIC, 'CW', 'UW');
  if (!/asked a teammate/i.test(off.answer.text)) throw new Error('the off-topic question was answered');
  const offRecord = (await app.built.handoffs.listFor(`T1:CW:${off.m.ts}`))[0];
  records.push((await app.built.stores.answers.get(offRecord?.answerId as string)) as AnswerRecord);
}, 180_000);
afterAll(async () => {
  await app?.close();
});

describe('weekly digest in Slack (real Bolt app, fake Slack API)', () => {
  let digest: SlackCall;
  let gapButton: string;

  it('/copilot digest is for admins only', async () => {
    const [reply] = await command('digest', 'UG1');
    expect(String(reply?.args.text)).toContain('only Copilot admins can post the digest');
    expect(
      postsIn(app.fake.calls, DESK).filter((c) => textOf(c.args.blocks).includes('weekly digest')),
    ).toEqual([]);
  });

  it('an admin posts it in the desk channel: figures equal the records, the gaps have buttons', async () => {
    const [reply] = await command('digest', 'UADMIN');
    expect(String(reply?.args.text)).toBe(`Posted this week's digest in <#${DESK}>.`);
    digest = postsIn(app.fake.calls, DESK).find((c) =>
      textOf(c.args.blocks).includes('Copilot weekly digest'),
    ) as SlackCall;
    expect(digest).toBeDefined();

    const automated = records.filter((r) => ['answered', 'saved', 'cache'].includes(categoryOf(r))).length;
    const down = records.filter((r) => r.feedback?.rating === 'down').length;
    const escalated = records.filter((r) => r.decision === 'escalate').length;
    expect([records.length, automated, down, escalated]).toEqual([4, 3, 3, 1]);
    const blocks = textOf(digest.args.blocks);
    expect(blocks).toContain(`*Questions*\\n${records.length}`);
    expect(blocks).toContain(`*Automated resolution*\\n${Math.round((automated / records.length) * 100)} %`);
    expect(blocks).toContain(`*👍 / 👎*\\n0 / ${down}`);
    expect(blocks).toContain(`*Escalations*\\n${escalated}`);
    expect(String(digest.args.text)).toContain(
      '4 questions, 75 % automated, 0 👍 / 3 👎, 1 escalations, 2 knowledge gaps',
    );

    // Two gaps: the three gift-wrap wordings as one (first), the off-topic question alone.
    expect(blocks).toContain('*3×*');
    expect(blocks).toContain('*1×*');
    expect(blocks.indexOf('*3×*')).toBeLessThan(blocks.indexOf('*1×*'));
    expect(blocks).toContain('1 teammate reply');
    gapButton = buttonValue(digest.args.blocks, 'gap_draft');
    expect(JSON.parse(gapButton)).toMatchObject({ s: 'default', i: expect.stringMatching(/^g_/) });
  });

  it('only admins and answer editors get the draft modal', async () => {
    const opened = calls('views.open').length;
    await app.send(
      blockAction({
        actionId: 'gap_draft',
        value: gapButton,
        user: 'UG1',
        channel: DESK,
        messageTs: String(digest.response?.ts),
      }),
    );
    await app.fake.waitFor(() =>
      ephemeralsTo('UG1').some((e) => String(e.args.text).includes('answer editors')),
    );
    expect(calls('views.open')).toHaveLength(opened);
  });

  let view: Record<string, unknown>;

  it('the button opens the modal prefilled with the draft (the teammate’s reply)', async () => {
    const opened = calls('views.open').length;
    await app.send(
      blockAction({
        actionId: 'gap_draft',
        value: gapButton,
        user: 'UEDITOR',
        channel: DESK,
        messageTs: String(digest.response?.ts),
      }),
    );
    await app.fake.waitFor(() => calls('views.open').length > opened);
    view = calls('views.open').at(-1)?.args.view as Record<string, unknown>;
    expect(view.callback_id).toBe('gap_answer_view');
    const text = textOf(view.blocks);
    expect(text).toContain(JSON.stringify(REPLY).slice(1, -1));
    expect(GIFT.some((q) => text.includes(q))).toBe(true);
    expect(text).toContain('Asked 3×');
    expect(JSON.parse(String(view.private_metadata))).toMatchObject({
      c: DESK,
      ts: String(digest.response?.ts),
    });
  });

  it('a crafted submission by someone else is refused; the editor’s saves, the thread is told, the question is answered from it', async () => {
    const question = GIFT.find((q) => textOf(view.blocks).includes(`"initial_value":"${q}"`)) as string;
    expect(question).toBeDefined();
    const submit = (user: string, text: string) =>
      app.send(
        viewPayload({
          callbackId: 'gap_answer_view',
          privateMetadata: String(view.private_metadata),
          user,
          values: {
            gap_question: { gap_question_input: { type: 'plain_text_input', value: question } },
            gap_answer: { gap_answer_input: { type: 'plain_text_input', value: text } },
          },
        }),
      );
    const refused = await submit('UG2', SAVED);
    expect(await refused.json()).toMatchObject({
      response_action: 'errors',
      errors: { gap_answer: expect.stringContaining('answer editors') },
    });
    const empty = await submit('UEDITOR', '   ');
    expect(await empty.json()).toMatchObject({ errors: { gap_answer: 'Write the answer first.' } });

    const res = await submit('UEDITOR', SAVED);
    expect(res.status).toBe(200);
    const digestTs = String(digest.response?.ts);
    await app.fake.waitFor(
      (c) => postsIn(c, DESK, digestTs).some((x) => String(x.args.text).includes('saved an answer')),
      15_000,
    );
    const note = postsIn(app.fake.calls, DESK, digestTs).find((x) =>
      String(x.args.text).includes('saved an answer'),
    );
    const file = /`([^`]+)`/.exec(String(note?.args.text))?.[1] as string;
    expect(String(note?.args.text)).toContain('<@UEDITOR> saved an answer to');
    expect(file).toMatch(/^default\/answers\/g_[0-9a-f]{16}\.md$/);
    const saved = matter(fs.readFileSync(path.join(knowledgeDir, file), 'utf8'));
    expect(saved.data).toMatchObject({ question, answered_by: 'UEDITOR' });

    const again = await ask(question, 'CNEW', 'UNEW');
    expect(again.answer.text).toContain('It costs 4 € per parcel and hides the prices.');
    expect(again.answer.text).toContain('Answered by UEDITOR');
    const record = await app.built.stores.answers.get(again.answerId);
    expect(record?.via).toBe('annotation');

    // The next digest no longer lists the answered gap.
    await command('digest', 'UADMIN');
    const next = postsIn(app.fake.calls, DESK)
      .filter((c) => textOf(c.args.blocks).includes('Copilot weekly digest'))
      .at(-1);
    expect(textOf(next?.args.blocks)).not.toContain('*3×*');
  });
});

describe('digest schedule', () => {
  it('fires on its cron and, with two schedulers sharing the claims, posts once per tick', async () => {
    const claims = new InProcessDedupStore();
    const posts: number[] = [];
    const tried: string[] = [];
    const logger = (await import('pino')).default({ level: 'silent' });
    const start = () =>
      startDigestSchedule({
        schedule: '* * * * * *',
        post: async () => {
          posts.push(Date.now());
        },
        once: async (key, ttl) => {
          tried.push(key);
          return claims.firstTime(key, ttl);
        },
        logger,
      });
    const a = start();
    const b = start();
    await expect.poll(() => posts.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    a.stop();
    b.stop();
    await new Promise((r) => setTimeout(r, 50));
    expect(new Set(tried).size).toBe(posts.length);
    expect(tried.length).toBe(2 * posts.length);
  });
});

describe.skipIf(!(await redisAvailable()))('digest schedule on two replicas sharing Redis', () => {
  let fake: FakeSlackApi;
  const apps: RealSlackApp[] = [];
  afterAll(async () => {
    for (const a of apps) await a.close();
    await fake?.close();
  });

  it('both replicas run the schedule; the channel gets one digest per tick', async () => {
    fake = await startFakeSlackApi();
    const kb = copyKnowledge();
    const env = {
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      LLM_PROVIDER: 'offline',
      REDIS_URL,
      SLACK_DIGEST_CHANNEL: 'CDIGEST',
      DIGEST_SCHEDULE: '* * * * * *',
    };
    apps.push(await startRealSlackApp(env, { fake }));
    apps.push(await startRealSlackApp(env, { fake }));
    const digests = () =>
      postsIn(fake.calls, 'CDIGEST').filter((c) => textOf(c.args.blocks).includes('Copilot weekly digest'));
    await fake.waitFor(() => digests().length >= 3, 10_000);
    const running = apps.splice(0);
    for (const a of running) await a.close();
    // Each replica logs the ticks it posted: no tick was posted by both.
    const posted = running.flatMap((a) =>
      a.logs
        .map((l) => JSON.parse(l) as { msg?: string; tick?: string })
        .filter((l) => l.msg === 'weekly digest posted')
        .map((l) => l.tick as string),
    );
    expect(posted.length).toBe(digests().length);
    expect(new Set(posted).size).toBe(posted.length);
  }, 120_000);
});
