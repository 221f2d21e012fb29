import { describe, expect, it } from 'vitest';

import { colourEnabled, createStyle, visibleWidth } from './style.js';
import { renderTable } from './table.js';

describe('tables', () => {
  it('pads columns to the widest cell, numbers to the right, no trailing spaces', () => {
    const table = renderTable(
      ['NAME', 'COUNT', 'NOTE'],
      [
        ['a', '1', 'x'],
        ['longer', '1,000', ''],
      ],
      { right: [1] },
    );
    expect(table).toBe(['NAME    COUNT  NOTE', 'a           1  x', 'longer  1,000'].join('\n') + '\n');
  });

  it('aligns coloured cells by their visible width', () => {
    const style = createStyle(true);
    const table = renderTable(
      ['A', 'B'],
      [
        [style.red('no'), 'x'],
        ['yes', 'y'],
      ],
    );
    const [, first, second] = table.split('\n');
    expect(visibleWidth(first!)).toBe(visibleWidth(second!));
    expect(first).toContain('\u001b[31mno\u001b[39m');
  });
});

describe('colour', () => {
  it('only on a terminal, never under NO_COLOR, always under FORCE_COLOR', () => {
    expect(colourEnabled({}, true)).toBe(true);
    expect(colourEnabled({}, false)).toBe(false);
    expect(colourEnabled({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colourEnabled({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(colourEnabled({ FORCE_COLOR: '0' }, true)).toBe(false);
    expect(createStyle(false).red('plain')).toBe('plain');
  });
});
