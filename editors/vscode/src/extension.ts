// VS Code client for the acrlint language server (`acrlint lsp`, LSP over stdio).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  DocumentSelector,
  Executable,
  LanguageClient,
  LanguageClientOptions,
  State,
} from 'vscode-languageclient/node';
import { shapeCodeActions } from './codeActions';
import { SHOW_OUTPUT_COMMAND, StatusItem } from './status';

const CLIENT_ID = 'acrlint';
const CLIENT_NAME = 'acrlint';
const STOP_TIMEOUT_MS = 2000;

/** Files the server analyses, by language id (when a language extension is installed)... */
const LANGUAGE_IDS = ['terraform', 'terraform-vars', 'bicep', 'bicep-params', 'json', 'jsonc', 'yaml'];
/** ...and by file name, for users without the Terraform or Bicep extensions. */
const FILE_PATTERNS = ['**/*.tf', '**/*.tfvars', '**/*.bicep', '**/*.bicepparam'];
/** Changes to these files are forwarded as workspace/didChangeWatchedFiles. */
const WATCHED_GLOBS = ['**/acrlint.toml', '**/*.{tf,tfvars,bicep,bicepparam,json,yaml,yml}'];

interface LaunchSettings {
  command: string;
  args: string[];
}

let client: LanguageClient | undefined;
let outputChannel: vscode.LogOutputChannel | undefined;
let status: StatusItem | undefined;
let watchers: vscode.FileSystemWatcher[] = [];
// Start/stop/restart requests are chained so that they never overlap.
let pending: Promise<void> = Promise.resolve();

export function activate(context: vscode.ExtensionContext): void {
  outputChannel = vscode.window.createOutputChannel(CLIENT_NAME, { log: true });
  context.subscriptions.push(outputChannel);
  status = new StatusItem();
  context.subscriptions.push(status);
  context.subscriptions.push(
    vscode.commands.registerCommand(SHOW_OUTPUT_COMMAND, () => outputChannel?.show(true)),
  );

  context.subscriptions.push(
    vscode.commands.registerCommand('acrlint.restart', () => {
      if (!isEnabled()) {
        void vscode.window.showInformationMessage(
          'acrlint is disabled (acrlint.enable is false); enable it to start the language server.',
        );
        return Promise.resolve();
      }
      return enqueue(restartClient);
    }),
  );

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('acrlint.enable')) {
        void enqueue(isEnabled() ? startClient : stopClient);
      } else if (event.affectsConfiguration('acrlint.path') || event.affectsConfiguration('acrlint.args')) {
        if (isEnabled()) {
          void enqueue(restartClient);
        }
      }
    }),
  );

  // Workspace trust changes which values of acrlint.path/args are visible.
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      if (isEnabled()) {
        void enqueue(restartClient);
      }
    }),
  );

  if (isEnabled()) {
    void enqueue(startClient);
  }
}

export function deactivate(): Thenable<void> {
  return enqueue(stopClient);
}

function enqueue(task: () => Promise<void>): Promise<void> {
  pending = pending.then(task, task);
  return pending;
}

function isEnabled(): boolean {
  return vscode.workspace.getConfiguration('acrlint').get<boolean>('enable', true);
}

function readLaunchSettings(): LaunchSettings {
  const config = vscode.workspace.getConfiguration('acrlint');
  const rawPath = (config.get<string>('path') ?? '').trim() || 'acrlint';
  const rawArgs = config.get<unknown>('args');
  const args = Array.isArray(rawArgs) ? rawArgs.filter((a): a is string => typeof a === 'string') : [];
  return { command: resolveExecutable(rawPath), args };
}

/**
 * A bare name (no path separator) is left for the OS to look up on PATH.
 * `~` expands to the home directory, `${workspaceFolder}` to the first
 * workspace folder, and any other relative path is taken relative to that folder.
 */
function resolveExecutable(value: string): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  let p = value;
  if (folder !== undefined) {
    p = p.split('${workspaceFolder}').join(folder);
  }
  if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) {
    p = path.join(os.homedir(), p.slice(1));
  }
  const hasSeparator = p.includes('/') || p.includes('\\');
  if (hasSeparator && !path.isAbsolute(p) && folder !== undefined) {
    p = path.resolve(folder, p);
  }
  return p;
}

/** Whether `command` names an executable file, looking it up on PATH when it is a bare name. */
async function isRunnable(command: string): Promise<boolean> {
  const isWindows = process.platform === 'win32';
  const extensions = isWindows
    ? ['', ...(process.env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter((e) => e.length > 0)]
    : [''];
  const candidates: string[] = [];
  if (path.isAbsolute(command) || command.includes('/') || command.includes('\\')) {
    candidates.push(...extensions.map((ext) => command + ext));
  } else {
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
      if (dir.length > 0) {
        candidates.push(...extensions.map((ext) => path.join(dir, command + ext)));
      }
    }
  }
  for (const candidate of candidates) {
    try {
      const stat = await fs.promises.stat(candidate);
      if (stat.isFile()) {
        await fs.promises.access(candidate, isWindows ? fs.constants.F_OK : fs.constants.X_OK);
        return true;
      }
    } catch {
      // Not this one.
    }
  }
  return false;
}

function documentSelector(): DocumentSelector {
  return [
    ...LANGUAGE_IDS.map((language) => ({ scheme: 'file', language })),
    ...FILE_PATTERNS.map((pattern) => ({ scheme: 'file', pattern })),
  ];
}

function createWatchers(): vscode.FileSystemWatcher[] {
  return WATCHED_GLOBS.map((glob) => vscode.workspace.createFileSystemWatcher(glob));
}

function disposeWatchers(): void {
  for (const watcher of watchers) {
    watcher.dispose();
  }
  watchers = [];
}

async function startClient(): Promise<void> {
  if (client !== undefined) {
    return;
  }
  const launch = readLaunchSettings();
  // Check up front so that a missing executable gets one clear message
  // instead of the library's generic "couldn't create connection" error.
  if (!(await isRunnable(launch.command))) {
    reportStartFailure(launch.command, new Error('executable not found or not executable'));
    return;
  }
  const serverOptions: Executable = {
    command: launch.command,
    // No `transport` on purpose: with TransportKind.stdio the library would
    // append `--stdio`, which `acrlint lsp` does not take; stdio is the default.
    args: ['lsp', ...launch.args],
    options: { cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath },
  };
  watchers = createWatchers();
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(),
    synchronize: { fileEvents: watchers },
    outputChannel,
    middleware: {
      provideCodeActions: async (document, range, context, token, next) =>
        shapeCodeActions(await next(document, range, context, token), context),
    },
  };

  const newClient = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  client = newClient;
  status?.setState('starting');
  newClient.onDidChangeState((event) => {
    if (client !== newClient) {
      return;
    }
    if (event.newState === State.Running) {
      status?.setState('ready');
    } else if (event.newState === State.Starting) {
      status?.setState('starting');
    } else if (event.oldState === State.Running) {
      // Stopped without being asked: the server exited or crashed.
      status?.setState('error', 'the server stopped');
    }
  });
  outputChannel?.info(`Starting ${[launch.command, ...serverOptions.args!].join(' ')}`);
  try {
    await newClient.start();
  } catch (error) {
    if (client === newClient) {
      client = undefined;
    }
    disposeWatchers();
    try {
      await newClient.dispose(STOP_TIMEOUT_MS);
    } catch {
      // The server never came up; nothing left to shut down.
    }
    reportStartFailure(launch.command, error);
  }
}

async function stopClient(): Promise<void> {
  const current = client;
  client = undefined;
  disposeWatchers();
  status?.setState('stopped');
  if (current === undefined) {
    return;
  }
  try {
    // dispose() sends shutdown/exit to a running server and frees the client.
    await current.dispose(STOP_TIMEOUT_MS);
  } catch (error) {
    outputChannel?.error(`Error while stopping the acrlint language server: ${describe(error)}`);
  }
}

async function restartClient(): Promise<void> {
  await stopClient();
  await startClient();
}

function reportStartFailure(command: string, error: unknown): void {
  const detail = describe(error);
  outputChannel?.error(`Could not start the acrlint language server: ${detail}`);
  status?.setState('error', detail);
  const openSettings = 'Open Settings';
  const showOutput = 'Show Output';
  void vscode.window
    .showErrorMessage(
      `acrlint: could not start the language server with "${command} lsp" (${detail}). ` +
        'Install acrlint so that it is on PATH (for example run "cargo install --path ." in the acrlint repository), ' +
        'or point the "acrlint.path" setting at the executable.',
      openSettings,
      showOutput,
    )
    .then((choice) => {
      if (choice === openSettings) {
        void vscode.commands.executeCommand('workbench.action.openSettings', 'acrlint.path');
      } else if (choice === showOutput) {
        outputChannel?.show(true);
      }
    });
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}
