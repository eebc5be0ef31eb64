// Headless Chromium: log in to the Neo4j Browser, wait for the post-connect `:style`
// command, run a query and screenshot the drawn graph. Driven by run.py through env:
// BROWSER_URL, BOLT_URL, NEO4J_USER, NEO4J_PASSWORD, QUERY, OUT, CHROMIUM, PROFILE_DIR.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const browserUrl = env('BROWSER_URL');
const boltUrl = env('BOLT_URL');
const user = env('NEO4J_USER', 'neo4j');
const password = env('NEO4J_PASSWORD');
const query = env('QUERY', 'MATCH (c:Customer)-[r]-(x) RETURN * LIMIT 50');
const out = env('OUT');
const profile = process.env.PROFILE_DIR || mkdtempSync(join(tmpdir(), 'semgraph-chromium-'));
const debug = process.env.DEBUG_SHOT ? out.replace(/\.png$/, '') : null;

const step = (msg) => console.log(`[shot] ${msg}`);

const context = await chromium.launchPersistentContext(profile, {
  executablePath: env('CHROMIUM', '/usr/bin/chromium'),
  headless: true,
  viewport: { width: 1600, height: 1000 },
  deviceScaleFactor: 1,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const page = context.pages()[0] ?? (await context.newPage());
page.setDefaultTimeout(60_000);
page.on('pageerror', (err) => step(`page error: ${err.message}`));

try {
  step(`open ${browserUrl}`);
  await page.goto(browserUrl, { waitUntil: 'domcontentloaded' });

  // The connect form: URL (the scheme typed in the host field is parsed), user, password.
  const address = page.getByTestId('boltaddress');
  await address.waitFor();
  await address.fill(boltUrl);
  await page.getByTestId('username').fill(user);
  await page.getByTestId('password').fill(password);
  if (debug) await page.screenshot({ path: `${debug}-1-form.png` });
  await page.getByTestId('connect').click();
  step(`connecting to ${boltUrl} as ${user}`);

  // browser.post_connect_cmd runs `:style http://…/semgraph.grass` once connected; its frame
  // shows the fetched style. Wait until a frame with that command has rendered the rules.
  const styleFrame = page
    .getByTestId('frame')
    .filter({ has: page.getByTestId('frameCommand').filter({ hasText: 'style' }) });
  await styleFrame.first().waitFor();
  await styleFrame.first().getByText('node.Customer').first().waitFor();
  step('post-connect style applied');
  if (debug) await page.screenshot({ path: `${debug}-2-style.png` });

  // Run the query from the editor (Ctrl+Enter runs whatever is typed).
  const editor = page.getByTestId('activeEditor');
  await editor.click();
  await page.keyboard.type(query);
  await page.keyboard.press('Control+Enter');
  step(`ran ${query}`);

  const frame = page
    .getByTestId('frame')
    .filter({ has: page.getByTestId('frameCommand').filter({ hasText: 'MATCH' }) })
    .first();
  await frame.locator('svg g.node').first().waitFor();
  step('graph drawn');

  // The picture is the graph: drop the usage banner, show the frame full screen, let the
  // force layout settle, then zoom to fit.
  const banner = page.getByText('To help make Neo4j Browser better');
  if (await banner.isVisible()) await banner.locator('xpath=..').locator(':scope > *').last().click();
  await frame.getByTitle('Fullscreen').click();
  await page.waitForTimeout(6_000);
  // Zoom to fit ignores the overview panel on the right: a small Ctrl+wheel step out
  // (the zoom button's step is too coarse) keeps the graph clear of it.
  await frame.getByLabel('zoom-to-fit').click();
  await page.waitForTimeout(1_000);
  const canvas = await frame.locator('svg').filter({ has: page.locator('g.node') }).boundingBox();
  await page.mouse.move(canvas.x + canvas.width * 0.45, canvas.y + canvas.height / 2);
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, 90);
  await page.keyboard.up('Control');
  await page.waitForTimeout(1_000);
  const nodes = await frame.locator('svg g.node').count();
  const rels = await frame.locator('svg g.relationship').count();
  step(`${nodes} nodes, ${rels} relationships on screen`);
  await page.screenshot({ path: out });
  step(`wrote ${out}`);
} catch (err) {
  if (debug) await page.screenshot({ path: `${debug}-error.png` }).catch(() => {});
  console.error(`[shot] failed: ${err.message}`);
  process.exitCode = 1;
} finally {
  await context.close();
}
