// The console's end-to-end journey in real Chromium (Debian's, driven by playwright-core),
// against a running Media Magic: e2e/tests/console_in_chromium.rs starts `mediamagic dev`
// and runs this script; `console/screenshots.sh` runs it to refresh docs/console/*.png.
//
// Environment: CONSOLE_URL (where the console is served, with `?api=` when that is another
// origin), API (the API's base URL), VIDEO (an mp4 to upload), CHROMIUM (the browser),
// SCREENSHOTS (a folder, optional), MODE (`full`, `smoke`: sign-up and the media page only, or
// `oidc`: single sign-on at the API's identity provider only),
// BIG_VIDEO (a file over 8 MiB: its multipart upload is broken at the second part, the page
// reloaded, and the upload resumed; optional).
// Prints one JSON line with what the caller checks; exits 1 on the first failed step.
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const { CONSOLE_URL, API, VIDEO, SCREENSHOTS, BIG_VIDEO, IMAGE } = process.env;
const MODE = process.env.MODE ?? 'full';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium-headless-shell';
const PASSWORD = 'correct horse 1';
const result = { steps: [], accessibility: {} };
const step = (name) => {
  result.steps.push(name);
  process.stderr.write(`journey: ${name}\n`);
};

/** axe-core on the page as it is: serious and critical violations only. */
async function axe(page, name) {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern: the
  // console itself runs under its real CSP.
  await page.evaluate(`${AXE};0`);
  const found = await page.evaluate(async () => {
    const run = await window.axe.run(document, { resultTypes: ['violations'] });
    return run.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  });
  result.accessibility[name] = found;
}

async function shot(page, name) {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: false });
}

async function signUp(page, who, stay = false) {
  const email = `${who}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  await page.goto(CONSOLE_URL);
  await page.getByRole('heading', { name: 'Media Magic' }).waitFor();
  await page.getByRole('tab', { name: 'Sign up' }).click();
  await page.getByLabel('Name', { exact: true }).fill(who);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  if (stay) await page.getByLabel('Stay signed in').check();
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Media', exact: true }).waitFor();
  return email;
}

async function dropFile(page, path, name, type) {
  const bytes = readFileSync(path).toString('base64');
  const transfer = await page.evaluateHandle(
    ([b64, fileName, fileType]) => {
      const binary = atob(b64);
      const data = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) data[i] = binary.charCodeAt(i);
      const dt = new DataTransfer();
      // A fixed date: dropping the same file again is recognised as the same file.
      dt.items.add(new File([data], fileName, { type: fileType, lastModified: 1767225600000 }));
      return dt;
    },
    [bytes, name, type],
  );
  const zone = page.getByRole('region', { name: 'Upload' });
  await zone.dispatchEvent('dragover', { dataTransfer: transfer });
  await zone.dispatchEvent('drop', { dataTransfer: transfer });
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
try {
  const alice = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await alice.newPage();
  const started = Date.now();
  await page.goto(CONSOLE_URL);
  await page.getByRole('button', { name: 'Log in' }).waitFor();
  result.firstPageInteractiveMs = Date.now() - started;
  await axe(page, 'login');
  await shot(page, 'login');
  step('login page');

  if (MODE === 'oidc') {
    await page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
    await page.getByRole('heading', { name: 'Media', exact: true }).waitFor();
    result.signedInAs = await page.locator('.who strong').textContent();
    result.landedOn = new URL(page.url()).origin;
    step('signed in with single sign-on');
    console.log(JSON.stringify(result));
    process.exit(0);
  }

  const aliceEmail = await signUp(page, 'Alice', true);
  await page.getByText('No media yet').waitFor();
  await axe(page, 'media (empty)');
  step('signed up');

  await dropFile(page, VIDEO, 'clip.mp4', 'video/mp4');
  await page.getByText('Uploaded', { exact: true }).waitFor({ timeout: 60000 });
  await page.getByRole('heading', { name: 'clip.mp4' }).waitFor();
  await axe(page, 'media');
  await shot(page, 'media');
  step('uploaded by drag and drop');
  if (BIG_VIDEO) {
    // A multipart upload broken at its second part, the page reloaded, the file dropped again:
    // only the missing parts go up.
    let puts = 0;
    const breakSecondPart = (route) => {
      if (route.request().method() === 'PUT' && ++puts === 2) return route.abort('connectionreset');
      return route.continue();
    };
    await page.route('**/objects/**', breakSecondPart);
    await dropFile(page, BIG_VIDEO, 'big.mp4', 'video/mp4');
    await page.getByText('could not reach the storage').waitFor({ timeout: 60000 });
    await page.unroute('**/objects/**', breakSecondPart);
    await page.reload();
    await page.getByRole('heading', { name: 'Media', exact: true }).waitFor();
    const resumed = [];
    page.on('request', (r) => r.method() === 'PUT' && r.url().includes('/objects/') && resumed.push(r.url()));
    await dropFile(page, BIG_VIDEO, 'big.mp4', 'video/mp4');
    await page.getByText(/Resuming: 1 of 3 parts/).waitFor({ timeout: 60000 });
    await page.getByText('Uploaded', { exact: true }).waitFor({ timeout: 60000 });
    await page.getByRole('listitem').filter({ hasText: 'big.mp4' }).filter({ hasText: '· live' }).waitFor();
    result.partsSentBeforeBreak = puts;
    result.partsSentOnResume = resumed.length;
    step('multipart upload resumed after a reload');
  }
  if (MODE === 'smoke') {
    console.log(JSON.stringify(result));
    process.exit(0);
  }

  await page.getByRole('link', { name: 'Models' }).click();
  await page.getByRole('link', { name: 'Run Audio extract' }).waitFor();
  await axe(page, 'models');
  await shot(page, 'models');
  await page.getByRole('link', { name: 'Run Audio extract' }).click();
  await page.getByRole('heading', { name: 'Run Audio extract' }).waitFor();
  await page.getByLabel('video', { exact: true }).selectOption({ label: 'clip.mp4' });
  await page.getByLabel('bitrate', { exact: true }).fill('999');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByText('bitrate must be at most 320').waitFor();
  result.outOfRangeRefused = page.url().includes('#/run/');
  await axe(page, 'run');
  await shot(page, 'run');
  step('out-of-range value refused');

  await page.getByLabel('bitrate', { exact: true }).fill('128');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.waitForURL(/#\/jobs\/[0-9a-f-]+$/);
  const status = page.getByTestId('job-status');
  const seen = new Set();
  const deadline = Date.now() + 120000;
  while (Date.now() < deadline) {
    const now = (await status.textContent()) ?? '';
    seen.add(now);
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(now)) break;
    await page.waitForTimeout(100);
  }
  result.jobStatuses = [...seen];
  result.jobStatus = await status.textContent();
  // What put the final status on screen: the jobUpdated subscription, never a reload.
  result.jobStatusFrom = await status.getAttribute('data-source');
  const download = page.getByRole('link', { name: 'Download audio.mp3' });
  await download.waitFor();
  result.audioPlayers = await page.locator('audio').count();
  const href = await download.getAttribute('href');
  result.download = await page.evaluate(async (url) => {
    const r = await fetch(url);
    return { status: r.status, bytes: (await r.arrayBuffer()).byteLength };
  }, href);
  await axe(page, 'job');
  await shot(page, 'job');
  step('job succeeded live');

  if (IMAGE) {
    // A neural network's structured result, and the tag it proposes for its input.
    await page.getByRole('link', { name: 'Media', exact: true }).click();
    await dropFile(page, IMAGE, 'astronaut.jpg', 'image/jpeg');
    await page.getByRole('heading', { name: 'astronaut.jpg' }).waitFor({ timeout: 60000 });
    await page.getByRole('link', { name: 'Models' }).click();
    await page.getByRole('link', { name: 'Run Face detect' }).click();
    await page.getByRole('heading', { name: 'Run Face detect' }).waitFor();
    await page.getByLabel('image', { exact: true }).selectOption({ label: 'astronaut.jpg' });
    await page.getByLabel('Add the tags the result proposes').check();
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.waitForURL(/#\/jobs\/[0-9a-f-]+$/);
    await page.getByTestId('result-summary').waitFor({ timeout: 120000 });
    result.faceSummary = await page.getByTestId('result-summary').textContent();
    result.resultJson = JSON.parse((await page.getByLabel('Result').textContent()) ?? 'null');
    await axe(page, 'job result');
    await shot(page, 'job-result');
    step('face-detect result shown');
  }

  await page.getByRole('link', { name: 'Jobs' }).click();
  await page.getByRole('table').waitFor();
  await axe(page, 'jobs');
  await shot(page, 'jobs');

  await page.getByRole('link', { name: 'Tokens & keys' }).click();
  await page.getByLabel('Name', { exact: true }).fill('journey key');
  await page.getByRole('button', { name: 'Create key' }).click();
  await page.getByText('Copy this key now').waitFor();
  result.apiKey = (await page.locator('.secret pre code').first().textContent())?.trim();
  await page.getByRole('button', { name: 'Revoke journey key' }).waitFor();
  await axe(page, 'keys');
  step('API key created');

  // A model of one's own: created with a typed argument, edited (a new version), and its
  // generated run form applying the bounds it declared.
  await page.getByRole('link', { name: 'Models' }).click();
  await page.getByRole('link', { name: 'New model' }).click();
  await page.getByLabel('Model name').fill('Echo level');
  await page.getByLabel('Container image').fill('debian:bookworm-slim');
  await page.getByLabel('Command (arguments as {name})').fill('echo {level}');
  await page.getByRole('button', { name: 'Add argument' }).click();
  const argument = page.getByRole('group', { name: 'Argument 1' });
  await argument.getByLabel('Argument name').fill('level');
  await argument.getByRole('combobox').selectOption('int');
  await argument.getByLabel('Min').fill('1');
  await argument.getByLabel('Max').fill('5');
  await page.getByRole('button', { name: 'Create model' }).click();
  await page.getByRole('heading', { name: 'Edit Echo level' }).waitFor();
  await page.getByLabel('Command (arguments as {name})').fill('echo level {level}');
  await page.getByRole('button', { name: 'Save model' }).click();
  await page.getByText('Saved: version 2.').waitFor();
  await page.getByRole('cell', { name: 'echo level {level}' }).waitFor();
  result.modelVersionsListed = await page.getByRole('table').locator('tbody tr').count();
  await axe(page, 'model editor');
  await shot(page, 'model-editor');
  await page.getByRole('link', { name: 'Run Echo level' }).click();
  await page.getByLabel('level', { exact: true }).fill('9');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByText('level must be at most 5').waitFor();
  step('model created, edited and its form generated');

  // Media details: metadata, lineage, tags edited.
  await page.getByRole('link', { name: 'Media' }).click();
  await page.getByRole('link', { name: 'clip.mp4', exact: true }).click();
  // The list names clip.mp4 in an h2 and says "made by" too: wait for the details page's own h1.
  await page.getByRole('heading', { name: 'clip.mp4', level: 1 }).waitFor();
  await page.getByText('Made by', { exact: true }).waitFor();
  await axe(page, 'media details');
  await page.getByLabel('Tags (comma-separated)').fill('face, demo');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForResponse((r) => r.url().includes('/graphql') && r.request().method() === 'POST');
  await page.getByRole('link', { name: 'Media' }).click();
  await page.getByRole('heading', { name: 'clip.mp4' }).waitFor();
  // clip.mp4 is listed before the filter too: wait for the filtered answer, then for the
  // list to show as many media as it holds (a CI flake counted the unfiltered list).
  // (Queries may go as GET, their variables in the URL.)
  const filtered = page.waitForResponse(
    (r) => r.url().includes('/graphql') && `${r.url()} ${r.request().postData() ?? ''}`.includes('demo'),
  );
  await page.getByLabel('Tag', { exact: true }).fill('demo');
  const answered = (await (await filtered).json())?.data?.mediaList?.nodes?.length;
  const items = page.getByRole('list', { name: 'Media' }).getByRole('listitem');
  for (let i = 0; i < 40 && (await items.count()) !== answered; i++) await page.waitForTimeout(50);
  result.taggedMediaListed = await items.count();
  step('media details and tags');

  // Teams: Bob signs up in a second browser context; Alice invites him, he accepts, she
  // changes his role and removes him.
  const bobContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const bob = await bobContext.newPage();
  const bobEmail = await signUp(bob, 'Bob');
  await bob.getByText('No media yet').waitFor();
  await shot(bob, 'media-phone');
  await page.getByRole('link', { name: 'Teams' }).click();
  await page.getByLabel('Team name').fill('Crew');
  await page.getByRole('button', { name: 'Create team' }).click();
  await page.getByRole('heading', { name: /Crew/ }).waitFor();
  await page.getByLabel('Invite email').fill(bobEmail);
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  await page.getByText('Hand this invite token').waitFor();
  const inviteToken = (await page.locator('.secret pre code').first().textContent())?.trim();
  await page.getByRole('button', { name: `Revoke invite for ${bobEmail}` }).waitFor();
  await bob.getByRole('link', { name: 'Teams' }).click();
  await bob.getByLabel('Invite token').fill(inviteToken);
  await bob.getByRole('button', { name: 'Accept invite' }).click();
  await bob.getByRole('heading', { name: /Crew/ }).waitFor();
  await axe(bob, 'teams (390 px phone)');
  await shot(bob, 'teams-phone');
  await page.getByRole('link', { name: 'Media' }).click();
  await page.getByRole('link', { name: 'Teams' }).click();
  await page.getByLabel('Role of Bob').selectOption('ADMIN');
  await page.waitForFunction(() => document.querySelector('select[aria-label="Role of Bob"]')?.value === 'ADMIN');
  await axe(page, 'teams');
  await shot(page, 'teams');
  await page.getByRole('button', { name: 'Remove Bob' }).click();
  await page.getByRole('button', { name: 'Remove Bob' }).waitFor({ state: 'detached' });
  result.teamJourney = true;
  step('team invite, accept, role change, remove');

  // Bob acts as a team of his own, then logs out: the team token he held stops working too.
  await bob.getByLabel('Team name').fill('Solo');
  await bob.getByRole('button', { name: 'Create team' }).click();
  await bob.getByRole('button', { name: 'Act as Solo' }).click();
  await bob.getByText('Acting as team Solo', { exact: true }).waitFor();
  await bob.getByRole('link', { name: 'Tokens & keys' }).click();
  const teamToken = (await bob.getByRole('region', { name: 'Your session token' }).locator('pre code').textContent())?.trim();
  await bob.getByRole('button', { name: 'Log out' }).click();
  await bob.getByRole('button', { name: 'Log in' }).first().waitFor();
  const after = await fetch(`${API}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${teamToken}` },
    body: JSON.stringify({ query: '{ actingAccount { kind } }' }),
  });
  result.teamTokenAfterLogOut = (await after.json()).errors?.[0]?.extensions?.code ?? 'still works';
  step('log out revokes the team token too');

  await page.getByRole('link', { name: 'Usage' }).click();
  await page.getByRole('heading', { name: 'By model' }).waitFor();
  await axe(page, 'usage');
  await shot(page, 'usage');
  await page.getByRole('link', { name: 'Cluster' }).click();
  await page.getByRole('table').first().waitFor();
  await axe(page, 'cluster');
  await shot(page, 'cluster');
  step('usage and cluster');

  // A revoked session sends the person back to the log-in page.
  await page.getByRole('link', { name: 'Tokens & keys' }).click();
  const token = (await page.getByRole('region', { name: 'Your session token' }).locator('pre code').textContent())?.trim();
  const revoked = await fetch(`${API}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: 'mutation { logOut }' }),
  });
  result.loggedOutElsewhere = (await revoked.json()).data?.logOut === true;
  await page.getByRole('link', { name: 'Media' }).click();
  await page.getByText('Your session ended').waitFor();
  result.revokedSessionSentToLogIn = await page.getByRole('button', { name: 'Log in' }).isVisible();
  step('revoked session sent to log-in');
  result.aliceEmail = aliceEmail;
  console.log(JSON.stringify(result));
} catch (error) {
  result.failure = String(error && error.stack ? error.stack : error);
  console.log(JSON.stringify(result));
  process.exitCode = 1;
} finally {
  await browser.close();
}
