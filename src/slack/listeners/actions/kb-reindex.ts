import { publishHome } from '../../home.js';
import { progressStep, runReindex } from '../../reindex.js';
import type { SlackContext } from '../../types.js';
import type { ButtonArgs } from './where.js';

/**
 * The App Home "Reindex" button (admins only; the button is only shown to them, but a crafted
 * click is refused too). Progress (at most once a second) and then the result are shown at the
 * top of the Home tab.
 */
export function kbReindex(ctx: SlackContext) {
  return async ({ ack, body, client }: ButtonArgs): Promise<void> => {
    await ack();
    const user = body.user.id;
    if (!ctx.isAdmin(user)) {
      await publishHome(ctx, client, user, 'Only Copilot admins can reindex the knowledge base.');
      return;
    }
    const result = await runReindex(ctx, user, 'app_home', {
      show: (text) => publishHome(ctx, client, user, text),
      throttle: { intervalMs: 1000, worthShowing: progressStep(1) },
    });
    await publishHome(ctx, client, user, result.text);
  };
}
