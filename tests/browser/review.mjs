// The web app in a real headless Chromium: a manager signs in, opens a draft waiting for them,
// edits and approves it, approves a second one as drafted, follows the evidence to a deal, and
// opens the team and forecast pages; the forecast's fan chart must render. Pages are also
// opened at a phone's width and must not scroll sideways. Any console error (a CSP violation,
// say) fails the run. Screenshots land in SCREENSHOT_DIR for a person to look at.
//
// Env: BASE_URL, USER, PASSWORD, SCREENSHOT_DIR; CHROMIUM (default /usr/bin/chromium).
// Prints `RESULT {"edited": id, "approved": id, "marker": text}` as its last line.

import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const { BASE_URL, USER, PASSWORD } = process.env;
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR || 'target/browser';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
if (!BASE_URL || !USER || !PASSWORD) {
  console.error('BASE_URL, USER and PASSWORD are required');
  process.exit(2);
}
mkdirSync(SCREENSHOT_DIR, { recursive: true });

const MARKER = 'Before Thursday, call the sponsor and agree the next step in writing.';
const problems = [];

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function watch(page) {
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error on ${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error on ${page.url()}: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 500) problems.push(`${response.status()} from ${response.url()}`);
  });
}

async function shot(page, name) {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

async function noSidewaysScroll(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `${what} scrolls sideways by ${overflow}px on a phone`);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  // As root Chromium needs --no-sandbox; the rest keep it off a network this test does not use.
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
  ],
});

let page;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // Generous: the machine may be busy building while this runs.
  context.setDefaultTimeout(120_000);
  context.setDefaultNavigationTimeout(120_000);
  page = await context.newPage();
  watch(page);

  // Not signed in: the inbox sends us to sign in, and back afterwards.
  await page.goto(`${BASE_URL}/inbox`);
  check(new URL(page.url()).pathname === '/login', `expected the sign-in page, got ${page.url()}`);
  await shot(page, '01-sign-in');
  await page.fill('input[name=user]', USER);
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForURL('**/inbox**'), page.click('#login-form button[type=submit]')]);

  // The inbox shows what waits for this manager.
  const items = page.locator('#inbox a.item');
  const count = await items.count();
  check(count >= 2, `expected at least two drafts to review, found ${count}`);
  const hrefs = [await items.nth(0).getAttribute('href'), await items.nth(1).getAttribute('href')];
  await shot(page, '02-inbox');

  // A draft beside its evidence; edit it and approve.
  await page.goto(`${BASE_URL}${hrefs[0]}`);
  await page.locator('#draft-body').waitFor();
  check((await page.locator('#evidence').count()) === 1, 'the draft page shows its evidence');
  const citedDeals = await page.locator('#evidence a.cited-deal').count();
  check(citedDeals > 0, 'the draft cites at least one deal');
  await shot(page, '03-draft');
  await page.click('#edit > summary');
  const editor = page.locator('form.edit textarea[name=body]');
  const original = await editor.inputValue();
  check(original.length > 50, 'the editor holds the draft text');
  await editor.fill(`${original.trimEnd()}\n\n${MARKER}\n`);
  await page.fill('form.edit input[name=reason]', 'Added a dated next step');
  await Promise.all([page.waitForURL(/done=edited/), page.click('form.edit button[type=submit]')]);
  const edited = await page.locator('#draft-state').innerText();
  // The delivery worker may already have sent it by the time the page renders.
  check(/edited|delivered/i.test(edited), `state after the edit: ${edited}`);
  check((await page.locator('#draft-body').innerText()).includes(MARKER), 'the edited text is shown');
  check((await page.locator('#edits pre.diff').innerText()).includes(MARKER), 'the edit is kept as a diff');
  check((await page.locator('#review form').count()) === 0, 'a decided draft offers no more decisions');
  await shot(page, '04-draft-edited');

  // A second draft approved as drafted.
  await page.goto(`${BASE_URL}${hrefs[1]}`);
  await Promise.all([page.waitForURL(/done=approved/), page.click('form.approve button[type=submit]')]);
  const approved = await page.locator('#draft-state').innerText();
  check(/approved|delivered/i.test(approved), `state after approving: ${approved}`);

  // Feedback on it.
  await page.fill('form.feedback textarea[name=comment]', 'Clear and specific.');
  await Promise.all([page.waitForURL(/done=feedback/), page.click('form.feedback button[value=useful]')]);
  check((await page.locator('.feedback-given').count()) === 1, 'the feedback is shown');

  // The evidence leads to the deal with its flags, activities and history.
  await page.goto(`${BASE_URL}${hrefs[0]}`);
  await Promise.all([page.waitForURL('**/deals/**'), page.locator('#evidence a.cited-deal').first().click()]);
  await page.locator('#flags').waitFor();
  check((await page.locator('#activities').count()) === 1, 'the deal page lists activities');
  await shot(page, '05-deal');

  // The team page ranks reps by need; a rep's scorecard opens from it.
  await Promise.all([page.waitForURL('**/teams/**'), page.click('nav.nav >> text=My team')]);
  check((await page.locator('#team-needs li.rep').count()) > 0, 'the team page ranks reps');
  await shot(page, '06-team');
  await Promise.all([page.waitForURL('**/reps/**'), page.locator('#team-needs li.rep a').first().click()]);
  await page.locator('#scorecard').waitFor();
  await shot(page, '07-rep');

  // The forecast's fan chart renders with its band, median, target and commit.
  await Promise.all([page.waitForURL('**/forecast'), page.click('nav.nav >> text=Forecast')]);
  const fan = page.locator('svg#fan-chart');
  await fan.waitFor();
  const box = await fan.boundingBox();
  check(box && box.width > 300 && box.height > 120, `the fan chart is drawn at ${JSON.stringify(box)}`);
  const band = await page.locator('#fan-chart path.fan-band').boundingBox();
  check(band && band.width > 100 && band.height > 5, `the P10–P90 band is visible: ${JSON.stringify(band)}`);
  for (const selector of ['path.fan-median', 'line.line-target', 'line.line-commit']) {
    check((await page.locator(`#fan-chart ${selector}`).count()) === 1, `the fan chart has ${selector}`);
  }
  const fanText = await fan.textContent();
  check(fanText.includes('P10') && fanText.includes('P50') && fanText.includes('P90'), 'the fan is labelled');
  await shot(page, '08-forecast');

  // The same pages at a phone's width.
  const phone = await context.newPage();
  watch(phone);
  await phone.setViewportSize({ width: 390, height: 844 });
  for (const [path, name] of [['/forecast', '09-phone-forecast'], [hrefs[0], '10-phone-draft'], ['/inbox?view=all', '11-phone-inbox']]) {
    await phone.goto(`${BASE_URL}${path}`);
    await noSidewaysScroll(phone, path);
    await shot(phone, name);
  }

  // Sign out ends the session.
  await Promise.all([page.waitForURL('**/login'), page.click('form.signout button')]);
  await page.goto(`${BASE_URL}/forecast`);
  check(new URL(page.url()).pathname === '/login', 'signed out: the forecast asks to sign in again');

  check(problems.length === 0, `the browser reported problems:\n${problems.join('\n')}`);
  const id = (href) => decodeURIComponent(href.replace(/^\/drafts\//, ''));
  console.log(`RESULT ${JSON.stringify({ edited: id(hrefs[0]), approved: id(hrefs[1]), marker: MARKER })}`);
} catch (error) {
  if (page) await shot(page, 'failure').catch(() => {});
  console.error(error.stack || String(error));
  if (problems.length) console.error(problems.join('\n'));
  process.exitCode = 1;
} finally {
  await browser.close();
}
