import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../lambdas/contract/functions.js';
import { expectationOf, formatKind, type SettingKind } from '../../lambdas/contract/setting-kinds.js';
import { defaultIn } from '../../lambdas/contract/setting-sources.js';
import { SETTINGS, type Setting } from '../../lambdas/contract/settings.js';
import { repoPath } from '../../lib/repo-paths.js';
import { LOCAL_DEFAULTS, LOCAL_SETTINGS } from '../../local/local-config.js';

/**
 * The README's configuration tables against the schema: the functions' variables are a table
 * generated from lambdas/contract/settings.ts; the context tables and the local runner's table are
 * written by hand and checked here, name by name and default by default.
 */

const README = readFileSync(repoPath('README.md'), 'utf8');
const ALL = Object.entries(SETTINGS) as [keyof typeof SETTINGS, Setting][];

const BEGIN =
  '<!-- functions-settings: generated from lambdas/contract/settings.ts, checked by test/unit/readme-configuration.test.ts -->';
const END = '<!-- /functions-settings -->';

const code = (text: string) => `\`${text}\``;
const shown = (kind: SettingKind, value: unknown) => code(formatKind(kind, value as never));
const cell = (text: string) => text.replaceAll('|', '\\|');

/** The table of every variable the functions read, as the README holds it between BEGIN and END. */
function functionsTable(): string {
  const localDefaults: Partial<Record<string, unknown>> = LOCAL_DEFAULTS;
  const rows = ALL.filter(([, s]) => s.env !== undefined).map(([name, setting]) => {
    const readBy = (setting.readBy ?? []).map((id) => FUNCTIONS[id].folder).join(', ');
    const fallback = defaultIn(setting, 'environment');
    const defaults = [
      setting.required ? '*(required)*' : fallback === undefined ? 'unset' : shown(setting.kind, fallback),
      ...(setting.contextDiffers && 'default' in setting.contextDiffers
        ? [`stack: ${shown(setting.kind, defaultIn(setting, 'context'))}`]
        : []),
      ...(localDefaults[name] === undefined ? [] : [`locally ${shown(setting.kind, localDefaults[name])}`]),
    ];
    const accepts = [
      expectationOf(setting.kind),
      ...(setting.contextDiffers?.kind
        ? [`from the stack: ${expectationOf(setting.contextDiffers.kind)}`]
        : []),
    ];
    const meaning = [
      setting.description,
      ...(setting.contextDiffers ? [`(stack: ${setting.contextDiffers.because})`] : []),
    ];
    return `| ${code(setting.env ?? '')} | ${readBy} | ${defaults.join('; ')} | ${cell(accepts.join('; '))} | ${
      setting.context ? code(setting.context) : ''
    } | ${cell(meaning.join(' '))} |`;
  });
  return [
    '| Variable | Read by | Default | Accepts | Context | Meaning |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

interface Row {
  readonly names: string[];
  readonly cells: string[];
}

/** The rows of every table whose header is exactly `header`. */
function tableRows(header: string): Row[] {
  const lines = README.split('\n');
  const rows: Row[] = [];
  lines.forEach((line, index) => {
    if (line.trim() !== header) return;
    for (const row of lines.slice(index + 2)) {
      if (!row.startsWith('|')) break;
      const cells = row.split(' | ').map((part) => part.replace(/^\| ?| ?\|$/g, ''));
      rows.push({
        names: [...(cells[0] ?? '').matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? ''),
        cells,
      });
    }
  });
  return rows;
}

/** Whether a Default cell shows the setting's default (or says it is required). */
function showsDefault(defaultCell: string, setting: Setting, fallback: unknown): boolean {
  if (fallback === undefined && setting.required) return /required/.test(defaultCell);
  if (fallback === undefined || (Array.isArray(fallback) && fallback.length === 0)) return true;
  return defaultCell.includes(shown(setting.kind, fallback));
}

describe("the README's configuration", () => {
  it('lists every variable the functions read, as the schema declares it', () => {
    const start = README.indexOf(BEGIN);
    const end = README.indexOf(END);
    expect(start, `README.md has no line ${BEGIN}`).toBeGreaterThan(-1);
    const inReadme = README.slice(start + BEGIN.length, end).trim();
    expect(
      inReadme,
      'The functions table in README.md differs from the schema: replace the lines between its markers with the table expected here',
    ).toBe(functionsTable());
  });

  it('lists every context key of the schema, with its default, and no other', () => {
    const rows = tableRows('| Context value | Default | Meaning |');
    const keys = ALL.flatMap(([, s]) => (s.context === undefined ? [] : [s.context]));
    expect(rows.flatMap((row) => row.names).sort()).toEqual([...keys].sort());
    for (const row of rows) {
      for (const key of row.names) {
        const setting = ALL.find(([, s]) => s.context === key)?.[1];
        if (!setting) continue;
        expect([key, showsDefault(row.cells[1] ?? '', setting, defaultIn(setting, 'context'))]).toEqual([
          key,
          true,
        ]);
      }
    }
  });

  it('names only context keys of the schema wherever it shows a -c option or a context value', () => {
    const keys = new Set(ALL.flatMap(([, s]) => (s.context === undefined ? [] : [s.context])));
    const named = [...README.matchAll(/-c ([a-zA-Z]+)|context `([a-zA-Z]+)/g)].map(
      (match) => match[1] ?? match[2],
    );
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((key) => key !== 'key' && !keys.has(key ?? ''))).toEqual([]);
  });

  it('lists every variable of the local runner, with the local default, and no other', () => {
    const rows = tableRows('| Variable | Default | Meaning |');
    const local: [string, Setting, unknown][] = [
      ...Object.values(LOCAL_SETTINGS).map((s): [string, Setting, unknown] => [
        s.env,
        s,
        defaultIn(s, 'environment'),
      ]),
      ...(Object.entries(LOCAL_DEFAULTS) as [keyof typeof LOCAL_DEFAULTS, unknown][]).map(
        ([name, value]): [string, Setting, unknown] => [SETTINGS[name].env, SETTINGS[name], value],
      ),
    ];
    expect(rows.flatMap((row) => row.names).sort()).toEqual(local.map(([env]) => env).sort());
    for (const row of rows) {
      for (const env of row.names) {
        const [, setting, fallback] = local.find(([name]) => name === env) ?? [];
        if (!setting) continue;
        expect([env, showsDefault(row.cells[1] ?? '', setting, fallback)]).toEqual([env, true]);
      }
    }
  });
});
