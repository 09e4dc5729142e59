import type { App } from '@slack/bolt';
import type { Router } from 'express';
import type { Config } from '../config.js';
import type { AnswerStore } from '../domain/answers.js';
import type { Copilot } from '../domain/copilot.js';
import type { IngestProgress } from '../domain/documents.js';
import type { HandoffPort, HandoffTicket } from '../domain/handoff.js';
import type { HandoffService } from '../handoff/service.js';
import type { Logger } from '../logger.js';
import type { ReviewItem } from '../retrieval/review.js';
import type { SourceSyncView } from './blocks/sources.js';
import type { DedupStore } from './dedup.js';
import type { StreamOptions } from './stream/options.js';
import type { ThreadStore } from './thread-store.js';

/** Where in Slack a reindex was asked for (the reindexer's trigger names). */
export type ReindexVia = 'slack_command' | 'app_home';

/** How a reindex asked for from Slack is getting on (fed to the message that shows it). */
export type ReindexProgress =
  | { state: 'running'; percent: number; phase: IngestPhase }
  /**
   * Another run was going, so this request joined the follow-up run (requests coalesce).
   * `current` is the progress of the run it waits for, once that run reports.
   */
  | { state: 'queued'; current?: { percent: number; phase: IngestPhase } };

export type IngestPhase = IngestProgress['phase'];

export interface ReindexResult {
  /** One or two lines for Slack, e.g. "12 documents, 340 chunks (3 added, 1 removed) in 2.1 s". */
  summary: string;
}

/**
 * What the support card's buttons, its reply modal and replies typed in its thread need from the
 * handoff module (the HandoffService): look tickets up, claim, reply (relay, save), resolve.
 */
export type HandoffDesk = Pick<HandoffService, 'get' | 'byCard' | 'claim' | 'reply' | 'resolve' | 'canSave'>;

/** A user's message in a thread that has an open handoff ticket (the bot stays silent there). */
export interface ThreadMessage {
  team: string;
  channel: string;
  threadTs: string;
  ts: string;
  user: string;
  text: string;
}

export interface SlackAppDeps {
  config: Config;
  copilot: Copilot;
  handoffs: HandoffPort;
  answers: AnswerStore;
  logger: Logger;
  /** Default: in-process. Use RedisDedupStore with several replicas. */
  dedup?: DedupStore;
  /** Threads the bot answered (follow-ups without a mention). Default: in-process. */
  threads?: ThreadStore;
  /**
   * The support card's actions (claim, reply modal, resolve, replies in its thread). Absent → the
   * card buttons only say the handoff desk is not available here.
   */
  desk?: HandoffDesk;
  /**
   * `/copilot reindex` and the App Home button (admins only); resolves when the run is over, throws
   * a CopilotError when it failed, and reports progress (if it can) through `onProgress` while it
   * runs. Absent → reindex from Slack is unavailable. See reindex-hook.ts.
   */
  reindex?: (
    requestedBy: string,
    via: ReindexVia,
    onProgress?: (progress: ReindexProgress) => void,
  ) => Promise<ReindexResult>;
  /**
   * Knowledge space of a conversation, e.g. `spaces.forSlack`. null: no space may be
   * used here (a private default), so the bot declines politely. Default: 'default'.
   */
  spaceFor?: (team: string, channel: string) => string | null;
  /** Documents past their review_after date, shown to admins on the App Home. Absent → not shown. */
  reviewDue?: () => ReviewItem[];
  /** The last sync per source (knowledge/sources.json) for `/copilot sync` and the App Home. */
  sourceSyncs?: () => Promise<SourceSyncView[]>;
  /** The handoff module relays the asker's messages to the support card. */
  onMessageDuringHandoff?: (ticket: HandoffTicket, message: ThreadMessage) => Promise<void>;
  stream?: Partial<StreamOptions>;
  /** Background auth.test retries while Slack is unreachable (default 2 s, doubling to 60 s). */
  authRetry?: { firstMs: number; maxMs: number };
}

export interface SlackAppHandle {
  app: App;
  mode: 'http' | 'socket';
  /** HTTP mode: mount with `server.use('/slack/events', router)` before any body parser. */
  router?: Router;
  /**
   * Verifies the token (auth.test) and, in Socket Mode, connects. A token Slack rejects
   * (`invalid_auth`, …) fails fast with `slack:auth`; Slack being unreachable does not: the app
   * reports itself degraded and retries auth.test in the background, so the web chat still starts.
   */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** `ok` once auth.test passed; `degraded` while Slack cannot be reached (with the last error). */
  health(): SlackHealth;
}

export interface SlackHealth {
  state: 'starting' | 'ok' | 'degraded';
  error?: string;
  /** Background auth.test attempts since start-up failed to reach Slack. */
  retries?: number;
}

/** What every listener receives: the deps with their defaults filled in. */
export interface SlackContext {
  config: Config;
  copilot: Copilot;
  handoffs: HandoffPort;
  answers: AnswerStore;
  logger: Logger;
  dedup: DedupStore;
  threads: ThreadStore;
  desk: HandoffDesk | undefined;
  reindex: SlackAppDeps['reindex'];
  sourceSyncs: SlackAppDeps['sourceSyncs'];
  spaceFor: (team: string, channel: string) => string | null;
  onMessageDuringHandoff: SlackAppDeps['onMessageDuringHandoff'];
  stream: Partial<StreamOptions>;
  reviewDue: () => ReviewItem[];
  isAdmin(userId: string): boolean;
  /** SLACK_ADMIN_USERS or SLACK_ANSWER_EDITORS: may save a reply as an answer. */
  canSaveAnswers(userId: string): boolean;
  /** Admins and members of SLACK_HANDOFF_CHANNEL see every handoff and 👎; others their own. */
  canSeeDesk(userId: string): Promise<boolean>;
}
