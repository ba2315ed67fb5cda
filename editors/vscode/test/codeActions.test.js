// Unit test of out/codeActions.js (compiled) against a small stand-in for the `vscode`
// module, which only exists inside VS Code. Run: npm test (after npm run compile).
'use strict';

const assert = require('node:assert/strict');
const Module = require('node:module');
const path = require('node:path');
const test = require('node:test');

class Position {
  constructor(line, character) {
    this.line = line;
    this.character = character;
  }
}
class Range {
  constructor(start, end) {
    this.start = start;
    this.end = end;
  }
}
class TextEdit {
  constructor(range, newText) {
    this.range = range;
    this.newText = newText;
  }
}
class SnippetString {
  constructor(value) {
    this.value = value;
  }
}
class SnippetTextEdit {
  constructor(range, snippet) {
    this.range = range;
    this.snippet = snippet;
  }
}
class Uri {
  constructor(p) {
    this.p = p;
  }
  toString() {
    return `file://${this.p}`;
  }
}
class WorkspaceEdit {
  constructor() {
    this.map = new Map();
  }
  set(uri, edits) {
    this.map.set(uri, edits);
  }
  entries() {
    return [...this.map.entries()];
  }
}
const fakeVscode = { Position, Range, TextEdit, SnippetString, SnippetTextEdit, Uri, WorkspaceEdit };

const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'vscode' ? fakeVscode : load.call(this, request, ...rest);
};
const { shapeCodeActions } = require(path.join(__dirname, '..', 'out', 'codeActions.js'));

const uri = new Uri('/ws/main.tf');
const at = (line) => new Range(new Position(line, 0), new Position(line, 0));

const diag = (code, line, source = 'acrlint') => ({
  source,
  code: { value: code, target: new Uri(`/docs/${code}`) },
  range: new Range(new Position(line, 4), new Position(line, 9)),
});
const none = { diagnostics: [] };

function ignoreAction(code, line, diagnostic, text) {
  const edit = new WorkspaceEdit();
  edit.set(uri, [new TextEdit(at(line), text ?? `  # acrlint:ignore ${code} TODO: reason\n`)]);
  return { title: `Ignore ${code} here (acrlint:ignore comment)`, diagnostics: [diagnostic], edit };
}

test('one ignore action per rule and place, with the diagnostics of all', () => {
  const fix = { title: 'Set admin_enabled = false', diagnostics: ['d0'], edit: new WorkspaceEdit() };
  const out = shapeCodeActions([
    fix,
    ignoreAction('ACR002', 0, 'd1'),
    ignoreAction('ACR002', 0, 'd2'),
    ignoreAction('ACR010', 0, 'd3'),
    ignoreAction('ACR002', 4, 'd4'),
  ], none);
  assert.deepEqual(
    out.map((a) => [a.title, a.diagnostics]),
    [
      ['Set admin_enabled = false', ['d0']],
      ['Ignore ACR002 here (acrlint:ignore comment)', ['d1', 'd2']],
      ['Ignore ACR010 here (acrlint:ignore comment)', ['d3']],
      ['Ignore ACR002 here (acrlint:ignore comment)', ['d4']],
    ],
  );
  assert.equal(out[0], fix, 'other actions are passed through untouched');
});

test('the reason becomes the first placeholder of a snippet; special characters are escaped', () => {
  const [action] = shapeCodeActions(
    [ignoreAction('ACR002', 2, 'd', '  # $x} acrlint:ignore ACR002 TODO: reason\r\n')],
    none,
  );
  const [[u, edits]] = action.edit.entries();
  assert.equal(u, uri);
  assert.ok(edits[0] instanceof SnippetTextEdit);
  assert.equal(edits[0].snippet.value, '  # \\$x\\} acrlint:ignore ACR002 ${1:TODO: reason}\r\n');
  assert.deepEqual(edits[0].range, at(2));
});

test('text that is not an ignore comment stays a plain edit; commands pass through', () => {
  const odd = ignoreAction('ACR002', 0, 'd', 'something else\n');
  const command = { title: 'Ignore ACR002 here', command: 'x' };
  const out = shapeCodeActions([odd, command], none);
  assert.ok(out[0].edit.entries()[0][1][0] instanceof TextEdit);
  assert.equal(out[1], command);
  assert.equal(shapeCodeActions(undefined, none), undefined);
  assert.equal(shapeCodeActions(null, none), null);
});

test("only the ignores of acrlint's diagnostics under the cursor, when VS Code names them", () => {
  const fix = { title: 'Set admin_enabled = false', diagnostics: [diag('ACR009', 0)], edit: new WorkspaceEdit() };
  const actions = () => [
    fix,
    ignoreAction('ACR002', 0, diag('ACR002', 0)),
    ignoreAction('ACR010', 0, diag('ACR010', 3)),
  ];
  const titles = (out) => out.map((a) => a.title);
  // The cursor is on ACR002 (line 0); ACR010's finding only touches the requested range.
  assert.deepEqual(titles(shapeCodeActions(actions(), { diagnostics: [diag('ACR002', 0)] })), [
    'Set admin_enabled = false',
    'Ignore ACR002 here (acrlint:ignore comment)',
  ]);
  // Diagnostics of other sources say nothing about acrlint's: all are kept.
  assert.equal(shapeCodeActions(actions(), { diagnostics: [diag('X1', 0, 'other')] }).length, 3);
  assert.equal(shapeCodeActions(actions(), none).length, 3);
});
