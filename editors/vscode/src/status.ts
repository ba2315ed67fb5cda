// The status bar item: the language server's state and the workspace's acrlint findings.

import * as vscode from 'vscode';

export type ServerState = 'stopped' | 'starting' | 'ready' | 'error';

export const SHOW_OUTPUT_COMMAND = 'acrlint.showOutput';
const SOURCE = 'acrlint';
const RENDER_DELAY_MS = 200;

export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly listener: vscode.Disposable;
  private state: ServerState = 'stopped';
  private detail = '';
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    this.item = vscode.window.createStatusBarItem('acrlint.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'acrlint';
    this.item.command = SHOW_OUTPUT_COMMAND;
    // Counting walks every file's diagnostics: at most once per burst of changes.
    this.listener = vscode.languages.onDidChangeDiagnostics(() => {
      if (this.timer === undefined) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.render();
        }, RENDER_DELAY_MS);
      }
    });
    this.render();
  }

  setState(state: ServerState, detail = ''): void {
    this.state = state;
    this.detail = detail;
    this.render();
  }

  dispose(): void {
    this.listener.dispose();
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
    }
    this.item.dispose();
  }

  private render(): void {
    const item = this.item;
    item.backgroundColor = undefined;
    switch (this.state) {
      case 'stopped':
        item.text = '$(circle-slash) acrlint';
        item.tooltip = 'acrlint: the language server is not running. Click to show the output.';
        break;
      case 'starting':
        item.text = '$(sync~spin) acrlint';
        item.tooltip = 'acrlint: starting the language server…';
        break;
      case 'error':
        item.text = '$(error) acrlint';
        item.tooltip = `acrlint: the language server failed${this.detail ? `: ${this.detail}` : ''}. Click to show the output.`;
        item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
      case 'ready': {
        const { errors, warnings } = countFindings();
        item.text = `$(shield) acrlint $(error) ${errors} $(warning) ${warnings}`;
        item.tooltip =
          `acrlint: ${plural(errors, 'error')}, ${plural(warnings, 'warning')} in the workspace. ` +
          'Click to show the output.';
        break;
      }
    }
    item.accessibilityInformation = { label: `${item.tooltip as string}`, role: 'button' };
    item.show();
  }
}

function countFindings(): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const [, diagnostics] of vscode.languages.getDiagnostics()) {
    for (const d of diagnostics) {
      if (d.source !== SOURCE) {
        continue;
      }
      if (d.severity === vscode.DiagnosticSeverity.Error) {
        errors += 1;
      } else if (d.severity === vscode.DiagnosticSeverity.Warning) {
        warnings += 1;
      }
    }
  }
  return { errors, warnings };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
