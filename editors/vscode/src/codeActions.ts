// Client-side shaping of the server's code actions.
//
// The server offers an "Ignore CODE here" action for every finding that touches the
// requested range. Shown are those for the diagnostics VS Code has under the cursor (when
// it names any of acrlint's), and overlapping findings of one rule on one resource, whose
// actions would all insert the same comment, give one action (with the diagnostics of
// all). The comment's reason is a placeholder the user has to replace: the inserted text
// becomes a snippet whose first tab stop selects it.

import * as vscode from 'vscode';

/** `acrlint:ignore CODE[,CODE] <placeholder reason>` in the server's inserted comment. */
const IGNORE_TEXT = /^(.*acrlint:ignore [A-Z0-9,]+ )(.*?)(\r?\n)?$/s;
const IGNORE_TITLE = /^Ignore \S+ here\b/;

const SOURCE = 'acrlint';

export function shapeCodeActions(
  items: (vscode.Command | vscode.CodeAction)[] | null | undefined,
  context: vscode.CodeActionContext,
): (vscode.Command | vscode.CodeAction)[] | null | undefined {
  if (!items) {
    return items;
  }
  const underCursor = context.diagnostics.filter((d) => d.source === SOURCE);
  const out: (vscode.Command | vscode.CodeAction)[] = [];
  const kept = new Map<string, vscode.CodeAction>();
  for (const item of items) {
    if (!isCodeAction(item) || !IGNORE_TITLE.test(item.title) || item.edit === undefined) {
      out.push(item);
      continue;
    }
    const about = item.diagnostics ?? [];
    if (underCursor.length > 0 && about.length > 0 && !about.some((d) => underCursor.some((c) => sameDiagnostic(d, c)))) {
      continue; // a finding that touches the range but is not one VS Code has under the cursor
    }
    const key = ignoreKey(item);
    const first = kept.get(key);
    if (first !== undefined) {
      first.diagnostics = [...(first.diagnostics ?? []), ...(item.diagnostics ?? [])];
      continue;
    }
    kept.set(key, item);
    item.edit = withReasonPlaceholder(item.edit);
    out.push(item);
  }
  return out;
}

/** Same rule at the same range (the message may differ between module instances). */
function sameDiagnostic(a: vscode.Diagnostic, b: vscode.Diagnostic): boolean {
  return (
    codeOf(a) === codeOf(b) &&
    a.range.start.line === b.range.start.line &&
    a.range.start.character === b.range.start.character &&
    a.range.end.line === b.range.end.line &&
    a.range.end.character === b.range.end.character
  );
}

function codeOf(d: vscode.Diagnostic): string | number | undefined {
  const code = d.code;
  return typeof code === 'object' && code !== null ? code.value : code;
}

function isCodeAction(item: vscode.Command | vscode.CodeAction): item is vscode.CodeAction {
  return !(typeof (item as vscode.Command).command === 'string');
}

/** The same title inserting the same text at the same place is the same action. */
function ignoreKey(action: vscode.CodeAction): string {
  const parts: string[] = [action.title];
  for (const [uri, edits] of action.edit?.entries() ?? []) {
    for (const e of edits) {
      parts.push(`${uri.toString()}:${e.range.start.line}:${e.range.start.character}:${e.newText}`);
    }
  }
  return parts.join('\u0000');
}

/** Escape text for a snippet: `$`, `}` and `\` are special there. */
function snippetEscape(text: string): string {
  return text.replace(/[$}\\]/g, (c) => `\\${c}`);
}

/**
 * The edit with each inserted ignore comment turned into a snippet whose reason is the
 * first placeholder. Anything that does not look like the server's comment is kept as is.
 */
function withReasonPlaceholder(edit: vscode.WorkspaceEdit): vscode.WorkspaceEdit {
  const result = new vscode.WorkspaceEdit();
  for (const [uri, edits] of edit.entries()) {
    const converted: (vscode.TextEdit | vscode.SnippetTextEdit)[] = edits.map((e) => {
      const m = IGNORE_TEXT.exec(e.newText);
      if (m === null || m[2].trim().length === 0) {
        return e;
      }
      const snippet = new vscode.SnippetString(
        `${snippetEscape(m[1])}\${1:${snippetEscape(m[2])}}${m[3] ?? ''}`,
      );
      return new vscode.SnippetTextEdit(e.range, snippet);
    });
    result.set(uri, converted);
  }
  return result;
}
