import { createRequire } from 'node:module';
import path from 'node:path';
import type { RequestHandler } from 'express';

const require = createRequire(import.meta.url);

/** Browser modules the pages import, served from node_modules (no CDN, no build step). */
const VENDOR_FILES: Record<string, string> = {
  'eventsource-parser.js': path.join(
    path.dirname(require.resolve('eventsource-parser/package.json')),
    'dist/index.js',
  ),
  // Charts of the console's insights tab; the UMD build defines the global `Chart` (no bundler).
  // chart.js exports no package.json, so the path is found from its CommonJS entry (dist/chart.cjs).
  'chart.umd.js': path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js'),
};

/** GET /vendor/<name>: a fixed list of library files; anything else is a 404. */
export function vendorRoute(): RequestHandler {
  return (req, res, next) => {
    const file = VENDOR_FILES[String(req.params.name ?? '')];
    if (!file) {
      next();
      return;
    }
    res.type('text/javascript');
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.sendFile(file);
  };
}
