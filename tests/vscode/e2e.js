// Drives code-server in headless chromium and checks what a user of the acrlint extension
// sees. Started by tests/vscode/run.sh, which sets URL, SHOTS, RULE_DOC and CHROMIUM and
// puts puppeteer-core on NODE_PATH. Exits non-zero with a message on the first failed check.
'use strict';

const fs = require('fs');
const path = require('path');
const puppeteer = require('puppeteer-core');

const URL = process.env.URL;
const SHOTS = process.env.SHOTS;
const RULE_DOC = fs.readFileSync(process.env.RULE_DOC, 'utf8');
const REASON = 'break-glass account for the migration';
const LONG = 90_000;

let page;
let step = 'start';

function log(message) {
  console.log(`vscode e2e: ${message}`);
}

/** Polls `fn` in the page until it returns a truthy value; fails with `what` on timeout. */
async function waitFor(what, fn, arg, timeout = LONG) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await page.evaluate(fn, arg);
    } catch (error) {
      last = undefined; // a navigation or a re-render; try again
    }
    if (last) {
      return last;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}`);
}

async function chord(...keys) {
  for (const k of keys) await page.keyboard.down(k);
  for (const k of [...keys].reverse()) await page.keyboard.up(k);
}

async function shot(name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

/** Text as shown: Monaco renders spaces as no-break spaces. */
const problemsText = () =>
  (document.querySelector('.markers-panel')?.innerText ?? '').replace(/\u00a0/g, ' ');

async function problems() {
  return page.evaluate(problemsText);
}

async function openFile(name) {
  await chord('Control', 'KeyP');
  await waitFor('the quick open box', () => {
    const input = document.querySelector('.quick-input-widget input');
    return input && document.activeElement === input;
  });
  await page.keyboard.type(name);
  await waitFor(`"${name}" in quick open`, (n) =>
    [...document.querySelectorAll('.quick-input-list .monaco-list-row')].some((r) =>
      (r.getAttribute('aria-label') ?? r.textContent).includes(n),
    ), name);
  await page.keyboard.press('Enter');
  await waitFor(`the editor tab of ${name}`, (n) =>
    [...document.querySelectorAll('.tabs-container .tab.active')].some((t) =>
      (t.getAttribute('aria-label') ?? '').startsWith(n),
    ), name);
  await waitFor(`the text of ${name} in the editor`, () => {
    const ed = document.querySelector('.editor-group-container.active .monaco-editor.focused');
    return ed && ed.querySelector('.view-lines')?.textContent.trim().length > 0;
  });
}

async function goTo(line, column) {
  await chord('Control', 'KeyG');
  await waitFor('the go-to-line box', () => {
    const input = document.querySelector('.quick-input-widget input');
    return input && document.activeElement === input;
  });
  await page.keyboard.type(`${line}:${column}`);
  await page.keyboard.press('Enter');
  await waitFor('the cursor back in the editor', () =>
    document.activeElement?.closest('.monaco-editor') !== null);
}

async function statusLabel() {
  return page.evaluate(() => {
    const el = [...document.querySelectorAll('.part.statusbar [aria-label]')].find((e) =>
      e.getAttribute('aria-label').startsWith('acrlint:'),
    );
    return el ? el.getAttribute('aria-label') : '';
  });
}

async function main() {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--window-size=1600,1000'],
    defaultViewport: { width: 1600, height: 1000 },
  });
  try {
    page = await browser.newPage();
    await run();
  } catch (error) {
    console.error(`vscode e2e: FAILED at "${step}": ${error.message}`);
    if (page) {
      const label = await statusLabel().catch(() => '');
      console.error(`vscode e2e: the acrlint status bar item says: ${label || '(not shown: the extension did not activate?)'}`);
      await shot('failure').catch(() => {});
    }
    process.exitCode = 1;
  } finally {
    await browser.close().catch(() => {});
  }
}

async function run() {
  step = 'load the workbench';
  await page.goto(URL, { waitUntil: 'domcontentloaded', timeout: LONG });
  await waitFor('the workbench', () => document.querySelector('.monaco-workbench .part.editor') !== null);
  await waitFor('the explorer to list main.tf', () =>
    [...document.querySelectorAll('.explorer-folders-view .monaco-list-row')].some((r) =>
      r.textContent.includes('main.tf'),
    ));
  await page.click('.part.editor');

  step = 'open main.tf';
  await openFile('main.tf');

  step = 'Problems panel lists ACR002 with its related location in terraform.tfvars';
  await chord('Control', 'Shift', 'KeyM');
  await waitFor('the Problems panel', () => document.querySelector('.markers-panel') !== null);
  await waitFor('ACR002 in the Problems panel (the language server published nothing?)', () => {
    const t = (document.querySelector('.markers-panel')?.innerText ?? '').replace(/\u00a0/g, ' ');
    return t.includes('ACR002') && t.includes('ACR010');
  });
  // Related information is listed under its diagnostic: `terraform.tfvars[Ln 1, Col 9]: ...`
  // (innerText puts line breaks between the row's parts).
  const related = /ACR002[^]*terraform\.tfvars\s*\[Ln 1, Col 9\]\s*:\s*[^\n]*`admin`[^]*ACR010/;
  await waitFor('the related location terraform.tfvars[Ln 1, Col 9] under ACR002', (re) => {
    const t = (document.querySelector('.markers-panel')?.innerText ?? '').replace(/\u00a0/g, ' ');
    return new RegExp(re).test(t);
  }, related.source).catch(async (error) => {
    throw new Error(`${error.message}; the Problems panel shows:\n${await problems()}`);
  });
  let text = await problems();
  if (!text.includes('admin_enabled')) {
    throw new Error(`the Problems panel does not show ACR002's message:\n${text}`);
  }
  log('Problems panel shows ACR002 with its related location in terraform.tfvars');

  step = 'status bar shows the server ready and the counts';
  await waitFor('the acrlint status bar item to report 1 error', () =>
    [...document.querySelectorAll('.part.statusbar [aria-label]')].some((e) =>
      /^acrlint: 1 error, 0 warnings/.test(e.getAttribute('aria-label'))));
  log(`status bar: ${await statusLabel()}`);
  await shot('problems');

  step = 'hover shows the rule documentation';
  await page.focus('.editor-group-container.active .monaco-editor textarea');
  await goTo(7, 36); // inside `var.admin`
  await chord('Control', 'KeyK');
  await chord('Control', 'KeyI');
  const heading = (RULE_DOC.match(/^## (.+)$/m) ?? [])[1];
  if (!heading) throw new Error('the rule doc has no "## " heading to look for');
  await waitFor(`a hover with ACR002's documentation (heading "${heading}")`, (h) => {
    const hovers = [...document.querySelectorAll('.monaco-hover')].map((e) => e.innerText);
    return hovers.some((t) => t.includes('registry-admin-user-enabled') && t.includes(h));
  }, heading);
  log('hover shows the rule documentation');
  await shot('hover');
  await page.keyboard.press('Escape');

  step = 'the quick fix: Ignore ACR002 here, once, with a reason to type';
  await chord('Control', 'Period');
  const titles = await waitFor('the quick fix menu with "Ignore ACR002 here"', () => {
    const rows = [...document.querySelectorAll('.action-widget .monaco-list-row')].map(
      (r) => r.getAttribute('aria-label') ?? r.textContent);
    return rows.some((t) => t.startsWith('Ignore ACR002 here')) ? rows : null;
  });
  const ignores = titles.filter((t) => t.startsWith('Ignore ACR002 here'));
  if (ignores.length !== 1) {
    throw new Error(`expected one "Ignore ACR002 here" action, got ${ignores.length}: ${JSON.stringify(titles)}`);
  }
  await shot('quickfix');
  const rows = await page.$$('.action-widget .monaco-list-row');
  for (const row of rows) {
    const label = await row.evaluate((r) => r.getAttribute('aria-label') ?? r.textContent);
    if (label.startsWith('Ignore ACR002 here')) {
      await row.click();
      break;
    }
  }
  // The reason is a snippet placeholder, selected: typing replaces it.
  await waitFor('the ignore comment in main.tf', () =>
    (document.querySelector('.editor-group-container.active .view-lines')?.textContent ?? '')
      .replace(/\u00a0/g, ' ').includes('acrlint:ignore ACR002'));
  await page.keyboard.type(REASON);
  await page.keyboard.press('Escape');
  const lines = await waitFor(`the typed reason in the ignore comment`, (reason) => {
    const t = (document.querySelector('.editor-group-container.active .view-lines')?.textContent ?? '')
      .replace(/\u00a0/g, ' ');
    return t.includes(`# acrlint:ignore ACR002 ${reason}`) ? t : null;
  }, REASON);
  if (lines.includes('TODO')) {
    throw new Error(`the placeholder reason was not replaced by typing: ${lines}`);
  }
  await waitFor('ACR002 to leave the Problems panel after the quick fix', () => {
    const t = document.querySelector('.markers-panel')?.innerText ?? '';
    return !t.includes('ACR002') && t.includes('ACR010');
  });
  text = await problems();
  if (text.includes('LINT002')) {
    throw new Error(`the inserted ignore comment was reported as LINT002:\n${text}`);
  }
  await waitFor('the acrlint status bar item to report 0 errors', () =>
    [...document.querySelectorAll('.part.statusbar [aria-label]')].some((e) =>
      /^acrlint: 0 errors, 0 warnings/.test(e.getAttribute('aria-label'))));
  log('the quick fix inserted the ignore comment with the typed reason, and ACR002 is gone');

  step = "editing variables.tf updates main.tf's diagnostics";
  await openFile('variables.tf');
  await chord('Control', 'End');
  await page.keyboard.press('Enter');
  for (const line of [
    'resource "azurerm_monitor_diagnostic_setting" "acr" {',
    '  name                       = "acr-audit"',
    '  target_resource_id         = azurerm_container_registry.acr.id',
    '  log_analytics_workspace_id = "law"',
    '  enabled_log {',
    '    category_group = "audit"',
    '  }',
    '}',
  ]) {
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
  }
  await waitFor('ACR010 on main.tf to go once variables.tf has a diagnostic setting for the registry', () => {
    const t = document.querySelector('.markers-panel')?.innerText ?? '';
    return !t.includes('ACR010');
  });
  // Still running (not gone quiet because the server died), and main.tf is clean.
  await waitFor('the acrlint status bar item to report the server ready with 0 errors', () =>
    [...document.querySelectorAll('.part.statusbar [aria-label]')].some((e) =>
      /^acrlint: 0 errors, 0 warnings/.test(e.getAttribute('aria-label'))));
  log("editing variables.tf (unsaved) updated main.tf's diagnostics");

  step = 'clicking the status bar item shows the output channel';
  const item = await page.$('.part.statusbar [aria-label^="acrlint:"]');
  if (!item) throw new Error('no acrlint status bar item');
  await item.click();
  await waitFor('the Output panel showing the acrlint channel, not empty', () =>
    [...document.querySelectorAll('.part.panel select')].some(
      (s) => s.options[s.selectedIndex]?.text === 'acrlint') &&
    [...document.querySelectorAll('.part.panel .monaco-editor .view-lines')].some(
      (e) => e.textContent.trim().length > 0));
  log('the status bar item opens the acrlint output');
  await shot('final');
}

main();
