import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli.js';
import { unwrapProse } from '../../src/ui/help.js';
import { testIo } from '../helpers/io.js';

test('unwrapProse joins the lines of a paragraph and keeps paragraphs, list items and indented lines', () => {
  assert.equal(unwrapProse('one two\nthree four.\n\nNext\nparagraph.'), 'one two three four.\n\nNext paragraph.');
  assert.equal(unwrapProse('Items:\n- a\n- b\n  indented\n1. first'), 'Items:\n- a\n- b\n  indented\n1. first');
});

/** Every command and subcommand of the program. */
function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(allCommands)];
}

// A sentence broken where it did not need to be: a line that is followed by a continuation (same paragraph,
// lower-case start) whose first word would have fitted on it. Descriptions hard-wrapped at 115 columns and then
// wrapped again at 80 leave exactly that (a line of 80, then one of 35, then the sentence goes on).
for (const width of [80, 120]) {
  test(`help at ${width} columns: no line ends early in the middle of a sentence, none is wider than the terminal`, async () => {
    const program = await buildProgram([], testIo());
    for (const cmd of allCommands(program)) {
      cmd.configureOutput({ getOutHelpWidth: () => width });
      const text = cmd.helpInformation();
      const lines = text.split('\n');
      const end = lines.findIndex((l) => l === 'Examples:');
      const body = end < 0 ? lines : lines.slice(0, end);
      for (let i = 0; i + 1 < body.length; i++) {
        const [a, b] = [body[i], body[i + 1]];
        assert.ok(a.length <= width || !a.includes(' ', a.search(/\S/)), `${cmd.name()}: "${a}" is wider than ${width}`);
        const next = b.trimStart();
        if (a.trim() === '' || !/^[a-z(]/.test(next) || /^ {2}\S/.test(b)) continue;
        const firstWord = next.split(' ')[0];
        assert.ok(a.length + 1 + firstWord.length > width, `${cmd.name()} at ${width}: "${a}" broke before "${firstWord}"`);
      }
    }
  });
}
